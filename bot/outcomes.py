"""Does a stated outcome read like an output? "Add a CSV export button" names a thing to build;
"finance closes the month a day sooner" names a difference for someone. A fast heuristic, used on
submit to give a gentle, one-time nudge (never a refusal), with or without the model.

It reads the shape of the sentence, not a list of bad words, because the same nouns ("report",
"dashboard", "app") turn up on both sides:
- an order to someone ("add…", "migrate…", "connect X to Y", "make the dashboard faster") is an
  output, even with a purpose after it ("add CSV export so finance can close sooner");
- "admins will be able to…", "guests can…" describes a capability, an output, unless the sentence
  also says what changes (time, effort, who no longer has to ask);
- a sentence whose subject is people or a measure and that has a verb is an outcome;
- a bare noun phrase ("dark mode for the mobile app") is an output.
Measured figures are in tests/bot/test_outcomes.py.
"""

from __future__ import annotations

import re

from bot.spelling import AUTOMATIC

_WORD = re.compile(r"[$a-z0-9](?:[a-z0-9'/%-]|\.(?=[a-z0-9]))*")

# Spelling people use in a hurry, mapped so the rules below see one form.
_SPELLING = {"w/o": "without", "w/": "with", "ppl": "people", "dont": "don't", "doesnt": "doesn't", "cant": "can't",
             "wont": "won't", "isnt": "isn't", "arent": "aren't", "teh": "the", "custmers": "customers"}

# Orders to build or change something: the first word of an output.
_BUILD_VERBS = frozenset(
    """add build create make implement introduce enable allow let give show display provide include put have offer
    set setup design redesign rebuild rewrite redo rework revamp refresh overhaul modernize modernise polish
    improve enhance optimize optimise simplify streamline smooth clean tidy fix migrate upgrade bump move switch
    replace refactor split containerize containerise deprecate rotate encrypt integrate connect hook pipe push
    post send forward sync email text notify export import automate generate support remove update change
    convert install deploy launch release ship roll expose track log record surface highlight embed attach link
    archive translate localize localise port extend expand hide restrict require publish schedule adopt buy
    purchase spin stand run test check validate verify block document write capture collect centralize
    centralise consolidate standardize standardise unify scale harden secure patch monitor flag rename
    reorganize sort filter paginate cache index backfill purge delete decommission retire sunset kill speed
    revisit rethink upload download automatically auto pull feed wire plug turn reskin restyle rebrand swap
    shard resume quarantine configure lock unlock pin prefill autofill tag print scan warn remind bundle dedupe
    deduplicate escalate route""".split()
)
# Words that, after one of those, mean it was the subject of a sentence ("support agents answer…").
_NOT_AN_ORDER = frozenset(
    """agents agent team teams staff stops stop gets get can could is are was will no not never doesn't don't
    people engineers reps leads requests request tickets ticket volume costs cost calls call times time queue
    rates rate results""".split()
)
# Measures said as an order are outcomes: "cut failed payments by 25%", "stop losing leads".
_CHANGE_VERBS = frozenset(
    "cut cuts reduce halve double lower raise grow stop avoid prevent eliminate shorten increase decrease".split()
)
_LEAD = re.compile(
    r"^(?:(?:i think|i feel|honestly|ideally|basically|maybe|also|just|finally|so)\W+)*"
    r"(?:(?:we|i|they|you)\s+(?:really\s+|still\s+|just\s+)?(?:need|want|would like|should|must|have to|gotta|could)"
    r"(?:\s+to)?\s+)?(?:(?:please|pls|plz|just|also|maybe|finally|to)\s+)*"
)
_PEOPLE = re.compile(
    r"^(?:[a-z0-9'-]+\s+){0,3}?(?:customers?|users?|people|staff|teams?|agents?|reps?|managers?|nurses?|drivers?|"
    r"patients?|finance|support|sales|marketing|ops|legal|hr|engineers?|developers?|devs|analysts?|teachers?|"
    r"students?|parents?|donors?|tenants?|landlords?|pickers?|dispatchers?|recruiters?|accountants?|auditors?|"
    r"admins?|administrators?|buyers?|sellers?|shoppers?|members?|volunteers?|players?|employees?|hires|interns?|"
    r"clinicians?|pharmacists?|doctors?|cashiers?|officers?|operators?|owners?|residents?|applicants?|candidates?|"
    r"clients?|guests?|visitors?|readers?|editors?|viewers?|leads|everyone|anyone|nobody|someone|we|they|agenc(?:y|ies)|"
    r"[a-z]+(?:men|women)|"
    r"compan(?:y|ies)|businesses|firms|households|families|schools|clinics|practices|branches|stores|shops|"
    r"[a-z]+(?:ers|ors|ists|ians|ants|ents)|(?:the |our )?[a-z-]+ shift)\b"
)
# Artefacts that end like people ("reminders", "orders") and so must not count as someone.
_THINGS_LIKE_PEOPLE = frozenset(
    """orders reminders filters headers trackers containers servers folders markers stickers timers banners sliders
    scanners printers browsers layers parameters triggers answers letters numbers vouchers covers barriers drawers
    computers monitors sensors vendors indicators documents payments comments attachments statements components
    environments segments settlements assignments appointments requirements improvements accounts elements events
    amounts departments shipments announcements wants""".split()
)
_CAPABILITY = re.compile(
    r"^(?:(?!what |that |which |when |if )[a-z0-9'-]+\s+){1,6}?(?:will|would|should|shall|must)\s+(?:now\s+|also\s+)?"
    r"(?:be able to|be allowed to|have (?:the option|a way) to)\b"
    r"|^(?:(?!what |that |which |when |if )[a-z0-9'-]+\s+){1,6}?(?:should|can|could|must)\s+(?:now\s+|also\s+)?"
    r"(?!'t)(?P<verb>[a-z-]+)"
)
# What knowing, trusting or doing the job better looks like after "can": "Ops can tell a customer when…".
_OUTCOME_AFTER_CAN = frozenset("know tell answer handle find trust understand finish keep resolve get close complete"
                                .split())
