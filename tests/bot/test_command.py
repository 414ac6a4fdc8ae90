import pytest

from bot.command import IdeaCommand, Verb, parse


@pytest.mark.parametrize(
    "typed, parsed",
    [
        (None, IdeaCommand(Verb.INTAKE, "")),
        ("", IdeaCommand(Verb.INTAKE, "")),
        ("  list ", IdeaCommand(Verb.LIST)),
        ("LIST", IdeaCommand(Verb.LIST)),
        ("help", IdeaCommand(Verb.HELP)),
        ("nudges  OFF", IdeaCommand(Verb.NUDGES_OFF)),
        ("nudges on", IdeaCommand(Verb.NUDGES_ON)),
        ("digest", IdeaCommand(Verb.DIGEST_HELP)),
        ("digest here", IdeaCommand(Verb.DIGEST_HERE)),
        ("Digest  here weekly FRI 16:30", IdeaCommand(Verb.DIGEST_HERE, "weekly FRI 16:30")),
        ("digest off", IdeaCommand(Verb.DIGEST_OFF)),
        ("digest now", IdeaCommand(Verb.DIGEST_NOW)),
        ("digest preview", IdeaCommand(Verb.DIGEST_PREVIEW)),
        ("digest weekly numbers in one report", IdeaCommand(Verb.INTAKE, "digest weekly numbers in one report")),
        ("list all the reports in one place", IdeaCommand(Verb.INTAKE, "list all the reports in one place")),
        (" Add a CSV export button ", IdeaCommand(Verb.INTAKE, "Add a CSV export button")),
        ("help?", IdeaCommand(Verb.HELP)),
        ("Digest Here, weekly fri 16:30", IdeaCommand(Verb.DIGEST_HERE, "weekly fri 16:30")),
        ("digest\u00a0now!", IdeaCommand(Verb.DIGEST_NOW)),
        ("\u200bexport to PDF\u200b", IdeaCommand(Verb.INTAKE, "export to PDF")),
        ("help me export csv", IdeaCommand(Verb.INTAKE, "help me export csv")),
        ("?", IdeaCommand(Verb.HELP)),
        ("nudge off", IdeaCommand(Verb.NUDGES_OFF)),
        ("nudges start", IdeaCommand(Verb.NUDGES_ON)),
        ("digest on", IdeaCommand(Verb.DIGEST_HERE)),
        ("digests here fri 9am", IdeaCommand(Verb.DIGEST_HERE, "fri 9am")),
        ("objectives for the Q3 plan", IdeaCommand(Verb.INTAKE, "objectives for the Q3 plan")),
        ("digest on mondays for the board", IdeaCommand(Verb.INTAKE, "digest on mondays for the board")),
    ],
)
def test_grammar(typed, parsed):
    assert parse(typed) == parsed
