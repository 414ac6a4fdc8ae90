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
        ("list all the reports in one place", IdeaCommand(Verb.INTAKE, "list all the reports in one place")),
        (" Add a CSV export button ", IdeaCommand(Verb.INTAKE, "Add a CSV export button")),
    ],
)
def test_grammar(typed, parsed):
    assert parse(typed) == parsed