# A difference for someone: change words, measures, or people doing things differently. Stems take any ending.
_CHANGE = re.compile(
    r"\b(?:sooner|faster|quicker|earlier|less|fewer|more often|reduc\w*|increas\w*|decreas\w*|(?<!and )drops?|"
    r"dropp\w+|fall(?:s|ing)?|fell|down (?:by|from|to|\d)|up \d|goes? (?:from|down|up)|stays? (?:under|above|below)|"
    r"under \$?\d|above \$?\d|below \d|cut|halve\w*|half|twice|double\w*|stop\w*|no longer|"
    r"sav(?:e|es|ed|ing) (?:\w+ )?(?:time|hours|minutes|money|days)|"
    r"without (?!an? (?:account|login|password|app|connection)\b|logging|signing|registering|downloading|installing|"
    r"signal|internet|wi-?fi|network|coverage)|instead of|"
    r"rather than|not after|not during|not \w+ \w+$|not the next|on their own|themselves|by themselves|"
    r"don'?t|doesn'?t|aren'?t|isn'?t|won'?t|never have to|no one has to|nobody|never|within|in under|in (?:days|hours|"
    r"minutes|one visit|an afternoon)|per (?:shift|day|week|month|order|quarter|year)|on (?:the|their) first|"
    r"on time|same day|the same (?:morning|day|week)|trust\w*(?![\w-])|understand\w*|know(?:s|ing)?|"
    r"find(?:s|ing)? out|get(?:s)? back|come back|coming back|back (?:over|above|under|below|to) \d|hear(?:s)? back|"
    r"wait(?:s|ed|ing(?! list))?|miss\w*|"
    r"chas\w+|re-?(?:enter|type)\w*|"
    r"spend\w* (?:less|more|half|fewer|their|our|time|\d|an? |hours|the day|most)|"
    r"by hand|again|anymore|any more|actually|still|confident|productive|rely|"
    r"no-?shows?|complain\w*|surprised|on hold|first (?:call|visit|try|day|week|time)|every time|"
    r"callers?|hold times|by (?:the )?\d+\w*|(?:by|in) q\d|by next|after it|before (?:they|the|it|customers|patients)|"
    r"takes? (?:[a-z-]+ ){0,5}?(?:one|a|an|two|three|half a|\d+) (?:shift|day|morning|afternoon|hour|minute|week)s?|"
    r"go(?:es)? away|went away|disappears?|(?<!set )(?<!sign )(?<!log )(?<!back )up$)\b|"
    r"\d+ ?%|(?<!up to )(?<!for )\b\d+(?:\.\d+)? ?(?:days?|hours?|hrs?|h|mins?|minutes?|seconds?|weeks?|months?|"
    r"tickets?|calls?|clicks?|"
    r"steps?|stops|deals|lines|more|fewer|times|k)\b"
)
_QUANTITY_START = re.compile(
    r"^(?:fewer|less|half|twice|nobody|no one|no more|nothing|zero|shorter|lower|higher|\d+ ?%|\d+ (?:in|of|out of) "
    r"|more (?:of )?(?:[a-z-]+ ){0,2}(?:[a-z-]+(?:ers|ors|ists|ians|ants|ents)|people|staff|renewals|deals|sales)\b"
    r"|every |most |all (?:our |the )?[a-z-]+s (?!for)\w+)"
)
# Something to build, named: an output even with a person in the sentence.
_PRODUCT_WORDS = (
    r"(?:button|export|import|integration|dashboard|report|page|screen|tab|view|mode|sso|saml|api|endpoint|app|"
    r"feature|toggle|filter|field|column|setting|option|widget|sync|pdf|csv|email|alert|reminder|notification|"
    r"template|checklist|login|log ?in|sign[ -]?on|sign[ -]?in|portal|form|menu|calendar|search|bulk|support|bot|"
    r"chatbot|tool|system|module|"
    r"model|board|chart|map|log|panel|wizard|workflow|kiosk|tablet|badge|code|signature|link|webhook|shortcut|"
    r"version|translation|history|receipt|permission|access|provisioning|sequence|survey|flow|banner|carousel|"
    r"heatmap|library|inbox|newsletter|calculator|statement|leaderboard|erp|cms|crm|intranet|database|warehouse|"
    r"function|program|programme|migration|upgrade|text|message|2fa|mfa|tracking|profile|forecast|qr|barcode|scanner|"
    r"notes?|e-?sign(?:ing|ature)?)"
)
_PRODUCT = re.compile(rf"\b{_PRODUCT_WORDS}(?:s|es)?\b")
# A verb somewhere after the subject, in the common forms outcomes use.
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|being|get|gets|got|go|goes|stop|stops|know|knows|see|sees|find|finds|spend|spends|"
    r"close|closes|finish|finishes|pay|pays|paid|use|uses|ship|ships|hear|hears|read|reads|walk|walks|hand|hands|"
    r"answer|answers|handle|handles|win|wins|keep|keeps|arrive|arrive|show up|renew|renews|catch|catches|start|"
    r"starts|merge|merges|fill|fills|book|books|clear|clears|cover|covers|plan|plans|fix|fixes|resolve|resolves|"
    r"hit|hits|complete|completes|need|needs|turn|turns|accept|accepts|run|runs|take|takes|reach|reaches|list|"
    r"lists|sign|signs|sleep|sleeps|come|comes|give|gives|send|sends|call|calls|ask|asks|open|opens|reorder|"
    r"reorders|invite|invites|become|becomes|stay|stays|stick|sticks|wrap|wraps|tell|tells|fill|land|lands|move|"
    r"moves|pass|passes|sell|sells|buy|buys|work|works|has|have|do|does|can|aren't|isn't|don't|doesn't|won't|"
    r"agree|agrees|carry|carries|bring|brings|learn|learns|receive|receives|submit|submits|choose|chooses|pick|"
    r"picks|leave|leaves|join|joins|feel|feels|spot|spots|notice|notices|rely|relies|fit|fits|make|makes|"
    r"want|wants|happen|happens)\b"
)
# "-ing" and "-ed" words are verbs only after someone or an auxiliary ("reps not wasting", "claims are paid");
# elsewhere they are nouns ("drag and drop reordering", "automated invoice generation").
_BEFORE_PARTICIPLE = re.compile(
    r"\b(?:not|actually|still|is|are|was|were|be|been|get|gets|got|stop|stops|keep|keeps|nobody|anyone|everyone|"
    r"people|staff|finance|support|ops|[a-z]+(?:ers|ors|ists|ians|ants|ents|s)) (?:[a-z]+(?:ing|ed)|paid|thrown)\b"
)


