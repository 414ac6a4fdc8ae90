"""The detector's hand-written rules: what counts as the form of an ask, and as a product (the talk
against is in bot/listening/against.py; bot/listening/detect.py reads both). Patterns are in lower case;
each weight is in the detector's units, where THRESHOLD decides.

Slack forms came from tests/data/requests_dev*.jsonl; customer-voice forms (app reviews, tickets, NPS:
"bring back", "would give 5 stars if", "please fix" bug reports) from tests/data/reviews_dev*.jsonl.
"""

from __future__ import annotations

import re

# Things a product team builds: the object or subject of a feature request. Single words are
# looked up in a set (plural "s" allowed); phrases are found as substrings.
SYSTEM_WORDS = frozenset(
    """
    app api sdk cli admin panel dashboard report reporting export import integration sync connector crm billing
    invoice webhook endpoint field column filter button option setting toggle page screen view mode search
    notification alert role permission sso saml scim 2fa mfa login template widget chart graph csv pdf png xlsx
    excel warehouse dropdown drop-down dialog banner badge timestamp shortcut undo ui ux portal console platform
    system tool lms scanner website site checkout cart till pos kiosk module form reminder digest payload header
    response schema tab icon menu sms feature version docs catalog sidebar editor inbox queue workflow pipeline
    build board launcher checklist wizard onboarding email receipt label barcode list flag link handheld erp mes
    forum macro caption footer timeline feed booking scheduler status tracking map route planner lookup
    self-service reader printer profile pin history messaging message template reply draft signature row tile
    preference password checkbox refund payout calendar deadline validation upload tipping chat webchat engine
    recommendation control limit account notes type
    timer comment photo video song playlist level sticker emoji font theme camera audio subtitle language folder
    contact album music sound keyboard backup lyric episode layout design color colour zoom landscape voice
    wallpaper ringtone gif printout
    """.split()
)
SYSTEM_PHRASES = ("audit log", "audit trail", "dark mode", "calendar view", "qr code", "progress bar", "search bar",
                  "push notification", "report builder")
# What software does, as opposed to what a colleague does.
CAPABILITY_WORDS = frozenset(
    """
    show shows display support supports allow allows accept return expose cache cached remember remembered
    automatically retry retried restrict enforce enforced sort notify remind warn warning warnings highlight
    generate calculate embed preview exportable offline bulk batch in-app one-click two-way prefill pre-fill
    autofill save saved autosave translate auto-translate remove assign lock locks duplicate schedule scheduled
    """.split()
)
# How people cope without the feature today: a strong sign that the message asks for one.
WORKAROUND = re.compile(
    r"\b(?:by hand|manually|copy-?past\w*|retyp\w*|re-?typ\w*|re-?upload\w*|spreadsheets?|google sheets?|"
    r"paper (?:sheet|form|list)s?|mail merge|(?:we|they|i) (?:currently|still) \w+|we have to|(?:right now|"
    r"at the moment|atm|currently|today) (?:we|it|they|i|you|everyone|staff|people)|instead of (?:us|me|them|"
    r"having to)|without having to|so (?:we|they|i|people|nobody) (?:don'?t|can|stop|know)|would save|"
    r"by phone|phone (?:in|down|us)|ring (?:me|us|the))\b"
)
WORKAROUND_WEIGHT = 0.6
SYSTEM_WEIGHT = 0.8
CAPABILITY_WEIGHT = 0.8
# An ask that names no product loses this much (pizza, rooms, people), unless the ask itself can only be
# about the product: reviewers say "bring back the old layout" or "add Apple Pay" of nouns no list holds.
NO_PRODUCT_PENALTY = 0.8
SELF_EVIDENT = (
    r"\b(?:bring (?:\w+ ){0,3}?back|put (?:\w+ ){0,2}?back|give (?:us|me) (?:\w+ )?back|stars?|add (?:a|an) option|"
    r"option to|ability to|a setting|let (?:me|us)|the old \w+|lacks?|missing|be added|"
    r"(?:please|pls|plz|kindly) (?:add|include|increase|provide|make|change|give|bring|put|allow|enable|reduce|"
    r"improve|introduce|create|offer|consider|upload)|(?:change|set|turn|switch|put) (?:it |this |that |them |"
    r"things |everything )?back|go back to|no (?:option|setting|button|ability|feature|function)s?|feature request|"
    r"give (?:us|me) (?:more|an?|the option|option|some)|(?:need|want) (?:more|new|an? option|option)|"
    r"more \w+(?: \w+){0,3} (?:please|pls+|plz+)|would be (?:\w+ )?(?:great|nice|cool|awesome|amazing|helpful) "
    r"(?:if|to)|(?:please|pls+|plz+)\W*$|"
    r"wish (?:i|we|you|u|it|they|there|this|the app) (?:could|would|had|was|were|did|'?d)|better (?:if|with|when)|"
    r"suggest)\b"
)
# A review that reports a bug asks, if at all, in passing ("please fix", "you should see to it"): feedback
# channels (bot/listening/sentences.py) then count only a clear ask, one that scores this much more.
BUG_REPORT = re.compile(
    r"\b(?:crash\w*|freez\w*|bugs?|buggy|glitch\w*|errors?|not working|doesn'?t work|does not work|stopped working|"
    r"won'?t (?:open|load|start|work|let)|black screen|force clos\w*|keeps? (?:crashing|closing|stopping)|fix|"
    r"logs? (?:me|us) out|logging (?:me|us) out)\b"
)
BUG_REPORT_MARGIN = 1.2
# A message that opens with a how-to question is a question, even when a reason follows.
HOW_TO = r"\W*(?:how (?:do|can|should|would) (?:i|you|we)|how to|where (?:do|can) i|what'?s the way|where(?:'s| is) " \
         r"the (?:setting|option|button|menu|toggle) (?:to|for))\b"
