"""Objectives: a PM adds one with key results; ideas link to it at intake or from the card."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from models import Delivery, Idea, Objective
from tests.flows import GOOD, cards, open_modal, share_idea, submit_keeping_my_words, together, wait_until
from tests.slack_requests import buttons


def add_objective(bot, slack, title="Finance closes faster", user="UPM"):
    form = open_modal(bot, slack, "okr", user=user)
    reply = bot.slack.submit_view(form, {"title": title, "kr1_metric": "Days to close the month",
                                         "kr1_baseline": "5", "kr1_target": "4", "kr1_due": "2027-03-31"}, user=user)
    return reply


def share_serving_the_objective(bot, slack) -> dict:
    """U1 shares an idea, choosing the one objective in the form; returns that option."""
    bot.slack.command("Add a CSV export")
    view = slack.wait_for("views.open", 2)[-1].args["view"]
    select_block = next(b for b in view["blocks"] if b.get("block_id") == "objective")
    [option] = [o for o in select_block["element"]["options"] if o["value"] != "none"]
    submit_keeping_my_words(bot, view, {**GOOD, "objective": option["value"]}, user="U1")
    return option


def objectives(engine):
    with Session(engine) as session:
        return [(o.title, [(k.metric, k.baseline, k.target, str(k.due_on)) for k in o.key_results])
                for o in session.scalars(select(Objective))]


def test_a_pm_adds_an_objective_with_key_results_and_home_lists_it(bot, slack, engine):
    assert add_objective(bot, slack, title="Finance closes <!here> faster").body == ""
    assert objectives(engine) == [("Finance closes <!here> faster", [("Days to close the month", "5", "4",
                                                                       "2027-03-31")])]
    home = str(slack.wait_for("views.publish")[0].args["view"]["blocks"])
    assert "Finance closes &lt;!here&gt; faster" in home and "Days to close the month: 5 → 4 by 31 Mar 2027" in home


def test_the_same_objective_form_submitted_twice_adds_one(bot, slack, engine):
    form = open_modal(bot, slack, "okr", user="UPM")
    values = {"title": "Finance closes faster", "kr1_metric": "Days to close the month"}
    for _ in range(2):  # a double click, or Slack sending the submission again
        assert bot.slack.submit_view(form, values, user="UPM", view_id="VOKR").body == ""
    assert objectives(engine) == [("Finance closes faster", [("Days to close the month", None, None, "None")])]


def test_only_pms_manage_objectives(bot, slack, engine):
    bot.slack.command("okr", user="U2")
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]
    assert slack.calls("views.open") == []


def test_a_key_result_needs_its_metric(bot, slack, engine):
    bot.slack.command("okr", user="UPM")
    form = slack.wait_for("views.open")[0].args["view"]
    reply = bot.slack.submit_view(form, {"title": "Faster close", "kr1_metric": "", "kr1_target": "4"}, user="UPM")
    assert "metric" in reply.json()["errors"]["kr1_metric"] and objectives(engine) == []


def test_ideas_link_to_an_objective_at_intake_and_from_the_card(bot, slack, engine):
    add_objective(bot, slack)
    option = share_serving_the_objective(bot, slack)
    wait_until(lambda: cards(slack))
    card = cards(slack)[0]
    assert "Objective: Finance closes faster" in str(card["blocks"])
    with Session(engine) as session:
        assert session.scalar(select(Idea.objective_id)) == int(option["value"])

    select_on_card = next(b for b in card["blocks"] if b.get("block_id", "").startswith("objective_"))
    element = {**select_on_card["elements"][0], "block_id": select_on_card["block_id"]}
    bot.slack.select(element, "none", user="UPM", channel="CTRIAGE")
    wait_until(lambda: slack.calls("chat.update"))
    assert "Objective: _No objective_" in str(slack.calls("chat.update")[-1].args["blocks"])
    bot.slack.select(element, option["value"], user="U2", channel="CTRIAGE")
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]
    with Session(engine) as session:
        assert session.scalar(select(Idea.objective_id)) is None
    assert buttons(card["blocks"])  # the move buttons are still there beside the select


def test_a_change_while_the_card_is_on_its_way_is_redrawn_on_it(bot, slack, engine):
    """The card's first post is still with Slack (drawn, not yet answered) when a PM clears the objective:
    the card is redrawn after it, as it would be had its ts been known."""
    add_objective(bot, slack)
    slack.set_latency(1.5, "chat.postMessage")
    share_serving_the_objective(bot, slack)
    with Session(engine) as session:
        wait_until(lambda: session.scalar(select(Delivery.lease_until).where(Delivery.method == "card")))
        idea_id = session.scalar(select(Idea.id))
    element = {"action_id": "set_objective", "block_id": f"objective_{idea_id}",
               "options": [{"text": {"type": "plain_text", "text": "No objective"}, "value": "none"}]}
    bot.slack.select(element, "none", user="UPM", channel="CTRIAGE")
    bot.finish_work()
    drawn = [str(c.args["blocks"]) for c in slack.calls() if c.ok and c.method in ("chat.postMessage", "chat.update")
             and c.args.get("channel") == "CTRIAGE"]
    assert "Finance closes faster" in drawn[0] and "Objective: _No objective_" in drawn[-1]


def test_a_card_is_drawn_as_the_idea_is_when_it_goes_out(bot, slack, engine):
    """Slack holds the card's first post back (429) while the idea changes without owing a redraw of its
    own (as when a change lands just as the card is being owed): the card that goes out is current."""
    add_objective(bot, slack)
    slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"},
               match={"channel": "CTRIAGE"})
    share_serving_the_objective(bot, slack)
    wait_until(lambda: any(c.args.get("channel") == "CTRIAGE" for c in slack.calls("chat.postMessage")))
    with Session(engine) as session, session.begin():
        session.execute(update(Idea).values(objective_id=None))
    posted = lambda: [c for c in slack.calls("chat.postMessage") if c.ok and c.args["channel"] == "CTRIAGE"]  # noqa: E731
    wait_until(posted, timeout=10)
    assert "Objective: _No objective_" in str(posted()[-1].args["blocks"])


def test_a_requesters_home_and_list_name_each_ideas_objective_or_say_it_has_none(bot, slack, engine):
    """Delivery tied to no objective is the build trap made visible: the requester's own list says so too."""

    add_objective(bot, slack)
    share_serving_the_objective(bot, slack)
    share_idea(bot, slack, user="U1", outcome="Support answers refunds in one reply")
    listed = bot.slack.command("list", user="U1").json()  # answered at once
    bot.slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    wait_until(lambda: any(c.args["user_id"] == "U1" for c in slack.calls("views.publish")))
    home = next(c.args["view"] for c in reversed(slack.calls("views.publish")) if c.args["user_id"] == "U1")
    for blocks in (listed["blocks"], home["blocks"]):
        lines = [b["text"]["text"] for b in blocks if b["type"] == "section"]
        [tied] = [line for line in lines if "Finance closes the month" in line]
        [untied] = [line for line in lines if "Support answers refunds" in line]
        assert "objective: Finance closes faster" in tied and "objective: _No objective_" in untied