# A setting, after raise/lower/reduce/increase: a value to change, an output.
_SETTING = re.compile(r"^(?:the |our |a |its )?(?:[\w-]+ ){0,3}?(?:threshold|limit|cap|timeout|quota|maximum|minimum|"
                      r"default|max|min|interval)s?\b")
_LOADING = re.compile(r"^(?:the )?(?:time|seconds|wait) (?:it takes )?to (?:load|render|open|display|refresh)\b")
_ON_THEIR_OWN = re.compile(r"\b(?:by )?themselves\b|\bon their own\b")
_HAPPIER = re.compile(r"^(?:much |far |more )?(?:happier|healthier|safer|calmer|less stressed|more confident|"
                      r"more loyal|more engaged|more satisfied)\b")
# A thing named first, followed by where, when or for whom it works: "low-balance warning SMS when credit drops…",
# "Alerting when the cold store goes above 5°C", "quote builder with past orders prefilled". Not "reports take…".
_NAMED_THING = re.compile(
    r"^(?:an? |the )?(?:[\w'-]+ ){0,3}?(?:sms|texts?|reminders?|alerts?|alerting|warnings?|notifications?|digests?|"
    rf"emails?|push(?: notifications?)?|pings?|builder|calendar|view|widget|toggle|guide|{_PRODUCT_WORDS}s?|"
    r"(?:better|easier|simpler|smarter|quicker|faster) (?:way|place|process|tool|flow)) "
    r"(?:\d+ ?(?:h|hrs?|hours?|mins?|minutes?|days?|weeks?) )?(?:to|for|when|if|before|"
    r"after|on|of|with|in|at|from|sent|shared|posted|shown|emailed|whenever|once|per|by|showing|that|which)\b"
    r"|^(?:an? |the )?(?:way|option|ability|setting) for \w|^(?:an? |the )?(?:[\w'-]+ ){0,3}?auto-?[a-z]+ed\b"
    r"|^handle (?:the|a|an) (?:case|scenario|situation)\b"
    r"|^(?:an? |the )?(?:automatic|automated|auto|self-serve|self-service|one-click|real-time|realtime|in-app) [a-z]"
    r"|\b(?:single|one) source of truth\b|\b(?:in one place|on one (?:screen|page))\b")
