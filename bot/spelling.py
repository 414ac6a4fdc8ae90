"""One word as people spell it: "colour" and "color", "prioritise" and "prioritize", "centre" and "center",
"cancelled" and "canceled", "auto-save" and "autosave", and a slip of the keys ("dashbaord"). Two people
asking for the same thing spell it their own way, and the duplicate matcher should not tell them apart
for it. Each rule maps a word to one spelling on both sides, so a rule that reaches a word it was not
written for only changes how that word is spelled, never what it matches.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from bot.ask_words import HOW, STOP_WORDS

# British -our words (colour, favourite, behaviour, neighbourhood): the stems, so that their endings follow.
_OUR = re.compile(r"^(col|fav|behavi|flav|hon|lab|neighb|hum|rum|harb|arm|vap|od|endeav|sav|parl|rig)our")
# -ise, -isation and their endings (organise, prioritised, customising, authorisation), six letters and up.
_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|er|ers|ation|ations|able)$")
# centre, metre, litre, theatre, fibre, calibre and their plurals and endings.
_TRE = re.compile(r"(?<=[a-z]{2})([tb])re(s|d)?$")
# cancelled, labelled, travelling, modelling, signalled: one l, as American spelling has it (not "called").
_LLED = re.compile(r"(e|signa|tota|equa|dia|tria)ll(ed|ing|er|ers)$")
_WORDS = {"catalogue": "catalog", "catalogues": "catalog", "dialogue": "dialog", "dialogues": "dialog",
          "analyse": "analyze", "analysed": "analyzed", "analyses": "analyzes", "analysing": "analyzing",
          "grey": "gray", "greyed": "grayed", "programme": "program", "programmes": "programs",
          "licence": "license", "licences": "licenses", "defence": "defense", "enrol": "enroll",
          "enrolment": "enrollment", "enrolments": "enrollments", "judgement": "judgment", "ageing": "aging",
          "practise": "practice", "cheque": "check", "cheques": "checks", "tyre": "tire", "tyres": "tires",
          "aluminium": "aluminum", "storey": "story", "storeys": "stories", "pyjamas": "pajamas",
          # misspellings common enough to be a word of their own, too short for `one_slip` once cut to a root
          "intergration": "integration", "intergrations": "integrations", "seperate": "separate",
          "recieve": "receive", "adress": "address", "calender": "calendar", "notifcation": "notification",
          "notfication": "notification", "acess": "access", "reciept": "receipt", "occured": "occurred",
          "untill": "until", "availible": "available", "paymnet": "payment", "invocie": "invoice"}
# Words joined to a short prefix by a hyphen are written as one just as often: "e-signature", "on-site".
HYPHENATED_PREFIX = re.compile(r"\b(e|re|pre|co|non|self|sub|un|anti|mis|on)-(?=[a-z])")
# A number and its unit written together or apart: "10am" and "10 am", "24h", "24-hour" and "24 hours".
NUMBER_UNIT = re.compile(r"\b(\d+)\s*-?\s*(am|pm|h|hrs?|hours?|mins?|minutes?)\b")
_UNITS = {"am": "am", "pm": "pm", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min",
          "mins": "min", "minute": "min", "minutes": "min"}


def units_joined(text: str) -> str:
    return NUMBER_UNIT.sub(lambda m: m.group(1) + _UNITS[m.group(2)], text)


# A mention, a channel or a link in Slack's markup ("<@U02H7QK> asked for this too: …"): not what is asked.
SLACK_TOKEN = re.compile(r"<[@#!][^>]*>")

# "autosave", "autofill", "auto-send": automatic, and what is done (not automation, automobiles or autonomy).
AUTOMATIC = r"auto(?!mat|nom|mobil)"
_AUTO = re.compile(rf"^{AUTOMATIC}([a-z]{{3,}})$")


# Spelled the same way whoever writes them; values are phrases, split into words.
_SAME = {
    "sso": "single signon", "single-sign-on": "single signon", "2fa": "two factor", "mfa": "two factor",
    "otp": "one time code", "iphone": "ios phone", "ipad": "ios",
    "sms": "text message", "texts": "text message", "mobile": "phone", "smartphone": "phone", "cell": "phone",
    "e-mail": "email", "emails": "email", "emailed": "email", "excel": "spreadsheet", "xlsx": "spreadsheet",
    "sheets": "spreadsheet", "dashboards": "dashboard", "notify": "notification", "alert": "notification",
    "alerts": "notification", "ping": "notification", "pto": "time off", "leave": "time off",
    "approve": "approval", "approves": "approval", "approved": "approval", "signoff": "approval",
    "bulk": "many", "batch": "many", "multiple": "many", "several": "many",
    "auto": "automatic", "automatically": "automatic", "automate": "automatic",
    "ops": "operations", "doc": "document", "docs": "documents", "dept": "department", "depts": "departments",
    "mgmt": "management", "govt": "government", "appt": "appointment", "appts": "appointments", "txn": "transaction",
    "txns": "transactions", "pmt": "payment", "hrs": "hours", "hr": "hour", "mins": "minutes", "wk": "week",
    "wks": "weeks", "yr": "year", "yrs": "years", "advance": "ahead",
    "max": "maximum", "min": "minimum", "qty": "quantity", "acct": "account", "mgr": "manager", "msg": "message",
    "pw": "password", "pwd": "password", "info": "information", "config": "configuration", "po": "purchase order",
    "approx": "approximate",
}


_ACRONYM = re.compile(r"\b([A-Z]{2,5})(s?)\b")


def acronyms_spelled(a: str, b: str) -> tuple[str, str]:
    """Two asks with each one's acronyms written as the other spells them out: "EPC rating" against "Energy
    Performance Certificate rating"; an acronym's plural is its singular ("POs": "PO", which reads as
    "purchase order"). Only texts with a capitalised acronym are touched."""
    return _spelled_out(a, b), _spelled_out(b, a)


def _spelled_out(text: str, other: str) -> str:
    if text.isupper() or not _ACRONYM.search(text):
        return text  # shouting is not acronyms

    def one(found: re.Match[str]) -> str:
        words = r"\w*[\s-]+".join(found.group(1).lower())
        there = re.search(rf"\b{words}\w*", other, re.IGNORECASE)
        return there.group(0) if there else found.group(1)

    return _ACRONYM.sub(one, text)


def spelled(word: str) -> str:
    """The word as the matcher reads it: abbreviations spelled out (a phrase, split into words) and British
    spellings American."""
    return _SAME.get(word) or american(word)


def american(word: str) -> str:
    """The word in American spelling when it is one of the British spellings we know, else as it is; a word
    made with "auto" is two ("automatic save")."""
    if word in _WORDS:
        return _WORDS[word]
    if auto := _AUTO.match(word):
        return "automatic " + american(auto.group(1))
    if len(word) < 5:
        return word
    word = _OUR.sub(r"\1or", word)
    word = _ISE.sub(r"iz\1", word) if len(word) >= 6 else word
    word = _TRE.sub(lambda m: m.group(1) + "er" + (m.group(2) or ""), word)
    return _LLED.sub(r"\1l\2", word)


def one_slip(a: str, b: str) -> bool:
    """`b` is `a` with one of the slips people make typing, and not a different word: two letters swapped
    ("dashbaord", seven letters and up, so not "trail" and "trial"), a letter doubled or not ("scaning",
    "adress"), a letter left out of a long word ("dashbord", eight and up, so not "contact" and "contract"),
    or in a long word a vowel for a vowel or a key for the one beside it ("calender", not "content" and
    "context"). The first letter is taken as typed: "sender" and "render" are two words."""
    if a == b or not a or not b or a[0] != b[0] or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and len(a) >= 7:
            return a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 and len(a) >= 8 and _confusable(a[diff[0]], b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            doubled = long_[i] in (long_[i - 1: i] + long_[i + 1: i + 2])
            return len(short) >= (5 if doubled else 8)
    return False


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_BESIDE = {(row[i], row[i + 1]) for row in _ROWS for i in range(len(row) - 1)}


def _confusable(x: str, y: str) -> bool:
    return (x in "aeiou" and y in "aeiou") or (x, y) in _BESIDE or (y, x) in _BESIDE


def reconciled(ours: AbstractSet[str], theirs: AbstractSet[str]) -> AbstractSet[str]:
    """`theirs`, with each word that is one of `ours` misspelt, or written as one where ours is two or two
    where ours is one ("pick list", "picklist"), written as ours is: what is left over is what really differs.
    Pairs are compared by the thousand (each new idea against every open one), so the common case, nothing
    left over on one side, costs nothing."""
    only_ours, only_theirs = set(ours - theirs), theirs - ours
    if not only_ours or not only_theirs or not ours & theirs:  # nothing to reconcile, or nothing in common
        return theirs
    out = set(theirs)
    for word in sorted(only_theirs):
        same = next((mine for mine in sorted(only_ours) if mine[0] == word[0] and one_slip(mine, word)), None)
        if same is not None:
            out = (out - {word}) | {same}
            only_ours.discard(same)
    for mine in sorted(only_ours):  # one word of ours, two of theirs
        if (pair := _split(mine, out - ours)) is not None:
            out = (out - set(pair)) | {mine}
    for word in sorted(out - ours):  # one word of theirs, two of ours
        if (pair := _split(word, ours - out)) is not None:
            out = (out - {word}) | set(pair)
    return frozenset(out)


# A compound's second half that no ask keeps as a word of its own: "slideshow" is "slide show", of which only
# "slide" is left to meet it.
_FILLER = HOW | STOP_WORDS


def _split(compound: str, words: AbstractSet[str]) -> tuple[str, ...] | None:
    """Two of `words` that `compound` is made of, the second perhaps with one slip ("timsheet" of "time sheet",
    each word cut to its root), or the first alone when the second is filler; None when it is not made so."""
    for cut in range(2, len(compound) - 2):
        first, rest = compound[:cut], compound[cut:]
        if first not in words and first.endswith("e") and first[:-1] in words:
            first = first[:-1]  # "timesheet" of "time sheet", whose "time" is cut to "tim"
        elif first not in words:
            continue
        if rest in words and rest != first:
            return first, rest
        if rest in _FILLER and len(first) >= 4:
            return (first,)
        second = next((w for w in sorted(words - {first}) if w[0] == rest[0] and one_slip(w, rest)), None)
        if second is not None:
            return first, second
    return None