def test_two_pms_editing_one_objective_at_once_leave_one_set_of_key_results(make_bot, slack, engine):
    """Each edit replaces the key results: two at the same moment leave one edit's, whole, never both (or a
    "can't reach the database")."""
    bot = make_bot(pm_user_ids=frozenset({"UPM", "UPM2"}))
    assert add_objective(bot, slack).body == ""
    for round_number in range(4):
        edits = []
        for user in ("UPM", "UPM2"):
            opened = len(slack.calls("views.open"))
            bot.slack.press({"action_id": "edit_objective", "value": "1"}, user=user, channel=None, message_ts=None)
            view = slack.wait_for("views.open", opened + 1)[opened].args["view"]
            values = {"title": f"Finance closes faster, as {user} says", "kr1_metric": f"Days to close, {round_number}",
                      "kr2_metric": f"Manual steps, {user}"}
            edits.append(lambda view=view, values=values, user=user: bot.slack.submit_view(view, values, user=user))
        replies = together(*edits)
        assert [(r.status, r.body) for r in replies] == [(200, "")] * 2, [r.body for r in replies]
        [(title, key_results)] = objectives(engine)
        who = title.rsplit(" ", 2)[-2]
        assert [metric for metric, *_ in key_results] == [f"Days to close, {round_number}", f"Manual steps, {who}"]