# A user story's role: "As a night-shift picker, I want…" -> "night-shift picker".
_STORY_ROLE = re.compile(r"^as an? (?P<role>(?:[a-z0-9'-]+ ){0,2}[a-z0-9'-]+),? i (?:want|need|would like)\b")
# "As a driver, I want the app to…", "as an admin I want to be able to…": a user story names what to build.
_USER_STORY = re.compile(_STORY_ROLE.pattern + r" (?:the|a|an|it|to be able|my|our)\b")
# "auto-assign…", "autotag…": an order to build something that does it.
_AUTO_VERB = re.compile(rf"^{AUTOMATIC}-?[a-z]{{3,}}$")
# "…get a read-only role", "…get their own dashboard": a thing given, not a difference made.
_GIVEN = re.compile(
    rf"\b(?:gets?|have|receive) (?:an?|their own|a new|the new) (?:[a-z0-9-]+ ){{0,3}}(?:role|{_PRODUCT_WORDS})"
    r"(?:s|es)?\b")


def _normal(text: str) -> str:
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return " ".join(_SPELLING.get(w, w) for w in words)


def _someone_first(clause: str) -> re.Match[str] | None:
    """Someone (or some group) among the first words, not a thing for them ("a dashboard for the finance team")."""
    found = _PEOPLE.match(clause)
    if not found or found.group(0).split()[-1] in _THINGS_LIKE_PEOPLE:
        return None
    if re.match(r"^(?:an? |the )?(?:[a-z0-9-]+ ){0,3}(?:for|to|with|on|in|of) ", clause[: found.end()] + " x"):
        return None
    return found