HOW_TO_WEIGHT = 1.1
CAPABILITY = (
    r"\b(?:let (?:us|users|admins|people|me|you|them|customers|staff|students|drivers|agents|managers|reps|players)|"
    r"auto-?\w+|group by|default (?:to|view)|export(?:ed)? (?:to|as)|be (?:able|dismissable|dismissible|editable|"
    r"configurable|exportable|filterable|searchable|customi[sz]able|optional)|per (?:user|team|key|workspace|role|"
    r"store|site|brand|branch|ward|module|customer|tenant)|instead of (?:just|only)|in addition to|not just|"
    r"refresh(?:ed|es)? itself)\b"
)

# (weight, pattern). The form of an ask.
ASK: list[tuple[float, str]] = [
    (1.6, r"\bfeature (?:request|idea|ask|suggestion|wish|req)\b|\bfr\s*(?:from|:)|\benhancement\s*:|"
          r"\bdream feature\b|^\W*(?:new |small |tiny )?(?:feature|feat)\s*:"),
    (1.3, r"\b(?:requests?|asks?|ideas?|proposals?|suggestions?|wishlist|wish list|wish|requirements?|must-haves?)\s*"
          r"(?:(?:from|via) [\w\s'-]{1,25})?:"),
    (1.3, r"\b(?:would|it'?d|wouldn'?t it|that'?d|this would) (?:really |be )?(?:be |help |make )?"
          r"(?:really |so |super |"
          r"very |a )?(?:great|nice|awesome|amazing|helpful|useful|cool|handy|lovely|ideal|good|game.?changer|"
          r"ton|huge|life.?saver|easier)\b"),
    (1.2, r"\b(?:could|can|would|will|might|may) (?:we|you|u|they|it|there|the|our|your|this|that|these|those|a|"
          r"an|invoices|reports|charts|users|admins|people|customers)\b"),
    (1.1, r"\bi (?:really |just )?(?:wish|want|'?d love|would love|'?d (?:really )?like|would (?:really )?like)\b|"
          r"\b(?:i keep wishing|wish (?:the|it|we|there|our|list))\b|\bwould (?:really )?love\b|\bmy kingdom for\b|"
          r"\bwould (?:really )?(?:help|make (?:my|our|their|everyone'?s) (?:life|lives|job))\b"),
    (1.1, r"\b(?:any chance|any way|anyway we can|is there (?:any )?(?:way|plan|chance)|any plans|are there plans|"
          r"is it (?:possible|feasible)|would it be (?:possible|hard|feasible)|how hard would it be|"
          r"what would it take|on the roadmap|on (?:anyone'?s|the) radar)\b"),
    (1.1, r"\b(?:should|ought to|needs? to|has to|must) (?:really |also |just |probably |definitely )?"
          r"(?:let|allow|support|show|display|have|accept|send|include|take|return|expose|be|keep|remember|offer|"
          r"default|warn|work|retry|sync|handle|respect|follow)\b"),
    (1.0, r"\b(?:we|they|i|finance|support|ops|sales|the team|the \w+ team) (?:really |badly |still |definitely )?"
          r"(?:needs?|want|wants|require|requires|would like|'?d like|are missing)\b"),
    (1.0, r"(?:^|\b(?:really|badly|still|definitely|\w+) )needs? (?:the ability|a way|an? option|two-way|per-|"
          r"support for|to (?:support|let|allow|show|have|be able))"),
    (1.0, r"\b(?:keeps?|kept) asking\b|\b(?:wants|asked for|asking for) (?:a|an|the|to|us to|our|it|this|"
          r"invoice|multi|\w+ (?:integration|support|export|sync))\b|\bis there room\b|\bus adding\b|"
          r"\bcontingent\b|\bsuggest(?:ion)? (?:we|for)\b|\brandom thought\b|\bone thing i'?d change\b|"
          r"\brequest from\b"),
    (0.8, r"\b(?:could|can|should) (?:\w+ ){0,3}?" + CAPABILITY),
    # "When are you adding Google Pay?", "I'd really appreciate a way to tip the rider".
    (1.3, r"\bwhen (?:are|will|r) (?:you|u|they|y'?all) (?:guys )?(?:going to |gonna )?(?:add|adding|bring|bringing|"
          r"support|supporting|release|releasing|launch|launching|offer|offering|introduce|introducing)\b|"
          r"\bappreciate (?:a way|an option|the option|the ability|a feature|a setting|being able|having)\b|"
          r"\b(?:would|'?d) (?:really |greatly |truly )?appreciate (?:it )?if\b"),
    # Asks said sideways: "that's my vote for next quarter", "I'd settle for just being able to…", "we'll need audit
    # logs in CEF", "schools in Wales are asking for…", "letting users reset it would kill it", "a proper importer
    # would make those calls shorter", "if I could change one thing…", "automate the month-end email plz".
    (1.2, r"\bmy vote (?:for|is|goes)\b|\bthat'?s my vote\b|\bi'?d settle for\b|\bwe'?ll (?:also )?need\b|"
          r"\bwe will need\b|\b[\w-]+s (?:in [\w-]+ )?(?:are|have been|keep) asking (?:for|about|if)\b|"
          r"\b(?:leads?|prospects?) (?:\w+ )?asking for\b|\bletting (?:users|customers|people|members|staff|"
          r"[\w-]+s) [\w-]+[^.?!]{0,60}\bwould\b|\ba (?:proper|simple|basic|dedicated|real|decent) [\w-]+(?: [\w-]+)? "
          r"would (?:make|save|help|fix|kill|stop|cut|solve)\b|\bif i could change one thing\b|"
          r"^\W*(?:please |pls |plz )?(?:automate|rename)\b"),
    # Relayed by how many: "a few agencies have asked for…", "several players asked for cross-save".
    (1.2, r"\b(?:a few|several|some|many|lots of|a couple of|a handful of|a bunch of|multiple|\d+|two|three|four|"
          r"five|more and more) (?:of (?:our|the|my) )?[\w-]+(?: [\w-]+)? (?:have |had |has |all |also )?(?:asked|"
          r"been asking|keep asking|are asking|requested) (?:for|about adding|if (?:we|you) could|whether (?:we|you) "
          r"could)\b"),
    # A need said first, of something to build: "need 2FA via an authenticator app"; not of a person or time.
    (0.9, r"^\W*(?:we |i |we'?ll |also )?(?:really |still |badly |also )?need (?!to\b|someone|somebody|anyone|help|"
          r"a hand|a minute|a sec|coffee|a break|you|more time|approval|access|sign-?off|a volunteer|cover|an? "
          r"(?:update|answer|decision|reply|review)\b)[\w-]+"),
    (1.2, r"\b(?:customers?|clients?|users?|prospects?|buyers?|partners?|accounts?|trials?|they|folks|reps|"
          r"everyone|people|\w+(?:'s)? (?:admin|team|it|controller|cfo|ops))\b[^.?!]{0,40}?\b(?:keep |kept |"
          r"are |have been |were |also |all )?(?:asking|ask|asked|requesting|requested|want|wants|wanted|"
          r"brings? it up|bring (?:this|it) up|begging|would pay)\b"),
    (1.1, r"\b(?:what if|what about|how about|maybe (?:we|the|our|it)|let'?s add|let'?s (?:make|let|have)|"
          r"maybe (?:let|add|allow|show|make|have|give)|"
          r"consider (?:adding|this a request)|it would be worth|might be worth|we should (?:add|let|make|have|"
          r"support|build|show|offer|allow|stop making))\b"),
    (1.0, r"\b(?:why (?:can'?t|cant|does(?:n'?t| not)|do(?:n'?t| not)|is(?:n'?t| not) there|is there no|no)|"
          r"there'?s no (?:way|option)|there (?:is|isn'?t|is not) (?:no |an? )?(?:way|option|setting|button) to|"
          r"(?:option|setting|button|feature) (?:doesn'?t|does not|don'?t) exist|no way to|"
          r"can'?t believe we (?:still )?don'?t|(?:still|we) don'?t have|"
          r"lack of|doesn'?t have|has no|have no|is missing|why (?:does|do|is|are|can) (?:\w+ ){1,4}not|"
          r"only (?:lets|allows|supports|shows)|one at a time|"
          r"it really should|should really|should be possible|painful that|annoying that|frustrating that|"
          r"the fact that|(?:crazy|mad|wild|absurd|ridiculous|insane|nuts|bonkers|silly) (?:that )?(?:we|you|it|"
          r"they|users|people|customers|staff|the \w+) (?:still )?(?:can'?t|cant|cannot|doesn'?t|doesnt|don'?t|dont|"
          r"won'?t|has no|have no|isn'?t))\b"),
    (1.0, r"^(?:\W*(?:<@\w+>|@\w+|hey \S+|cc \S+|pls|please|tiny ux ask|ux ask|quick ask|[\w -]{1,25}(?::|->|—))\W*)*"
          r"(?:add|make|put|"
          r"bring back|give|expose|let|allow|show|include|support|please add|pls add)\b"),
    (0.9, r"\b(?:please|pls|plz) (?:add|expose|make|put|bring back|give|support|include|let)\b"),
    (1.1, r"\b(?:imagine if|is (?:that|this|it) something (?:we|you|they) could|worth doing|"
          r"(?:is|be) (?:that |this |it )?doable|overdue|would benefit|it'?d help|we'?re missing|"
          r"(?:asked|asking|asks|wondering) (?:whether|if)|"
          r"wants? to be able|wishlist|wish-list|fr for|small one|idea for the|hot take|is (?:it|that) possible)\b"),
    (1.0, r"(?:^|\s)\+1\b"),
    (1.0, r"(?<!\bi )(?<!\byou )(?<!\beveryone )\b[\w`.()-]+ (?:really |also |probably |definitely )?"
          r"(?:should|deber[ií]a|sollte|devrait) "
          r"(?!be (?:fixed|working|back|up|done|sorted)\b|have (?:been|known)\b)\w+"),
    (0.9, r"\b\w+ (?:really |badly |definitely |also )?needs (?!to be (?:fixed|done|sorted|signed)\b)\w+"),
    (1.0, r"\b\w+s want to \w+|\b(?:keep|kept) (?:emailing|calling|phoning|ringing|messaging|asking)\b|"
          r"\bhave been asking\b|\basked for (?:a|an|the|that|this)\b"),
    (0.9, r"\b(?:please|pls|plz) (?!(?:review|send|share|check|look|let|join|reply|confirm|fill|use|stop|sign|"
          r"approve|help|cover|update|tell|ping|remember|note|read|book|bring|come|make sure|don'?t)\b)\w+"),
    (0.8, r"\b(?:can|could|would|will) (?!(?:you|someone|anyone|somebody|i|we all|everyone)\b)[^?.!\n]{3,80}\?"),
    (1.1, r"\b(?:i'?d pay (?:good )?money|pitch for|is there (?:any )?appetite|is it just me or|"
          r"(?:como )?sugerencia|nit(?: but)?:?|i think (?:\S+ ){1,4}should|proposing|hate that|"
          r"the one thing missing|long shot|game.?changer|would be (?:a )?(?:huge|massive|big) (?:win|help))\b"),
    (1.0, r"\bif (?:the|our|this|that) \w+(?: \w+){0,2} (?:could|would|can|had|showed|let|was able|were able|"
          r"supported|remembered|grouped|went|sent|did|knew|flagged|warned|blocked|checked|kept|allowed|offered|"
          r"told)\b"),
    (1.1, r"\b(?:i'?d|we'?d|they'?d|would) (?:really )?like (?:to (?:propose|see|be able)|the|a|an|it|to have)\b|"
          r"\bwould kill for\b|\bwould (?:cut|shave|halve|save|spare)\b|\bit'?d be (?:sweet|handy|nice|great)\b|"
          r"\bwould anyone (?:else )?find\b|\bhear me out\b|\bpropose\b|\brelay(?:ing|ed)? (?:from|this)\b|"
          r"\bpassing (?:this |it )?(?:on|along)\b"),
    (1.0, r"\b(?:does(?:n'?t| not)|do(?:n'?t| not)|won'?t|will not) let (?:us|me|you|them|people|users)\b"
          r"(?! (?:log|login|sign|in|play|open|watch|"
          r"access|install|connect|register|continue|finish|start|load|get (?:back|in))\b)|"
          r"\bcan'?t even\b|\bthere'?s (?:still )?no (?:\w+ ){0,2}?(?:to|for)\b|\bthere is no\b"),
    (0.8, r"\b(?:can|could) \w+s (?!you\b)\w+\b[^.?!]*\?"),
    (0.8, r"\b\w+s (?:really )?need (?!to (?:be|send|know)\b)\w+"),
    (1.0, r"\b(?:should|shouldn'?t|needs?|ought to) (?!be (?:fixed|working|back|up)\b)(?:\w+ )?(?:refuse|fail|hook|"
          r"pull|block|stop|warn|check|prevent|group|print|text|post|flag|pre-?\w+|auto\w*|\w+ automatically)\b"),
    (1.0, r"\b(?:needs?|need) (?:a|an)\b"),
    (1.0, r"\b\w+s want (?:to (?:see|be able|have|get|know)|a|an|the)\b"),
    (1.0, r"\b(?:pls|please|plz)\s*(?:[:!.?]|:\w+:|$)"),
    (0.8, r"\b(?:plus one|upvote|seconding|raising (?:this )?again|for the backlog|adding to your list|"
          r"flagging for (?:the )?roadmap|nice to have|low priority but|would unlock|would save)\b"),
    (0.6, r"\b(?:can|could|would) (?:\w+ ){0,6}?(?:be|get|have)\b"),
    # A bare noun phrase asked as a question: "saved searches for buyers?", "in-app tipping after the ride?"
    (1.2, r"^(?:[\w -]{1,20}: ?)?(?!(?:how|what|who|whom|where|when|why|which|is|are|am|was|were|do|does|did|can|"
          r"could|would|will|should|shall|may|might|have|has|had|anyone|any|so|ok|hey|hi|and|but|or|i|you|we|he|she|"
          r"they|it|this|that|there|lol|wait|whats|what'?s|who'?s|where'?s|isn'?t|aren'?t|don'?t|doesn'?t|also|"
          r"still|same|ready|free|coffee|lunch|drinks|anybody|someone|everyone|quick|just)\b)[\"'a-z][\w'/&+\"-]*"
          r"(?:(?:,(?! (?:is|are|was|does|do|did|any|anyone|right|ok|or|can|could|should)\b))? [\w'/&+()\"-]+)"
          r"{1,11}\?"),
    (1.1, r"\b(?:would (?:really )?benefit|why [\w' ]{1,40} can'?t|asks? from|miss(?:es)? most|"
          r"top \d+ requests?|most requested|doable\?|i'?d (?:really )?(?:love|like) (?:a|an|the|it if|if|to see|"
          r"to be able)|(?:we|they)'?d like \w+ to|"
          r"could use (?:a|an|some)|(?:i'?d|we'?d|i would|we would) kill for|biggest gap|spitballing|"
          r"thinking out loud|how is (?:this|that|it) not a thing|every competitor|(?:they'?d|they would) like|"
          r"(?:a|some) way to|qol|quality of life|would be (?:a )?small (?:thing|change) but)\b|\+1\d+|:\+1:"),
    # Customer voice: app reviews, tickets, NPS comments, tweets.
    (1.4, r"\b(?:bring|put|give (?:us|me)) (?:(?:it|that|them|this|those|these|(?:the|my|our) (?:old |classic )?"
          r"[\w'-]+(?: [\w'-]+){0,2}) )?back\b|\bbring back\b|\brestore the (?:old|classic|previous)\b"),
    (1.6, r"\b(?:\d|one|two|three|four|five|ten|full)(?:/\d+)? stars? (?:if|until|when|once|with|as soon as)\b|"
          r"\b(?:stars?|rating|score) until\b|\bwould (?:be|give|get|rate|score)(?: it| you)? (?:a |an )?"
          r"(?:\d+|five|ten|perfect|complete|higher)(?: stars?)?(?: if| with| once| when|$)|"
          r"\b(?:would|it'?d) be (?:perfect|complete|flawless|a 10|10/10) (?:if|with|once)\b"),
    (1.3, r"\bwish (?:i|we|you|u|it|they|there|this|the app) (?:could|would|'?d|had|was|were|did|offered|"
          r"supported|let|showed|guys)\b|\bif only (?:i|we|you|it|they|there|the)\b|\bhope (?:you|they) "
          r"(?:guys )?(?:add|bring|make|consider|will add|'?ll add|can add|get)\b|\bhoping (?:for|you)\b"),
    (1.4, r"\b(?:(?:the )?only thing (?:missing|lacking|it lacks|i'?d (?:change|add|ask)|i miss|that would)|"
          r"one thing (?:it )?(?:lacks|is missing|missing|i'?d (?:change|add|ask for))|(?:my|one) "
          r"(?:only |one |big |small )?(?:request|wish|ask|suggestion) (?:is|would be|:)|lacks? (?:a|an|the|any)|"
          r"(?:must|nice)-to-have|must have:|deal ?breaker|gap(?: \d)?:)"),
    (1.3, r"\b(?:can|could|would|will) you (?:guys )?(?:please |pls )?(?:add|make|bring|put|give|let|include|"
          r"support|offer|allow|consider|do|get|build|integrate|sync|show)\b|\bwhen (?:are|will) you "
          r"(?:guys )?(?:be )?(?:add|adding|get|getting|bring|bringing|support|supporting|going to|gonna)\b|"
          r"\bwhen will (?:there|it|we) (?:be|get|have|support)\b|\bis (?:an?|the) [\w -]{2,30} coming\b"),
    (1.0, r"(?:^|[.!?:—–]\s+|\n\s*)(?:please |pls |plz |just |also |now just |and )*(?:add|bring back|put back|"
          r"give (?:us|me)|let (?:me|us)|needs)\b(?! (?:me|him|her|them|us|\w+ to (?:the|my|our|\w+'s))\b)"),
    # "You need to" asks the makers for a change ("you need to add a sleep timer"), or tells a player how
    # the game goes ("you need to plan your curve"): only the makers' verbs ask.
    (1.1, r"\b(?:you|u) (?:guys |really |seriously |definitely )*(?:should|gotta|must) "
          r"(?!have (?:told|warned|said|known|been|asked|informed|let)\b)\w+|"
          r"\b(?:you|u) (?:guys |really |seriously |definitely )*(?:need to|needa) (?:add|make|bring|put|give|allow|"
          r"let|remove|change|improve|include|provide|support|consider|get rid|stop|lower|reduce|increase|offer)\b|"
          r"\b(?:at least|or at least) (?:let|give|add|make|allow|offer)\b|"
          r"\b(?:would|will|i'?d) (?:happily |gladly |definitely |totally |even )?pay (?:for|extra|more|a|to)\b|"
          r"\bever heard of\b|\b(?:please|pls|plz|pleaseee+|pleasee)\W*$|\bpleas+e+\b|"
          r"\b(?:really|badly|desperately) (?:need|want)s? (?!to (?:be|know)\b)\w+"),
    (1.3, r"\b(?:change|set|turn|switch|put) (?:it|this|that|them|things|everything) back\b|\bgo back to (?:the )?"
          r"(?:old|previous|original|way|how)\b|\breturn the old\b|\b(?:should|must|needs? to|has to|can|could) "
          r"be added\b|\b(?:would|will) be (?:welcome|welcomed|appreciated)\b"),
    (1.1, r"\b(?:only|one|main|biggest) (?:complaint|gripe|con|criticism|suggestion)\b|\bno (?:option|setting|"
          r"button|ability) (?:to|for)\b|\bhoping (?:that )?(?:you|u|they) (?:can|could|will|would|guys|add)\b|"
          r"\bhow abt\b|\bhope (?:the )?(?:next|new) (?:update|version)\b|\b(?:my |the |one )?only (?:request|"
          r"suggestion|wish|ask)\b|\b(?:will|can|could|would) (?:you|u) (?:guys )?(?:ever |please |pls )?(?:add|make|"
          r"bring|put|give|let|include|support|offer|allow|consider|build|integrate|sync|show)\b"),
    (1.5, r"\b(?:please|pls+|plz+|kindly|bhai please|sir please) (?:\w+ )?(?:add|ad|include|provide|bring back|"
          r"bring bak|give us|introduce|upload|uplod|make (?:it )?possible|release|increase|decrease|reduce|change|"
          r"improve|remove|enable|allow|show|take off|take away|get rid of)\b(?! (?:me|him|her|them|us|sure|\w+ to "
          r"(?:the|my|our))\b)"),
    (1.2, r"\b(?:can|could|would|will) (?:you|u|they) (?:guys )?(?:please |pls |just )?(?:provide|release|increase|"
          r"decrease|reduce|change|improve|enable|create|introduce|upload|bring)\b|\b(?:can|could|would) be (?:much |"
          r"even |a lot |way |so much )?better (?:if|with|when)\b|\bneeds? (?:more|new|better|some more)\b|"
          r"\bi'?d? (?:would )?suggest (?:adding|to add|that|you|a|an|two|some|the|going)\b|\bno (?:dark mode|"
          r"landscape|offline|search|widget|support for)\b|\b(?:can|could|should) (?:you |u |they )?add\b"),
    (1.1, r"\bif only\b|\b(?:annoyed|frustrated|frustrating|annoying|sad|shame) that (?:i|we|you) (?:can'?t|cannot|"
          r"can not|have to)\b|\b(?:put|bring) (?:\w+ ){1,3}back (?:on|in|to)\b|\b(?:you|u|y'?all) (?:guys )?have to "
          r"(?:add|give|make|bring|put|provide|include|allow|let)\b|\bhope (?:you|u|they) (?:will |can )?update\b|"
          r"\bget rid of\b|\b(?:still )?lacking\b|\b(?:can|could|would|will) y'?all\b|\bkindly (?!help\b)\w+|"
          r"\bonly (?:improvement|change|thing i'?d (?:change|improve))\b|\bwhy not (?:a|an|add|make|let|have|"
          r"give|include)\b"),
    # What a customer misses is what they ask for: "one feature i miss", "lacks some features", "missing STUN
    # support", "not enough levels", "still waiting for".
    (2.2, r"\b(?:i |we )?(?:really |still |do |kinda |just )*miss (?:the|an?|that|some|being able|having|an old|two)\b|"
          r"\b(?:features?|options?|ability|function|thing) (?:that )?(?:i|we) (?:really )?miss\b|"
          r"\bmissing (?:some )?features?\b|\black(?:s|ing)?(?: of| on)?(?: \w+){0,3} (?:features?|functionality|"
          r"functions?|options?|upgrades?|support|modes?|settings?)\b|^\W*missing\b|"
          r"\bmissing (?:\w+ ){0,2}(?:support|option|function|mode|button|setting|language)s?\b|"
          r"\bnot enough (?:\w+ ){0,2}(?:levels?|stations?|options?|features?|content|songs?|maps?|characters?|"
          r"themes?|stickers?|languages?|choices?|customi[sz]ations?)\b|"
          r"\bstill waiting for (?!(?:a |the )?(?:fix|reply|response|refund|answer)\b)|"
          r"\bwhere (?:is|are) (?!the (?:setting|option|button|toggle|menu) (?:to|for)\b)(?:the )?[\w ]{2,20} "
          r"(?:language|option|feature|mode|support|version|setting)s?\b|\bcould use (?:more|better)\b|"
          r"\bmore \w+(?: \w+)? (?:please|pls|plz)\b"),
    # Informal review forms: a conditional promise ("would use it every day if it had a widget"), a greeting
    # then an imperative ("dear team add live video"), regret for what was taken ("you shouldn't have removed
    # the clear button"), a dislike of a limit ("i don't like that i can't delete pins"), "why you never added".
    (1.4, r"\b(?:would|'?d|will|i'?ll) (?:\w+ ){0,2}?(?:use|pay for|buy|rate|recommend|love|keep|play) (?:\w+ ){0,4}?"
          r"if (?:it|you|u|they|the app|this app) (?:only )?(?:had|could|would|added|add|supported|offered|let|"
          r"allowed|included)\b(?! (?:\w+ ){0,2}stars?\b)|"
          r"^\W*(?:dear|hey|hi|hello) (?:\w+ )?(?:team|devs?|developers?|sir|admin|creators?|makers?)\W+(?:please |"
          r"pls |plz |kindly |just )?(?:add|make|bring|give|put|include|allow|let|provide|introduce)\b|"
          r"\b(?:shouldn'?t|shouldnt|should not) have (?:removed|taken (?:away|out|off)|changed|got(?:ten)? rid|"
          r"dropped|killed)\b|"
          r"\b(?:don'?t|dont|do not) like (?:that|how) (?:i|we|you|u) (?:can'?t|cant|cannot|can not|have to|"
          r"aren'?t able)\b|"
          r"\bwhy (?:you|u|did you|didn'?t you|have you) (?:guys )?(?:never|not|haven'?t) (?:add|added|considered|"
          r"include|included|made|make|put)\b|"
          r"\bi (?:would )?(?:suggests?|recommend) (?:some|a few|an?|adding|that you|you)\b"),
    # Short imperatives that open a customer's sentence: "increase the upload limit", "remove the watermark".
    (1.0, r"(?:^|[.!?]\s+|\n\s*)(?:please |pls |plz |kindly |just |also )*(?:increase|decrease|reduce|remove|change|"
          r"move|allow|enable|improve|include|provide|hope (?:u|you|they) (?:will |can )?(?:add|bring|make))\b"
          r"(?! (?:me|him|her|them|us|\w+ to (?:the|my|our|\w+'s))\b)|"
          r"(?:^|[.!?]\s+)(?:need|needs|want) (?:more|new|an?|to see|the option|option|notifications?|alerts?|"
          r"reminders?|support for|a way)\b"),
    # Asks said sideways, in Slack: "if the scheduler knew…", "could really do with tags", "hint hint", "make the
    # credit field mandatory", "either hide delivery or warn them", "connecting the two would give her back a day",
    # "reception would love the recall list to exclude…", "7 screens to book a nail clip".
    (1.2, r"\bcould (?:really |definitely |seriously |badly )?do with\b|\bhint,? hint\b|\bneeds? adding\b|"
          r"\bmake (?:the |a |an |every |each )?(?!(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|weekends?\b|"
          r"meetings?\b)[\w' -]{1,30}? (?:mandatory|required|compulsory|optional|editable|"
          r"searchable|sortable|clickable)\b|\beither (?:hide|show|block|warn|add|remove|let|make|stop|disable|"
          r"enable|allow|flag)\b|^\W*(?:connecting|syncing|linking|integrating|automating|letting|showing|adding) "
          r"[^.?!]{0,60}\bwould (?:give|save|cut|free|stop|help|make|let|mean|spare)\b"),
    (1.0, r"\bwould (?:really )?love (?:it if (?:the|our|it)\b|the [\w -]{1,30}? to (?!be (?:fixed|back)\b)\w+)|"
          r"\bset (?:a|the) default\b|\bif (?:we|you|they) could (?:just )?(?:show|add|let|see|have|get|make|display|"
          r"send|flag|track|sort|filter|export|import|sync|print|hide)\b|\b(?:number of|so many|too many|\d+) "
          r"(?:clicks|screens|steps|taps)\b"),
    # And from customers: "if @PawPalVet added a weight tracker I'd never…", "the app need handwriting recognition",
    # "begging @bank to add joint accounts", "I'd like to schedule reports", "…is loud, add an off switch", "Want
    # parents to get ETA notifications".
    (1.3, r"\bif (?:the )?(?:@?[\w.]+|it|you|u|they) (?:added|had|offered|supported|let)\b[^.?!]{0,60}\b"
          r"(?:i'?d|i would|we'?d)\b|\bbegging (?:@?[\w.]+ )?(?:to|for|you to)\b"),
    (1.0, r"\b(?:the )?(?:app|game|site|website|tool|platform|software|system) (?:really )?need "
          r"(?!to\b|my\b|your\b|our\b|access\b|permission)\w+|"
          r"\bi'?d like to (?:schedule|export|filter|sort|customi[sz]e|sync|import|automate|get notified|receive|"
          r"hide|mute|turn off)\b|,\s*(?:please |pls |just )?(?:add|give us|bring back|let (?:us|me)) (?:an?|the|"
          r"some)\b|^\W*(?:they |also )?wants? (?:\w+s|the \w+|their \w+) to (?:get|see|have|be able|receive)\b"),
    (1.3, r"\b(?:serait-il possible|ce serait (?:super|bien|génial|top)|pourriez-vous|merci d'ajouter|"
          r"ich wünsche mir|wäre (?:toll|schön|super|gut|cool)|könntet ihr|bitte (?:fügt|bringt|macht)|"
          r"por favor (?:agreguen|añadan|pongan|agregar|añadir)|sería (?:genial|bueno|útil)|podrían (?:agregar|añadir)|"
          r"seria (?:ótimo|bom|legal)|poderiam)"),
]
