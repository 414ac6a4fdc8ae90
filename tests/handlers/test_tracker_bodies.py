"""What an issue filed for an idea says, as each tracker reads it: its own markup (GitHub's Markdown, Jira's
wiki markup), and the requester's words inert, so that nobody in the tracker is pinged or linked by them."""

from __future__ import annotations

import pytest

from tests.flows import ideas, share_idea, wait_until

# Words a requester might type that GitHub or Jira would act on.
LIVE = {
    "problem": "Finance rebuilds the month-end report by hand; @octocat said so, see #123, GH-7 and "
               "acme/roadmap#9 (a 2+2 ^ ~ ?? job)",
    "evidence": "Ana [~accountid:5b10ac8d82e05b22cc7d4ef5] and [~jsmith] asked; *urgent* per {color:red}x{color} "
                "!https://evil.test/pixel.png! and a\\[~accountid:77] and mail ana@acme.test",
}


def filed_body(trackers, engine, tracker: str) -> tuple[str, str]:
    """(the body sent, the issue's key) of the one issue filed."""
    [created] = trackers.made("POST", r"/issues?$")
    body = created.body["body"] if tracker == "github" else created.body["fields"]["description"]
    return body, ideas(engine)[0].tracker_key


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_requesters_words_in_an_issue_ping_nobody_and_link_nothing(tracked_bot, slack, engine, trackers, tracker):
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    card = share_idea(bot, slack, user="U1", **LIVE)
    assert to_delivery(bot, slack, card, {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    body, key = filed_body(trackers, engine, tracker)
    if tracker == "github":
        assert (trackers.notified, trackers.referenced) == ([], [])
        shown = body.replace("\u200d", "")  # GitHub shows the joiner as nothing: the words read as typed
        assert LIVE["problem"] in shown and "ana@acme.test" in body  # an address is no mention: left whole
    else:
        rendered = trackers.rendered[key]
        assert "<mention>" not in rendered and "<a href" not in rendered.replace(
            '<a href="https://acme.slack.com', "")  # only the link back to the card is a link
        for words in ("[~accountid:5b10ac8d82e05b22cc7d4ef5]", "[~jsmith]", "*urgent*", "{color:red}x{color}",
                      "!https://evil.test/pixel.png!", LIVE["problem"]):
            assert words in rendered, (words, rendered)


@pytest.mark.parametrize(("tracker", "labels"), [
    ("github", ["**Outcome:**", "**Problem, and who has it:**", "**Why it moved to delivery:**"]),
    ("jira", ["<b>Outcome:</b>", "<b>Problem, and who has it:</b>", "<b>Why it moved to delivery:</b>"]),
])
def test_an_issue_is_written_in_its_trackers_own_markup(tracked_bot, slack, engine, trackers, tracker, labels):
    """Jira's REST v2 takes wiki markup: `**Outcome:**` would show its asterisks; `*Outcome:*` is bold."""
    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    assert to_delivery(bot, slack, share_idea(bot, slack, user="U1"), {"tracker": f"create:{tracker}"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    body, key = filed_body(trackers, engine, tracker)
    shown = body if tracker == "github" else trackers.rendered[key]
    for label in labels:
        assert label in shown, (label, shown)
    assert "**" not in (shown if tracker == "jira" else "")
    assert '<a href="https://acme.slack.com/archives/CTRIAGE/' in shown if tracker == "jira" else \
        "](https://acme.slack.com/archives/CTRIAGE/" in shown


def test_html_typed_in_an_idea_hides_nothing_of_its_github_issue(tracked_bot, slack, engine, trackers):
    """GitHub's Markdown takes raw HTML: `<!--` typed in an idea would hide all that follows it in the issue
    (the PM's reason, the link back to the idea), and `<details>` would fold it away. Shown as typed instead."""
    import re

    from tests.handlers.test_trackers import to_delivery

    bot = tracked_bot
    typed = {"problem": "The export page prints <!-- debug --> and then stops", "evidence": "<details><summary>"
             "Logs</summary> and </div> too <img src=x>, though 2 < 3 stays as it is"}
    card = share_idea(bot, slack, user="U1", **typed)
    assert to_delivery(bot, slack, card, {"tracker": "create:github"})[1].body == ""
    wait_until(lambda: ideas(engine)[0].tracker_key is not None, timeout=10)
    body, _ = filed_body(trackers, engine, "github")
    assert re.search(r"<[A-Za-z!/?]", body) is None, body
    shown = body.replace("\u200d", "")
    assert typed["problem"] in shown and typed["evidence"] in shown and "Filed by outcome-bot" in shown