def _people_first(clause: str) -> bool:
    """The sentence opens with someone (or some group) as its subject, not as a word describing a thing
    ("a volunteer sign-up app", "a dashboard for the finance team")."""
    found = _someone_first(clause)
    if not found:
        return False
    following = clause[found.end():].split(" ", 2)[1:2]
    return not following or not ("-" in following[0] or _PRODUCT.fullmatch(following[0]))


def _said_of_them(clause: str, named: re.Match[str]) -> bool:
    """A thing for someone, then a verb: the thing is the subject of a sentence ("grant reports to funders go
    out on time"), not a thing named ("reminder to managers with pending leave requests")."""
    then = re.match(r"\s*(?:the |our |their |all |every )?[\w'-]+ ([\w'-]+)", clause[named.end():])
    return bool(then and _VERB.fullmatch(then.group(1)))


def _has_verb(clause: str) -> bool:
    return bool(_VERB.search(clause) or _BEFORE_PARTICIPLE.search(clause))


def reads_like_output(outcome: str) -> bool:
    """True when the text names something to build, or a capability, and no change for anyone."""
    text = _normal(outcome)
    if not text:
        return False
    # "we want the ops team to stop…" is about people; "we need a mobile app" is about a thing.
    wish = re.match(r"^(?:i|we) (?:want|need|would like) (?P<who>.+?) to (?P<rest>.+)$", text)
    if wish and _people_first(wish["who"]):
        # "…to be able to see the setup status", "…to have a weekly report in their inbox": a capability or a thing
        # handed to them; "…to stop phoning drivers" is a difference.
        able = re.match(r"(?:be able|have (?:the option|a way)) to ", wish["rest"]) and not _CHANGE.search(wish["rest"])
        return bool(able or _GIVEN.search(wish["rest"]))
    if _USER_STORY.match(text):
        return True  # "as a driver I want the app to read out the next stop so…": a story is a thing to build
    clause = _LEAD.sub("", text, count=1)
    # What comes before a purpose ("so finance can…", "to reduce…") is what the sentence asks for.
    head = re.split(r"\b(?:so that|so|in order to|because|which means|, so)\b|\bto (?=(?:drive|increase|reduce|boost|"
                    r"improve|cut|lower|grow|help|prevent|avoid|speed|save|get more|get fewer)\b)", clause,
                    maxsplit=1)[0].strip()
    for_what = clause[len(head):].lstrip(" ,").startswith(("so", "in order to", "to "))
    if for_what and _PRODUCT.search(head) and not _has_verb(head) and not _people_first(head):
        return True  # "an inventory dashboard so we can reduce out-of-stocks": a thing, then what it is for
    first, _, after = head.partition(" ")
    following = after.split(" ", 1)[0]
    if first in _CHANGE_VERBS:
        # "raise the alert threshold to 90%" sets a value; "reduce the time to load the project page" asks for
        # speed, a vague improvement; "cut costs" is a change
        return bool(_SETTING.match(after) or _LOADING.match(after))
    if _HAPPIER.match(head):
        return False  # "happier customers": vague, and still a difference for someone
    vague = re.match(r"^(?:an? |the )?(?:faster|quicker|better|easier|simpler|smoother|nicer|cleaner) (?P<rest>.*)",
                     head)
    if vague and not _has_verb(vague["rest"]):
        return True  # "faster checkout": a vague improvement, nobody in it
    if first in ("enable", "allow", "let", "help") and re.match(r"^\S+ (?:[\w'-]+ ){1,3}to \w", head):
        return True  # "enable teams to collaborate on…": an order to make something possible
    said_of = following.endswith("s") and bool(_VERB.fullmatch(following))  # "support closes…": a subject
    if (first in _BUILD_VERBS or _AUTO_VERB.match(first)) and following not in _NOT_AN_ORDER and not said_of:
        return True
    if _QUANTITY_START.match(head):
        return False
    named = _NAMED_THING.search(head)
    if named and not _someone_first(head) and not _said_of_them(head, named):
        return True  # "SMS reminder to patients 24h before…", "a better way to handle refunds": a thing, named
    capability = _CAPABILITY.match(head)
    if capability:
        verb = capability.group("verb")
        if verb is None or verb in {"be", "have"}:  # "will be able to", "should be able to"
            return not _CHANGE.search(head)
        if verb not in _OUTCOME_AFTER_CAN:  # "guests can edit their bookings themselves": doing it is the thing
            return not _CHANGE.search(_ON_THEIR_OWN.sub("", clause))
    if _CHANGE.search(clause):
        return False
    if _people_first(head):
        said = _PEOPLE.sub("", head, count=1)  # what the people in it do
        if re.match(r"\s*(?:[a-z']+ ){0,2}?(?:want|wants|need|needs|asked for|asking for|would like)\b", said):
            return True  # "users want dark mode": a request, said about people
        if _GIVEN.search(head):
            return True  # "auditors get a read-only role": something handed to people
        if _has_verb(head) or (len(head.split()) >= 5 and not _PRODUCT.search(head)):
            return False
    # A noun phrase is a thing; a long run of words with no verb is more likely noise than an output.
    return bool(_PRODUCT.search(head)) or (not _has_verb(head) and len(head.split()) <= 8) or len(head.split()) <= 4


