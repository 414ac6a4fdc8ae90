"""What the digest says, read from stored decisions; rendered within Slack's limits."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.decisions import decide
from bot.digests.compose import Digest, Pulse, compose
from bot.ideas import IdeaDraft, Source, submit_idea
from models import Decision, Idea, Objective, make_sessions
from tests.fake_slack import MESSAGE_MAX_BLOCKS_TEXT, blocks_text_length, validate_message
from tests.flows import GOOD
from ui.digests import digest_messages

END = datetime(2026, 11, 30, 9, tzinfo=UTC)
START = END - timedelta(days=7)


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


def idea(sessions, *, outcome=GOOD["outcome"], created=START + timedelta(days=1), channel="C1", moves=(),
         team="T1"):
    """An idea created at `created`, then moved through `moves`: (stage, reason, when[, revisit])."""
    with sessions.begin() as session:
        new, _ = submit_idea(session, team_id=team, submitter_id="U1", draft=IdeaDraft(**{**GOOD, "outcome": outcome}),
                             source=Source(channel_id=channel))
        session.execute(update(Idea).where(Idea.id == new.id).values(created_at=created))
        stage = "candidate"
        for to, reason, when, *revisit in moves:
            _, decision = decide(session, team_id=team, idea_id=new.id, shown_stage=stage, to_stage=to, reason=reason,
                                 decided_by="UPM", revisit_on=revisit[0] if revisit else None)
            session.execute(update(Decision).where(Decision.id == decision.id).values(decided_at=when))
            stage = to
        return new.id


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def digest_message(digest: Digest, intro: str | None = None) -> dict:
    """The digest when it fits one message."""
    [message] = digest_messages(digest, intro)
    return message


def within_slacks_limits(messages: list[dict]) -> str:
    """Every message as Slack would take it; all their blocks as one text, to look for what they say."""
    for message in messages:
        assert validate_message(message) == [] and len(message["blocks"]) <= 50
        assert blocks_text_length(message["blocks"]) <= MESSAGE_MAX_BLOCKS_TEXT
    return str([block for message in messages for block in message["blocks"]])


def test_each_idea_appears_once_under_its_latest_decision_in_the_period(sessions):
    built = idea(sessions, outcome="Built it", moves=[("discovery", "Worth a look now", day(1)),
                                                      ("delivery", "Evidence & <!channel> demand", day(3))])
    exploring = idea(sessions, outcome="Exploring", moves=[("discovery", "Three teams asked for it", day(2))])
    parked = idea(sessions, outcome="Parked one", moves=[("parked", "Not this quarter, sorry", day(4),
                                                          datetime(2027, 1, 11).date())])
    declined = idea(sessions, outcome="Declined one", moves=[("declined", "Solved by the new export already", day(5))])
    old = idea(sessions, outcome="Old news", created=START - timedelta(days=20),
               moves=[("discovery", "Decided long ago", START - timedelta(days=10))])
    waiting = idea(sessions, outcome="Still waiting", created=day(6))
    with sessions() as session:
        digest = compose(session, "T1", START, END)
    assert [i.id for i, _ in digest.to_delivery] == [built]
    assert [i.id for i, _ in digest.to_discovery] == [exploring]
    assert [i.id for i, _ in digest.parked] == [parked] and [i.id for i, _ in digest.declined] == [declined]
    assert old not in [i.id for i, _ in digest.to_discovery]
    assert [i.id for i in digest.waiting] == [waiting] and digest.waiting_total == 1
    assert digest.pulse.received == 5  # everything but the old idea arrived this week
    assert digest.pulse.with_outcome_and_problem == 5
    assert digest.pulse.median_days_to_first_decision == 2.0  # 0, 1, 3 and 4 days; "old" was decided earlier

    rendered = str(digest_message(digest)["blocks"])
    order = ["Moved to delivery", "Now in discovery", "Parked", "Declined", "New candidates", "Pulse"]
    positions = [rendered.index(title) for title in order]
    assert positions == sorted(positions)
    for reason in ("Evidence &amp; &lt;!channel&gt; demand", "Three teams asked for it", "Not this quarter, sorry",
                   "Solved by the new export already"):
        assert reason in rendered
    assert "<!channel>" not in rendered and "11 Jan 2027" in rendered


def test_a_channel_can_hear_only_about_its_own_ideas(sessions):
    idea(sessions, outcome="From sales", channel="CSALES", moves=[("discovery", "Good evidence here", day(1))])
    idea(sessions, outcome="From support", channel="CSUPPORT", moves=[("discovery", "Good evidence there", day(1))])
    idea(sessions, outcome="Other team", team="T2", moves=[("discovery", "Not ours to tell", day(1))])
    with sessions() as session:
        assert [i.outcome for i, _ in compose(session, "T1", START, END, "CSALES").to_discovery] == ["From sales"]
        assert len(compose(session, "T1", START, END).to_discovery) == 2


def test_an_empty_week_says_so_in_one_friendly_line(sessions):
    with sessions() as session:
        message = digest_message(compose(session, "T1", START, END))
    assert len(message["blocks"]) == 2 and "quiet week" in message["text"]


@pytest.mark.parametrize(("mentions", "headline"), [(1, ": 1 customer mention received"),
                                                     (3, ": 3 customer mentions received")])
def test_a_week_of_only_customer_feedback_counts_it_in_words(mentions, headline):
    message = digest_message(Digest(START, END, pulse=Pulse(0, 0, None, customer_mentions=mentions)))
    assert message["text"].endswith(headline)


def test_a_busy_week_posts_whole_in_a_thread_within_slacks_limits(sessions):
    reasons = [f"Reason {n:02d}: " + "finance loses a day & more " * 18 for n in range(60)]
    for n, reason in enumerate(reasons):
        idea(sessions, outcome=f"Outcome {n} " + "&" * 900, moves=[("discovery", reason[:500], day(1))])
    for n in range(12):
        idea(sessions, outcome=f"Waiting {n}", created=day(2))
    with sessions() as session:
        head, *thread = digest_messages(compose(session, "T1", START, END))
    assert thread, "a week this busy does not fit one message"
    assert "60 moved to discovery" in head["text"] and "Pulse" in str(head["blocks"])
    everything = within_slacks_limits([head, *thread])
    for reason in reasons:
        assert reason[:500].replace("&", "&amp;") in everything
    assert "see App Home" not in everything


def test_every_section_overflowing_at_once_still_says_everything():
    def moved(stage: str, n: int) -> list[tuple[Idea, Decision]]:
        pairs = []
        for i in range(n):
            idea = Idea(id=i, team_id="T1", requester_id="U1", ask="", outcome="& " * 500, problem="p", stage=stage,
                        created_at=START, source_permalink="https://acme.slack.com/archives/C1/p1")
            decision = Decision(idea_id=i, from_stage="x", to_stage=stage, reason=f"{stage}{i}:" + "<" * 2000,
                                decided_by="UPM", decided_at=END, revisit_on=END.date(),
                                result="met" if stage == "reviewed" else None, measured="&" * 900)
            pairs.append((idea, decision))
        return pairs

    digest = Digest(START, END, moved("delivery", 20), moved("discovery", 20), moved("parked", 20),
                    moved("declined", 20), moved("reviewed", 20), [], 40, Pulse(40, 40, 1.0),
                    shipped=moved("shipped", 20))
    messages = digest_messages(digest, intro="x" * 5000)
    everything = within_slacks_limits(messages)
    for stage in ("delivery", "shipped", "discovery", "parked", "declined", "reviewed"):
        for i in range(20):
            assert f"{stage}{i}:" in everything
    assert everything.count("&lt;") == 120 * 2000  # every character of every reason


def test_digest_sections_group_ideas_by_objective_with_none_last():
    close = Objective(id=7, team_id="T1", title="Finance closes faster", created_by="UPM")

    def pair(n: int, objective: Objective | None) -> tuple[Idea, Decision]:
        idea = Idea(id=n, team_id="T1", requester_id="U1", ask="", outcome=f"Outcome {n}", problem="p",
                    stage="discovery", created_at=START, objective=objective,
                    objective_id=objective.id if objective else None)
        return idea, Decision(idea_id=n, from_stage="candidate", to_stage="discovery", reason="why",
                              decided_by="UPM", decided_at=END)

    digest = Digest(START, END, to_discovery=[pair(1, None), pair(2, close), pair(3, close)])
    text = str(digest_message(digest)["blocks"])
    assert text.count("Objective: Finance closes faster") == 1 and text.count("Objective: _No objective_") == 1
    assert text.index("Finance closes faster") < text.index("Outcome 2") < text.index("Outcome 3") < text.index(
        "_No objective_") < text.index("Outcome 1")


def test_a_section_without_any_objective_is_not_headed_no_objective():
    """A team that sets no objectives reads its digest without "Objective: No objective" over each section."""
    idea = Idea(id=1, team_id="T1", requester_id="U1", ask="", outcome="Outcome 1", problem="p", stage="parked",
                created_at=START, objective=None, objective_id=None)
    decision = Decision(idea_id=1, from_stage="candidate", to_stage="parked", reason="why", decided_by="UPM",
                        decided_at=END)
    text = str(digest_message(Digest(START, END, parked=[(idea, decision)]))["blocks"])
    assert "Outcome 1" in text and "Objective" not in text


@pytest.mark.parametrize(("median", "says"), [(0.0, "median under a day from submission"),
                                              (1.0, "median 1 day from submission"),
                                              (2.5, "median 2.5 days from submission")])
def test_the_pulse_says_the_median_wait_in_words(median, says):
    assert says in str(digest_message(Digest(START, END, pulse=Pulse(3, 3, median)))["blocks"])


def _realistic(stage: str, first: int, n: int) -> list[tuple[Idea, Decision]]:
    """A busy week as people write it: outcomes of a line, reasons of two or three, links to the ask."""
    pairs = []
    for i in range(first, first + n):
        idea = Idea(id=i, team_id="T1", requester_id="U0123ABCD", ask="", problem="p", stage=stage, created_at=START,
                    outcome=f"Finance closes the month a day sooner, team {i}" + " and more" * (i % 9),
                    source_permalink=f"https://acme.slack.com/archives/C0123ABCD/p17000000{i:05d}")
        decision = Decision(idea_id=i, from_stage="x", to_stage=stage, decided_by="UPM1234", decided_at=END,
                            reason=f"Reason {i}: three customers & the sales team asked" + ", with numbers" * (i % 13),
                            revisit_on=END.date(), result="met" if stage == "reviewed" else None, measured="m")
        pairs.append((idea, decision))
    return pairs


def test_a_busy_week_of_300_decisions_is_a_dozen_packed_replies_in_order_each_reason_whole():
    """Replies are filled to Slack's limits (50 blocks, the text Slack adds up), not a few items each, and items
    without a button of their own share sections: 300 decisions are about a dozen replies, not sixteen."""
    stages = ("delivery", "shipped", "discovery", "parked", "declined", "reviewed")
    moved = {stage: _realistic(stage, 50 * n, 50) for n, stage in enumerate(stages)}
    digest = Digest(START, END, moved["delivery"], moved["discovery"], moved["parked"], moved["declined"],
                    moved["reviewed"], [], 0, Pulse(300, 300, 1.0), shipped=moved["shipped"])
    head, *thread = digest_messages(digest)
    everything = within_slacks_limits([head, *thread])
    assert len(thread) <= 13  # 300 items of about 430 characters: Slack's total, not the blocks, sets the count
    order = [everything.index(f"Reason {i}:") for i in range(300)]
    assert order == sorted(order)
    for message in thread:  # each reason whole within one reply
        said = str(message["blocks"])
        for i in range(300):
            if f"Reason {i}:" in said:
                assert f"Reason {i}: three customers &amp; the sales team asked" + ", with numbers" * (i % 13) in said
