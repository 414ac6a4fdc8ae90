"""Spellings and slips that should not keep two people's identical asks apart, and words they must not join."""

import pytest

from bot.spelling import american, one_slip, reconciled


@pytest.mark.parametrize(("word", "spelled"), [
    ("colour", "color"), ("colours", "colors"), ("favourite", "favorite"), ("behaviour", "behavior"),
    ("prioritise", "prioritize"), ("customised", "customized"), ("organisation", "organization"),
    ("summarising", "summarizing"), ("centre", "center"), ("centres", "centers"), ("metre", "meter"),
    ("cancelled", "canceled"), ("labelling", "labeling"), ("catalogue", "catalog"), ("grey", "gray"),
    ("autosave", "automatic save"), ("autofill", "automatic fill"),
    # words the rules must leave as they are
    ("automation", "automation"), ("automatic", "automatic"), ("autonomous", "autonomous"), ("our", "our"),
    ("four", "four"), ("hour", "hour"), ("raise", "raise"), ("fibre", "fiber"), ("acre", "acre"), ("filled", "filled"),
    ("called", "called"), ("export", "export"),
])
def test_american_spelling(word, spelled):
    assert american(word) == spelled


@pytest.mark.parametrize(("a", "b", "slip"), [
    ("dashboard", "dashbaord", True), ("recieve", "receive", True), ("address", "adress", True),
    ("scanning", "scaning", True), ("dashboard", "dashbord", True), ("calendar", "calender", True),
    ("schedule", "schedlue", True),
    # different words, one letter apart
    ("contract", "contact", False), ("content", "context", False), ("export", "expert", False),
    ("trail", "trial", False), ("dairy", "diary", False), ("sender", "render", False), ("casual", "causal", False),
    ("import", "impart", False), ("market", "marker", False), ("invoice", "invoice", False),
])
def test_one_slip(a, b, slip):
    assert one_slip(a, b) is slip and one_slip(b, a) is slip


@pytest.mark.parametrize(("ours", "theirs", "read"), [
    ({"dashboard", "export"}, {"dashbaord", "export"}, {"dashboard", "export"}),
    ({"picklist", "print"}, {"pick", "list", "print"}, {"picklist", "print"}),
    ({"pick", "list", "print"}, {"picklist", "print"}, {"pick", "list", "print"}),
    ({"callstack", "group"}, {"call", "stack", "group"}, {"callstack", "group"}),
    ({"contract", "field"}, {"contact", "field"}, {"contact", "field"}),  # two words: left apart
])
def test_reconciled(ours, theirs, read):
    assert reconciled(frozenset(ours), frozenset(theirs)) == read
