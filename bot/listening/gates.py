"""Cheap gates for the detector's rules: words without which a rule cannot match.

Python's `re` tries every alternative of a rule at every word of a message, so the rules' searches were
most of the detector's time. Yet most rules cannot match most messages: "could use more" cannot match a
message without the word "could". A rule's gate is a few words, one of which every match contains, read
off the rule's parse tree (the literal text its alternatives require, and where it requires a word
boundary); one set intersection with the message's words then decides whether the rule is searched at
all. Where the required text is not a whole word ("pl" of "pls|plz|please"), the gate is that text,
looked for as a substring. A rule whose matches need neither (or whose parse we do not follow:
case-insensitive parts) has no gate and is always searched. Verdicts never change, only their cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

try:  # the regular-expression parser that `re` itself uses (Python 3.11+)
    from re import _constants as sre
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - another Python: every rule is searched, as before
    sre = sre_parse = None

_FAN_OUT = 64  # spelled-out alternatives kept per run ("could|can" x "you|u" = 4)
_SHORTEST = 2  # a one-letter gate would pass nearly every message
_EDGE = "\0"  # stands for a word boundary (\b, ^, $) inside spelled-out text
_WORD = re.compile(r"\w+")
# Words in nearly every message make a gate that nearly always passes: a needle's rarer word is preferred.
_COMMON = frozenset(
    "a an and are at be but can do for have i if in is it me my no not of on or our so that the there they this "
    "to us was we with would you your".split()
)


@dataclass(frozen=True)
class Gate:
    words: frozenset[str] = frozenset()  # every match has one of these words
    text: tuple[str, ...] = ()  # ... or one of these strings (required text that is no whole word)


def words_of(text: str) -> set[str]:
    """The words a gate is checked against."""
    return set(_WORD.findall(text))


def gate(pattern: str) -> Gate:
    """What every match of `pattern` contains, as cheaply checked as we can find."""
    if sre_parse is None:
        return Gate()
    try:
        parsed = sre_parse.parse(pattern)
        if parsed.state.flags & sre.SRE_FLAG_IGNORECASE:
            return Gate()
        candidates = _candidates(list(parsed))
    except Exception:  # noqa: BLE001 - a parse we cannot read (another Python) costs speed, never a verdict
        return Gate()
    return _checks(max(candidates, key=_cost)) if candidates else Gate()


def _checks(needles: set[str]) -> Gate:
    """Each needle as its longest whole word (one with a boundary each side) if it has one, else as text."""
    words, text = set(), set()
    for needle in needles:
        whole = [m.group() for m in _WORD.finditer(needle)
                 if m.start() > 0 and m.end() < len(needle) and len(m.group()) >= _SHORTEST]
        if whole:
            words.add(max(whole, key=lambda word: (word not in _COMMON, len(word))))
        else:
            text.add(needle.replace(_EDGE, ""))
    return Gate(frozenset(words), tuple(sorted(text)))


def _cost(needles: set[str]) -> float:
    """Higher is better: few substring searches (a word costs next to nothing), then long, rare strings."""
    checks = _checks(needles)
    return -len(checks.text) + 0.1 * min(len(s) for s in (*checks.words, *checks.text))


def _candidates(items: list) -> list[set[str]] | None:
    """Sets of spelled-out text, each set holding one string every match contains; None if none found."""
    candidates, run = [], {""}
    for op, av in items:
        options = _spelled(op, av)
        if options is not None and len(run) * len(options) <= _FAN_OUT:
            run = {a + b for a in run for b in options}
            continue
        if run != {""}:
            candidates.append(run)
        run = {""}
        branches = _branches(op, av)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
            branches = [av[2]]  # repeated at least once: what one repetition needs
        if branches is not None:
            inner = [_candidates(list(branch)) for branch in branches]
            if all(inner):  # every alternative needs something: one of those things is needed
                candidates.append(set().union(*(max(c, key=_cost) for c in inner)))
    if run != {""}:
        candidates.append(run)
    candidates = [c for c in candidates if min(len(s.replace(_EDGE, "")) for s in c) >= _SHORTEST]
    return candidates or None


_BOUNDARIES = () if sre is None else (sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_STRING,
                                      sre.AT_END, sre.AT_END_STRING)


def _spelled(op, av) -> set[str] | None:  # noqa: ANN001 - sre parse nodes
    """Every string one node can match (a boundary spelled _EDGE), when it is literal with few variants."""
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.AT:
        return {_EDGE} if av in _BOUNDARIES else {""}
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return {""}  # zero width: the letters either side stay adjacent in the text
    if op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
        return {chr(value) for _, value in av}
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] == 0 and av[1] == 1:  # optional: "needs?"
        once = _spelled_all(list(av[2]))
        return None if once is None else {""} | once
    branches = _branches(op, av)
    if branches is None:
        return None
    spelled: set[str] = set()
    for branch in branches:
        strings = _spelled_all(list(branch))
        if strings is None:
            return None
        spelled |= strings
    return spelled


def _spelled_all(items: list) -> set[str] | None:
    strings = {""}
    for op, av in items:
        options = _spelled(op, av)
        if options is None or len(strings) * len(options) > _FAN_OUT:
            return None
        strings = {a + b for a in strings for b in options}
    return strings


def _branches(op, av) -> list | None:  # noqa: ANN001 - sre parse nodes
    if op is sre.BRANCH:
        return av[1]
    if op is sre.SUBPATTERN and not av[1] & sre.SRE_FLAG_IGNORECASE:  # (group, add_flags, del_flags, p)
        return [av[3]]
    return None


def alternatives(pattern: str) -> list[str]:
    """The pattern's top-level alternatives, as source text."""
    parts, depth, start, n, in_class = [], 0, 0, 0, False
    while n < len(pattern):
        char = pattern[n]
        if char == "\\":
            n += 2
            continue
        if in_class:
            in_class = char != "]" or pattern[n - 1] == "["
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:n])
            start = n + 1
        n += 1
    return [*parts, pattern[start:]]