def purpose(outcome: str) -> str | None:
    """The difference an output is for, when the sentence says it: "add CSV export so finance can close sooner"
    gives "finance can close sooner". None when there is no such clause."""
    text = " ".join(outcome.strip().rstrip(".!?").split())
    for found in re.finditer(r"\b(?:so that|so|in order to|to)\s+", text, re.IGNORECASE):
        why = text[found.end():].strip(" ,;-")
        first = why.split(" ", 1)[0].lower()
        if found.group(0).lower().startswith("to ") and first not in _PURPOSE_VERBS:
            continue  # "connect X to Y", "move DNS over to Cloudflare": a destination, not a purpose
        if len(why.split()) >= 2 and found.start() > 0:
            story = _STORY_ROLE.match(text.lower())
            return _theirs(why, _plural(story["role"])) if story else why
    return None


_FIRST_PERSON = {"i'm": "{} are", "i am": "{} are", "i've": "{} have", "i'd": "{} would", "i'll": "{} will",
                 "i": "{}", "my": "their", "me": "them", "myself": "themselves", "mine": "theirs"}
_FIRST_PERSON_WORDS = re.compile(r"\b(?:i'm|i am|i've|i'd|i'll|i|my|me|myself|mine)\b", re.IGNORECASE)


def _plural(role: str) -> str:
    *before, last = role.split()
    if last.endswith("s"):
        many = last
    elif last.endswith("y") and last[-2:-1] not in tuple("aeiou"):
        many = last[:-1] + "ies"
    else:
        many = last + ("es" if last.endswith(("ch", "sh", "x")) else "s")
    return " ".join([*before, many])


def _theirs(why: str, people: str) -> str:
    """A story's purpose said of the people it is about: "so I don't have to look at my phone", in a story
    of a driver, is "drivers don't have to look at their phone"."""
    return _FIRST_PERSON_WORDS.sub(lambda m: _FIRST_PERSON[m.group(0).lower()].format(people), why)


_PURPOSE_VERBS = _CHANGE_VERBS | {"help", "boost", "improve", "get", "speed", "save", "make", "let", "keep"}


def rewrite_hint(outcome: str) -> str:
    """A nudge in plain words, with the person's own ask turned into the question that leads to an outcome; when
    they already said what it is for, that part is offered back as the outcome to keep."""
    thing = outcome.strip().rstrip(".!?")
    if len(thing) > 80:
        thing = thing[:79] + "…"
    why = purpose(outcome)
    if why:
        if len(why) > 80:
            why = why[:79] + "…"
        return (
            f"\u201c{thing}\u201d says what to build and what it is for. The second part is the outcome: "
            f"\u201c{why}\u201d. You could keep just that part here and put the thing to build in the ask. "
            "Submit again to keep yours as it is."
        )
    return (
        f"\u201c{thing}\u201d sounds like something to build (an output). When it works, what will be different, "
        "and for whom? For example: \u201cfinance closes the month a day sooner\u201d. Submit again to keep yours."
    )