@pytest.mark.parametrize(("count", "form_lists", "card_lists"), [
    (20, True, True),  # every objective fits both menus: listed, nothing to type
    (60, True, False),  # a card lists 25 (their words count towards the message), a form 99
    (150, False, False),
])
def test_a_menu_of_objectives_lists_them_all_or_finds_any_as_it_is_typed(bot, slack, engine, count, form_lists,
                                                                         card_lists):
    """A select holds 100 options (a card's, fewer): past that the menu is an external select, and Slack asks
    the app (a signed block_suggestion) for the objectives matching what is typed, so the oldest can be
    picked too, on the form and on the card."""
    with engine.begin() as db:
        db.execute(insert(Objective), [{"team_id": "T1", "title": f"Objective {n} " + ("alpha" if n else "oldest"),
                                        "created_by": "UPM"} for n in range(count)])
    with engine.connect() as db:
        oldest = str(db.scalar(select(Objective.id).where(Objective.title == "Objective 0 oldest")))
    form = open_modal(bot, slack)
    [field] = [b for b in form["blocks"] if b.get("block_id") == "objective"]
    menu = field["element"]
    assert (menu["type"] == "static_select") == form_lists
    if form_lists:
        assert len(menu["options"]) == count + 1
        chosen = next(o for o in menu["options"] if o["value"] == oldest)
    else:
        assert "find any of the 150 objectives" in field["hint"]["text"]
        opened = bot.slack.suggest(menu, "", block_id="objective", view=form).json()["options"]
        assert len(opened) == 100 and opened[0]["value"] == "none"
        assert opened[1]["text"]["text"] == "Objective 149 alpha"  # newest first
        [chosen] = bot.slack.suggest(menu, "OLDEST  objective", block_id="objective", view=form).json()["options"]
        assert chosen["value"] == oldest
    submit_keeping_my_words(bot, form, {**GOOD, "objective": chosen if not form_lists else oldest})
    wait_until(lambda: cards(slack))
    [card] = cards(slack)
    assert "Objective: Objective 0 oldest" in str(card["blocks"])
    [block] = [b for b in card["blocks"] if b.get("block_id", "").startswith("objective_")]
    element = block["elements"][0]
    assert (element["type"] == "static_select") == card_lists
    assert element.get("initial_option", {}).get("value") == oldest  # the card shows what the idea serves
    if not card_lists:
        found = bot.slack.suggest(element, "Alpha", block_id=block["block_id"], user="UPM", channel="CTRIAGE")
        offered = found.json()["options"]
        newest = offered[0]
        assert "none" not in [o["value"] for o in offered] and newest["text"]["text"] == f"Objective {count - 1} alpha"
        bot.slack.choose(element, newest, block_id=block["block_id"], user="UPM", channel="CTRIAGE")
        wait_until(lambda: slack.calls("chat.update"))
        assert f"Objective: Objective {count - 1} alpha" in str(slack.calls("chat.update")[-1].args["blocks"])
    assert slack.refused() == []