class Rules:
    """Weighted rules, each searched only where its gate passes. A rule that is an alternation is
    searched alternative by alternative, each behind its own gate, and yields the match the whole
    pattern would (leftmost, then the first alternative). Gates are indexed by word, so a message costs
    a look-up per word of it rather than a check per rule."""

    def __init__(self, weighted: list[tuple[float, str]]) -> None:
        self.weights = [weight for weight, _ in weighted]
        self.parts: list[tuple[int, re.Pattern[str]]] = []  # (rule, alternative), in rule order
        self.by_word: dict[str, list[int]] = {}
        self.by_text: list[tuple[tuple[str, ...], int]] = []
        self.always: list[int] = []
        for rule, (_, pattern) in enumerate(weighted):
            for part in alternatives(pattern):
                n = len(self.parts)
                self.parts.append((rule, re.compile(part)))
                needs = gate(part)
                for word in needs.words:
                    self.by_word.setdefault(word, []).append(n)
                if needs.text:
                    self.by_text.append((needs.text, n))
                if not needs.words and not needs.text:
                    self.always.append(n)

    def search(self, text: str, words: set[str] | frozenset[str]) -> list[tuple[float, re.Match[str]]]:
        """(weight, match) of every rule that matches `text`; `words` include the words of `text`."""
        candidates = set(self.always)
        by_word = self.by_word
        for word in words:
            if word in by_word:
                candidates.update(by_word[word])
        candidates.update(n for needles, n in self.by_text if n not in candidates
                          and any(map(text.__contains__, needles)))
        best: dict[int, re.Match[str]] = {}
        for n in sorted(candidates):
            rule, pattern = self.parts[n]
            match = pattern.search(text)
            if match is not None and (rule not in best or match.start() < best[rule].start()):
                best[rule] = match
        return [(self.weights[rule], match) for rule, match in best.items()]
