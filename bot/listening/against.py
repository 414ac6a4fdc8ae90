"""The detector's rules against: forms of an ask used for people, meetings, chores or news ("can you send me
the deck", "could we grab lunch"), and help with one's own case ("please process my refund"). Each match is
subtracted, in the detector's units, from the asking sentence's score (bot/listening/detect.py); the forms
for are in bot/listening/patterns.py."""

from __future__ import annotations

# Against: the same forms, used for people, meetings, chores, or news.
NOT: list[tuple[float, str]] = [
    # Help with one's own case, not a change to the product: "please process it", "could you investigate?",
    # "bring back my streak", "let me check with the pharmacy".
    (2.0, r"\b(?:please|pls|plz|could you|can you|would you)(?: please)? (?:process|refund|investigate|look into|"
          r"delete|restore|reset|cancel|advise|reimburse|credit|unlock|reactivate|close) (?:it|this|that|my|our|the|"
          r"me|asap|\W)|\b(?:restore|bring back|give (?:me )?back|return) my (?:streak|progress|account|data|points|"
          r"coins|gems|history|purchases?|subscription|money|balance|level|save|files|photos)\b|"
          r"\blet me (?:check|see|look|find|confirm|ask|get back|try|explain|escalate|transfer)\b"),
    (1.5, r"\blet me (?:check|see|look|find|confirm|ask|get back|try|explain|escalate|transfer)\b|"
          r"\b(?:add|put) my (?:\w+ ){0,2}back\b|\b(?:please |pls |plz )?let me (?:log ?in|login|sign ?in|in|access "
          r"my)\b|\bmake (?:it|the app|this|that|them) stop\b|\badd (?:this|it) to your (?:cart|basket|list|"
          r"library|collection|home screen)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day please\b|"
          r"\b\d{1,2}[:.]\d{2} please\b|\bdo (?:you|u) have a way (?:to|for) (?:\w+ ){0,2}my\b"),
    # Talk that is no ask of the product: for oneself ("can I get access to…"), a chore ("share the artwork with
    # the printer"), everyone doing something ("if every volunteer could log their hours"), a question relayed
    # ("…? customer asking"), regret, hopes of the city or of riders, praise ("if every app was this easy"),
    # "no feature asks", and what a person should have done.
    (1.5, r"^\W*(?:can|could|may) i (?:get|have|be given) (?:access|a login|an account|permission|edit rights)\b|"
          r"\bshare (?:the|this|that) [\w -]{1,30}? with (?:the|our|\w+)\b|\bif (?:every|all|each) (?:\w+ ){0,2}?"
          r"(?:volunteers?|one|person|members?|colleagues?|of you|staff|managers?)s? (?:could|would|can)\b|"
          r"\?\s*(?:a |the |this )?(?:customer|client|caller)s? (?:is )?(?:asking|wants to know)\W*$|"
          r"\bwish (?:the )?(?:city|council|government|gov|state|weather|riders|drivers|customers|people|everyone|"
          r"prices|rates)\b|\bif every (?:app|game|bank|company|service|website|site|business)\b|"
          r"\bneeds? to be more (?:popular|known|famous|recogni[sz]ed|widely)\b|\b(?:driver|courier|rider|agent|"
          r"technician|he|she|someone) should(?:n'?t)? have\b|\bno stars? (?:needed|deserved|given|from me)\b|"
          r"\btreat (?:this |it )?as (?:a )?(?:high |top |urgent )?priority\b|\bany ?1 know\b"),
    (2.5, r"\bno (?:specific |particular |new |other )?feature (?:asks|requests)\b|\bwish (?:i|we) (?:had|'?d) "
          r"(?:learned|learnt|done|gone|bought|taken|kept|stayed|listened)\b"),
    (1.4, r"\b(?:add|invite|put|move) (?:me|him|her|them|us|ravi|\w+ as|the new hires?|someone|<@\w+>|"
          r"\w+) (?:to|as|on|in)\b"),
    (1.2, r"\bto (?:the|our|my|this) (?:wiki|forecast|deck|slides?|doc|channel|calendar|invite|rota|sheet|folder|"
          r"repo|team|1password|agenda|newsletter|notes)\b|\bto 1password\b|\bpick (?:it|this|that) up\b|"
          r"\b(?:reviewed|proofread|signed off)\b"),
    (1.3, r"\b(?:review|merge|approve|look at|proofread|reviewed|merged|approved) (?:my|the|this|a) ?"
          r"(?:pr|pull request|doc|draft|script|copy|slides?|deck|post|migration)?\b"),
    (1.1, r"\b(?:can|could|would|will) (?:someone|anyone|somebody)\b|\b(?:someone|anyone|somebody) (?:please|pls|"
          r"free|around|able|want|to (?:cover|help|review|take|send))\b|\b(?:volunteers?|who (?:owns|can|handles|is)|"
          r"a hand|pair on|extra pair)\b"),
    (1.0, r"\b(?:send|share|forward|email) (?:me|us|them|him|her|it|over)\b"),
    (0.7, r"\b(?:budget|access to|approval|approved|discount|contract|renewal|license|licence|monitor|laptop|"
          r"charger|coffee|snacks|beans|room|desk|seats?|card|expense|po\b|headcount|hiring|interview|luck)\b"),
    (0.8, r"\b(?:meeting|meetings|standup|stand-up|demo|(?:a|on a|this|that) call\b(?! \w)|"
          r"call (?:at|with|tomorrow|today)|retro|sync with|offsite|off-site|lunch|dinner|all-hands|1:1|workshop|"
          r"kickoff|kick-off|training|drinks|"
          r"party|recap|(?:a|quick) chat|(?:a|quick) catch-?up|want a (?:call|meeting|demo)|1:1s|one-on-ones?)\b"),
    # Not the product: the handbook or the wiki, a copy of an invoice, a day off.
    (1.3, r"\b(?:the|our) (?:handbook|wiki|onboarding doc|playbook|faq)\b|\ba copy of\b|\bcopies of\b|"
          r"\b(?:a|the) day off\b|\btime off\b|\ba holiday\b"),
    (0.7, r"\b(?:by (?:friday|monday|tomorrow|eod|end of day|thursday|tuesday|wednesday)|eod|asap|today\?|"
          r"before (?:the|we|it) (?:call|demo|auditor|renewal|holidays|board|release)|next week|this week|tomorrow)\b"),
    (1.2, r"\b(?:staging|prod|environment|db|database|server|repo|branch|ci) (?:back up|refreshed|is down|is blocked|"
          r"credentials|creds)\b|\bdeploy(?:ing|s)? on\b|\bget (?:the|your) prs? in\b"),
    (1.3, r"\b(?:(?:thanks|thank you|thx|ty)(?!(?: so much| in advance| a lot)?\W*$)|kudos|shout ?out|"
          r"love (?:the|it|this)(?![^.!?]*\bbut\b)|nice work|great work|well done|congrats|lgtm)\b"),
    (0.6, r"\b(?:postmortem|incident|outage|on-?call|sev ?[12])\b"),
    (1.3, r"\b(?:deployed|shipped|released|rolled out|merged|is live|went live|now live|is on for|hotfix|rollback|"
          r"(?:they|devs?|you|finally|just) added|"
          r"is scheduled|starts (?:monday|tuesday|in)|in progress|we agreed|"
          r"confirmed|we'?re going with|we'?re building|we are building|is coming|next sprint|this sprint|"
          r"spike is done|top item|feature freeze|already (?:in|on|have|has|exists?))\b"),
    (0.9, r"\b(?:broken|bug|errors?|fails?|failing|failed|crash(?:es|ed|ing)?|exception|traceback|stack ?trace|"
          r"50[0-9]s?|timed? ?out|doesn'?t (?:work|persist)|not working|stopped working|stuck|twice|duplicate rows|"
          r"off by one|returns nothing|showing nan|wrong)\b"),
    (1.1, r"\b(?:how (?:do|can|should) (?:i|you|we)|how to|where (?:do|can) i|where is|what'?s the (?:right|best) way|"
          r"what'?s the difference|does anyone know|remind me how|who owns)\b"),
    (0.9, r"\b(?:good morning|morning all|hi all|hey all|hello|happy (?:friday|monday)|welcome|lol|haha|"
          r"weather|raining|mondays)\b"),
    (0.9, r"\b(?:get|order|buy|have|need|some|a couple) (?:\w+ ){0,2}?(?:more|extra|spare|replacement)\b|"
          r"\b(?:cake|canteen|food|fridge|vests?|phone cases|rolls|laptops?|chairs?|parking|uniforms?|printer paper|"
          r"toner|batteries|headsets|moment of silence|first aid|fire drill|extension on|board deck|looked at|"
          r"reset my|locked out|set up before|new starters?|temps|volunteers?|rota for|cover for|"
          r"swap (?:shifts?|with))\b"),
    (1.0, r"^(?:\W*\w+\W*)?does (?:the|our|this) \w+(?: \w+)? (?:let|allow|support|have|show)\b"),
    (0.8, r"\b(?:order|buy|purchase|supplier|vendor|new hire|hire|sign-?off|lease|minibus|handover|party|survey|"
          r"karaoke|whatsapp|whiteboard|paper|stay open|in person|pick up|tablets|phone cases)\b"),
    (1.0, r"\b(?:move|swap|push|reschedule|postpone|bring forward) (?:the |our |\w+'s )?(?:\w+ ){0,2}?"
          r"(?:to|til|until) (?:\d|mon|tue|wed|thu|fri|sat|sun|next|tomorrow|after|before|the)"),
    # Dates and times belong to chores and logistics, rarely to a product ask.
    (0.8, r"\b(?:on|by|before|after|from|until) (?:the )?\d{1,2}(?:st|nd|rd|th)\b|"
          r"\b(?:before|by|at) \d{1,2} ?(?:am|pm)\b|"
          r"\bby eom\b|\bbefore (?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b|"
          r"\b(?:on|this|next) (?:mon|tues|wednes|thurs|fri|satur|sun)day\b"),
    (0.9, r"\b(?:booked|book (?:a|the)|paid|renew|cert|distribution list|shared (?:drive|calendar)|holidays?|ooo|"
          r"badges?|cleaner|hard hat|handover|shadow(?:ing)?|buddy system|session|feedback on (?:my|the)|"
          r"(?:second|extra) pair of eyes|whoever|new (?:phone|laptop|supplier|hire|writer)|another \w+ (?:on|for) the|"
          r"write-?ups?|meeting notes|notes (?:at|from|for) (?:today|the)|in person)\b"),
    (1.0, r"\bshould be \w+ing\b[^.?!]*\bbut\b"),
    (0.8, r"\b(?:invoice for|usage report|health report|the quarterly numbers|the list of|the logo|the numbers|"
          r"the roadmap|roadmap slides|case study|blog post|release notes|okrs|the contract|soc ?2)\b"),
    # Customer voice that borrows the form of an ask: bug reports, refunds, account chores, how-to.
    (1.5, r"\buntil (?:it'?s |this is |you |they |these issues are |that is )?(?:fix|fixed|sorted|resolved)\b|"
          r"\b(?:when|once|if) (?:that|it|this|the (?:problem|issue|bug)) (?:is|gets|can be) "
          r"(?:fixed|resolved|sorted)\b|\bfix+\w* (?:it |this |that )?(?:please|pls|plz|asap|soon)\b|"
          r"\b(?:a |an )?must[ -]have(?: (?:app|game|for)\b|\W*$|\W*[!.])|"
          r"\bshould(?:n'?t)? have (?:just )?(?:left|kept|stayed|tested)\b|"
          r"\b(?:like|love) to give (?:it |the app |this |you )?(?:a |more |higher |5 |five )|"
          r"\bplease (?:advise|install|address)\b|\bmake sure\b|\b(?:help me|support team)\b|"
          r"\b(?:don'?t|dont|do not) need\b|\bthere(?: is|'s) no (?:other|better)\b|"
          r"\bno other (?:app|application|game)\b|"
          r"\black of (?:common sense|support|updates|development|respect|communication|customer service)\b|"
          r"\bwhat more (?:can|could) (?:i|we|you) (?:ask|want)\b"),
    # "Should" that moralises rather than asks: "this should be illegal", "people should know", "you should not
    # have to pay"; and what support did, which is no ask of ours.
    (1.5, r"\bshould (?:be (?:illegal|banned|regulated|ashamed|held|taken|careful|reported|sued|fined)|know|"
          r"not have to|be like this|value)\b|\b(?:people|parents|everyone|others|more (?:people|games|apps)|"
          r"every (?:mobile )?\w+) (?:really )?should\b|\b(?:couldn'?t|can'?t|could not|cannot) ask for (?:more|"
          r"anything|a better)\b|\bsupport (?:asked|told|said|replied|wants)\b|\b(?:they|support) ask(?:ed)? "
          r"(?:for|me for) (?:another|my|a screenshot|proof)\b|\bwish (?:i|we) (?:had|'?d) (?:read|listened|checked|"
          r"known|seen)\b|\bwish (?:i|we) could (?:say|uninstall|delete|remove it|get (?:my|a) refund)\b|"
          r"\bneeds? to be fixed\b"),
    (1.5, r"\bif (?:they|you|u|the devs?|developers) (?:would |could )?(?:actually |just )?fix\b|\bto be fixed\b|"
          r"\bwould be (?:really |so |an? )?(?:good|great|awesome|perfect|fun|nice)[^.!?]{0,25}\b(?:but|if (?:it|they) "
          r"(?:would )?(?:actually )?(?:work|fix))|\bwish it (?:would|could) (?:just )?work\b|\bwant to un-?install\b|"
          r"\bany help (?:would be|is) (?:appreciated|great)\b|\blet me know\b|\bsort (?:this|it) out\b|"
          r"\b(?:would|'?d) like to point out\b|\bare you (?:going|gonna) (?:to )?fix\b"),
    (2.5, r"\b(?:wish (?:i|we) could|would|i'?d) (?:give|rate) (?:it |this |you |them )?(?:0|zero|no|negative|minus|"
          r"less than (?:1|one)|(?:more than (?:5|five)|[6-9]|\d{2,}|six|seven|eight|nine|ten|"
          r"a (?:million|billion|hundred)|infinite)"
          r"(?! (?:stars? )?(?:if (?!i could\b)|when|once|with|until|as soon)\b))\b"),
    (1.3, r"\b(?:my|our) (?:account|coins|gems|money|progress|points|data|streak|order|diamonds)s? back\b|"
          r"\bmake it work\b|\bif (?:it|you|u|the app) (?:didn'?t|wasn'?t|weren'?t|did not|was not|would stop|stopped|"
          r"actually worked|worked|fixed)\b|"
          r"\b(?:doesn'?t|does not|won'?t|will not) let me (?:log ?in|login|sign ?in|sign ?up|in|open|play|see|send|"
          r"download|upload)\b"),
    (1.4, r"\b(?:please|pls|plz|pleas+e+|just|kindly) (?:\w+ )?(?:fix+\w*|sort|repair|resolve|solve|look into|check|"
          r"investigate|correct)\b|\bfix (?:this|it|that|the (?:bug|issue|problem|crash)|your)\b"),
    (1.3, r"\b(?:refunds?|refunded|charged|double charged|money back|chargeback|cancel (?:my|our|the) "
          r"(?:subscription|account|order|plan|membership)|unsubscribe|reissue|resend|vat number|w-?9|"
          r"(?:delete|close|unlock|restore|reactivate|verify|remove \w+ from) (?:my|our|the) "
          r"(?:account|data|profile)|call (?:me|us) back|callback|please call)\b"),
    (1.2, r"\b(?:(?:anyone|does anyone|do you|you guys) know (?:if|how|whether|where)|is there a limit|"
          r"how (?:come|long|much|many)|where (?:can|do) i find|what happened to)\b"),
    (1.0, r"\b(?:slow(?:er)?|laggy|lags|freez\w+|not loading|won'?t (?:open|load|play|start|sync|let me (?:in|log))|"
          r"keeps? (?:crashing|freezing|logging me out|resetting)|spinning|blank (?:page|screen)|40[0-4]|50[234]|"
          r"unreadable|down (?:again|for)|is down|outage|resets?|glitch\w*|buggy|ate (?:my|half))\b"),
    # What the product already lets you do, told in passing: "you can also make friends in the guild".
    (1.0, r"(?<!hope )(?<!hoping )(?<!hope that )(?<!hoping that )(?<!if )"
          r"\b(?:you|we|u) can (?:also |still |even |now |easily |actually |just |always )?(?!not\b)[a-z]+\b"
          r"(?![^.!?]*\?)|\bno need to\b|\byou would have to\b"),
    (1.3, r"\bshould(?:n'?t)? have (?:told|warned|said|known|been|asked|informed)\b|\bwish (?:i|we) (?:had|'?d) "
          r"(?:found|known|discovered|started|switched|tried)\b|\b(?:discount|\d+% off|quote|cheaper|price|"
          r"pricing)\b"),
]