def test_a_pm_edits_an_objective_older_than_home_lists_by_finding_it(bot, slack, engine):
    """Home lists the newest 10 objectives with Edit; an older one is found by its title in the menu beside
    Add, and its form opens filled in. Only PMs have the menu."""
    from tests.handlers.test_triage import open_home

    with engine.begin() as db:
        db.execute(insert(Objective), [{"team_id": "T1", "title": "Finance closes faster" if n == 0 else
                                        f"Objective {n}", "created_by": "UPM"} for n in range(12)])
    assert "find_objective" not in str(open_home(bot, slack, "U1")["blocks"])
    home = open_home(bot, slack, "UPM")
    assert "Finance closes faster" not in str([b for b in home["blocks"] if b["type"] == "section"])
    [block] = [b for b in home["blocks"] if b.get("block_id") == "objectives"]
    [menu] = [e for e in block["elements"] if e["action_id"] == "find_objective"]
    [found] = bot.slack.suggest(menu, "finance", block_id="objectives", user="UPM", view=home).json()["options"]
    assert found["text"]["text"] == "Finance closes faster"
    opened = len(slack.calls("views.open"))
    bot.slack.choose(menu, found, block_id="objectives", user="UPM", view=home)
    form = slack.wait_for("views.open", opened + 1)[opened].args["view"]
    assert form["title"]["text"] == "Edit objective"
    assert form["blocks"][0]["element"]["initial_value"] == "Finance closes faster"


def test_an_objective_added_or_renamed_later_is_offered_on_cards_already_posted(bot, slack, engine):
    """A PM adds the next quarter's objective, then links the open ideas to it from their cards: the cards'
    menus, drawn before it existed, offer it; and a renamed objective reads as renamed on the card."""
    add_objective(bot, slack)
    share_serving_the_objective(bot, slack)
    wait_until(lambda: cards(slack))
    bot.deliver()
    assert add_objective(bot, slack, title="Support answers refunds in one reply").body == ""
    bot.deliver()

    def card_now() -> str:
        drawn = [c.args for c in slack.calls() if c.ok and c.method in ("chat.postMessage", "chat.update")
                 and c.args.get("channel") == "CTRIAGE"]
        return str(drawn[-1]["blocks"])

    wait_until(lambda: "Support answers refunds in one reply" in card_now())
    from tests.handlers.test_triage import open_home

    with Session(engine) as session:
        first = session.scalar(select(Objective.id).order_by(Objective.id))
    home = open_home(bot, slack, "UPM")
    [edit] = [b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("value") == str(first)]
    opened = len(slack.calls("views.open"))
    bot.slack.press(edit, user="UPM", view=home)
    form = slack.wait_for("views.open", opened + 1)[-1].args["view"]
    assert bot.slack.submit_view(form, {"title": "Finance closes the month in three days",
                                        "kr1_metric": "Days to close the month"}, user="UPM").body == ""
    bot.deliver()
    wait_until(lambda: "Objective: Finance closes the month in three days" in card_now())


def test_the_cards_redrawn_for_a_new_objective_go_out_paced_below_slacks_rate_limit(bot, slack, engine):
    """Hundreds of open ideas' cards redrawn at once would meet chat.update's limit (about 50 a minute), and its
    Retry-After would hold back every decision notice owed meanwhile: they are owed two seconds apart."""
    for n in range(3):
        share_idea(bot, slack, outcome=f"Finance closes the month {n + 1} days sooner")
    bot.deliver()
    with Session(engine) as session:
        before = session.scalar(select(Delivery.id).order_by(Delivery.id.desc()).limit(1))
    assert add_objective(bot, slack).body == ""
    wait_until(lambda: len(redraws(engine, before)) == 3)
    due = [row.next_attempt_at for row in redraws(engine, before)]
    assert [round((later - due[0]).total_seconds()) for later in due] == [0, 2, 4]


def redraws(engine, after: int) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.id > after, Delivery.method == "card")
                                    .order_by(Delivery.id)))
