"""App Home, `/idea list`, `/idea help` and `/idea stats`: each person's ideas; for PMs the triage queue,
the metrics, what could not be delivered, and the objectives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.decisions import Triage
from bot.stats import Stats
from bot.usage import Usage
from models import Delivery, Idea, Insight, Stage
from ui.cards import decision_summary, merged_where, move_buttons
from ui.feedback import latest_quote, mentions_words
from ui.ids import DISMISS_DELIVERIES, RETRY_DELIVERIES
from ui.kit import (
    CHANNEL_GONE,
    STAGE_NAMES,
    VIEW_BLOCKS,
    Block,
    age_words,
    channel_link,
    clip,
    context,
    days_words,
    escape,
    idea_ref,
    issue_link,
    mention,
    message,
    plain,
    section,
    stage_words,
)
from ui.objectives import objective_name

LIST_LIMIT = 15


def idea_line(idea: Idea, now: datetime, quotes: Sequence[Insight] = (), people: int = 0, end: int | None = None
              ) -> Block:
    """`end`: for an idea merged into one merged on since, where the chain ends."""
    where = f" into {merged_where(idea, end)}" if idea.merged_into_id else ""  # where its people now count
    head = f"*{idea_ref(idea)}* · {stage_words(idea.stage)}{where} · submitted {age_words(idea.created_at, now)}"
    head += f" · objective: {clip(objective_name(idea.objective), 100)}"  # or none: the build trap, visible
    if idea.tracker_key:
        head += f" · {issue_link(idea)}"
    if counted := mentions_words(idea, people):  # "+3 people, 7 customer mentions", as the card says
        head += f" · {counted}"
    line = f"{head}\n{clip(escape(idea.outcome), 500)}"
    if quotes:
        line += f"\n:speech_balloon: latest: {latest_quote(quotes)}"
    return section(line)


def _idea_list(ideas: Iterable[Idea], total: int, shown: int, now: datetime, more_hint: str,
               quotes: Mapping[int, Sequence[Insight]] | None = None, people: Mapping[int, int] | None = None,
               ends: Mapping[int, int] | None = None) -> list[Block]:
    quotes, people, ends = quotes or {}, people or {}, ends or {}
    blocks = [idea_line(idea, now, quotes.get(idea.id, ()), people.get(idea.id, 0), ends.get(idea.id))
              for idea in ideas]
    if total > shown:
        blocks.append(context(f"and {total - shown} more. {more_hint}"))
    return blocks


def my_ideas(ideas: list[Idea], total: int, now: datetime, people: Mapping[int, int] | None = None,
             ends: Mapping[int, int] | None = None) -> dict[str, Any]:
    """`/idea list`; `ends`: where each idea merged into one merged on since ended up (`merge_ends`)."""
    if not ideas:
        text = "You have no ideas yet. Type `/idea` and what you would like, then say what outcome you are after."
        return message(text, [section(text)])
    blocks = [section(f"*Your ideas* ({total})")]
    blocks += _idea_list(ideas, total, len(ideas), now, "Only your newest are shown.", people=people, ends=ends)
    return message(f"Your ideas ({total})", blocks)


def help_message() -> dict[str, Any]:
    text = (
        "*Share an idea, outcome first*\n"
        "`/idea` opens a short form: the outcome you are after, the problem and who has it, "
        "the evidence, and how we would know it worked.\n"
        "`/idea &lt;what you would like&gt;` opens the form with your ask filled in.\n"
        "`/idea list` shows your ideas and where each one stands.\n"
        "`/idea digest` sets up a weekly digest of decisions in a channel (product managers).\n"
        "`/idea feedback here` reads a channel of reviews, tickets or sales notes for customer requests "
        "(product managers).\n"
        "`/idea nudges off` (or `on`) stops (or restarts) my private invitations when you ask for something "
        "in a channel.\n"
        "`/idea okr` adds an objective with its key results (product managers).\n"
        "`/idea settings` sets this workspace's triage channel, PMs and digest time (admins).\n"
        "`/idea stats` shows the build-trap metrics: are we shipping outcomes or outputs?\n"
        "`/idea export` sends product managers a CSV of every idea.\n"
        "`/idea help` shows this.\n"
        "Case and a final `?` or `.` do not matter (`/idea Help?`); more words after a command (but for "
        "`digest here`'s day and time) make an idea: "
        "`/idea help me export csv` or `/idea list view for reports` opens the form with them.\n"
        "A product manager decides on every idea, and you will hear what they decide and why."
    )
    return message("How to use /idea", [section(text)])


def home_view(
    ideas: list[Idea],
    total: int,
    now: datetime,
    triage: Triage | None = None,
    model_use: Usage | None = None,
    metrics: Stats | None = None,
    objectives: list[Block] = (),
    undelivered: Sequence[Delivery] = (),
    quotes: Mapping[int, Sequence[Insight]] | None = None,
    inbox: Sequence[Block] = (),
    failed_total: int | None = None,
    people: Mapping[int, int] | None = None,
    alerts: Sequence[Block] = (),
    unsure: bool = False,
    ends: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    """Everyone sees their own ideas; product managers see what could not be delivered, the triage
    queue, the customer feedback inbox, and what the optional model costs. `people`: how many support
    each idea shown. `alerts` (a tracker refusing the token) come first: nothing else works until they
    are put right. `unsure`: Slack did not say whether they are an admin (who decide without a PM list)."""
    blocks: list[Block] = [*alerts]
    blocks += [context(HOME_UNSURE)] if unsure else []
    blocks += undelivered_blocks(undelivered, failed_total)
    if triage is not None:
        blocks += _triage_blocks(triage, now, people or {})
    blocks += inbox
    if metrics is not None:
        blocks.append(section("*Are we shipping outcomes or outputs?*\n" + "\n".join(stats_lines(metrics))))
    if model_use is not None:
        blocks.append(
            context(
                f":robot_face: Outcome coach model use: {model_use.calls_today} calls, {model_use.tokens_today:,} "
                f"tokens today; {model_use.calls_30_days} calls, {model_use.tokens_30_days:,} tokens in 30 days."
            )
        )
    blocks += objectives
    blocks.append({"type": "header", "text": plain("Your ideas", 150)})
    if ideas:
        # A PM's Home can fill Slack's 100 blocks before their own ideas: fewer are shown then, and the
        # line after them says how many more there are, rather than the view being cut short.
        ideas = ideas[:max(1, VIEW_BLOCKS - len(blocks) - 1)]
        blocks += _idea_list(ideas, total, len(ideas), now, "Only the newest are shown here.", quotes, people, ends)
    else:
        blocks.append(
            section(
                "Nothing yet. Type `/idea` in any channel to share an idea: start with the outcome "
                "you are after and the problem behind it."
            )
        )
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


# Why Slack would not take a message, in words a PM can act on; {where} is the channel or person.
UNDELIVERED_WORDS = {
    "channel_not_found": "I can't see {where}: it was deleted, or it is private and I am not in it",
    "not_in_channel": "I am not in {where}: invite me with `/invite @outcome-bot`",
    "is_archived": "{where} is archived",
    "account_inactive": "{where} is deactivated",
    "user_not_found": "{where} is not in this workspace any more",
    "user_disabled": "{where} is deactivated",
    "cannot_dm_bot": "{where} is a bot",
    "restricted_action": "a workspace setting keeps outcome-bot from posting in {where}: an admin can allow it",
    "ekm_access_denied": "{where} is locked by your Enterprise Key Management admins",
    "team_access_not_granted": "outcome-bot has not been given access to the workspace of {where}: an org "
                               "admin can add it there",
    "not_installed": "outcome-bot is not installed in this workspace any more",
    "invalid_auth": "Slack no longer accepts outcome-bot's token: reinstall the app",
    "token_revoked": "Slack no longer accepts outcome-bot's token: reinstall the app",
    "missing_scope": "outcome-bot lacks a permission: reinstall the app from its manifest",
}
DIGEST_STOPPED = ", so its digest is stopped (`/idea digest here` there starts it again)"
LAYOUT_REFUSED = "Slack refused the message's layout (please report this: it is a bug)"


def undelivered_words(error: str, where: str) -> str:
    if error.startswith("gave_up"):
        return f"Slack could not be reached for a day, so the message to {where} was not sent"
    if error.startswith("parent_"):
        return f"the digest it belonged to could not be posted in {where}"
    if error in ("invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
                 "invalid_arguments"):
        return LAYOUT_REFUSED
    return UNDELIVERED_WORDS.get(error, "Slack said `{error}` for {where}").format(where=where, error=escape(error))


def _where(delivery: Delivery) -> str:
    channel = str(delivery.payload.get("channel") or delivery.payload.get("user") or "")
    return mention(channel) if channel[:1] in ("U", "W") else channel_link(channel) if channel else "Slack"


def undelivered_blocks(failures: Sequence[Delivery], failed_total: int | None = None) -> list[Block]:
    """"2 messages could not be delivered: the triage channel is archived", grouped by cause, with
    Try again and Dismiss; a message that went to its alternate instead is counted apart. `failures` are
    the newest; `failed_total`, when given, counts every failure, which Try again sends again."""
    if not failures:
        return []
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for failure in failures:
        words = undelivered_words(failure.error or "", _where(failure))
        if (failure.payload.get("on_sent") or {}).get("digest_run") is not None and failure.error in CHANNEL_GONE:
            words += DIGEST_STOPPED
        groups.setdefault((failure.state, words), []).append(failure)
    failed = max(sum(1 for f in failures if f.state == "failed"), failed_total or 0)
    title = f"*:warning: {failed} message{'s' if failed != 1 else ''} could not be delivered*" if failed \
        else "*:information_source: Some messages went elsewhere*"
    lines = []
    listed = list(groups.items())[:8]
    for (state, words), members in listed:
        ideas = sorted({f"#{m.payload['idea']}" for m in members if isinstance(m.payload.get("idea"), int)})
        about = f" (triage card{'s' if len(ideas) > 1 else ''} for {', '.join(ideas[:5])})" if ideas else ""
        rerouted = ", so it went to its next recipient" if state == "rerouted" else ""
        lines.append(f"• {len(members)}{about}: {words}{rerouted}")
    if (unlisted := failed - sum(len(members) for (state, _), members in listed if state == "failed")) > 0:
        lines.append(f"• and {unlisted} more")
    buttons = [{"type": "button", "action_id": DISMISS_DELIVERIES, "text": plain("Dismiss", 75)}]
    if failed:
        buttons.insert(0, {"type": "button", "action_id": RETRY_DELIVERIES, "text": plain("Try again", 75),
                           "style": "primary"})
    return [section(title + "\n" + "\n".join(lines)),
            {"type": "actions", "block_id": "deliveries", "elements": buttons}, {"type": "divider"}]


def _triage_blocks(triage: Triage, now: datetime, people: Mapping[int, int]) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain("Triage queue", 150)}]
    if not triage.waiting:
        blocks.append(section("No candidates waiting. :tada:"))
    else:  # what needs the PM, before the list of it
        many = triage.waiting_total != 1
        blocks.append(context(f"{triage.waiting_total} candidate{'s' if many else ''} wait{'' if many else 's'} "
                              "for a first decision, oldest first."))
    for idea in triage.waiting:
        blocks += [_queue_line(idea, now, people.get(idea.id, 0)), _moves_block(idea)]
    if triage.waiting_total > len(triage.waiting):
        blocks.append(context(f"and {triage.waiting_total - len(triage.waiting)} more waiting; oldest first."))
    if triage.due:
        blocks.append({"type": "header", "text": plain("Parked ideas due for revisit", 150)})
        for idea, parked in triage.due:
            blocks += [_queue_line(idea, now, people.get(idea.id, 0)), decision_summary(parked), _moves_block(idea)]
        if triage.due_total > len(triage.due):
            blocks.append(context(f"and {triage.due_total - len(triage.due)} more due; the longest due first."))
    blocks.append({"type": "divider"})
    return blocks


def _queue_line(idea: Idea, now: datetime, people: int = 0) -> Block:
    head = f"*{idea_ref(idea)}* from {mention(idea.requester_id)} · submitted {age_words(idea.created_at, now)}"
    head += f" · objective: {objective_name(idea.objective)}"
    if counted := mentions_words(idea, people):
        head += f" · {counted}"
    return section(f"{head}\n{clip(escape(idea.outcome), 500)}")


def _moves_block(idea: Idea) -> Block:
    return {"type": "actions", "block_id": f"moves_{idea.id}", "elements": move_buttons(idea)}



def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% ({part} of {whole})" if whole else "n/a (none yet)"


def stats_lines(stats: Stats) -> list[str]:
    days = stats.median_days_to_first_decision
    cycle = stats.median_days_discovery_to_delivery
    hits = stats.results
    return [
        f"• Ideas with a stated outcome and problem: {_share(stats.with_outcome_and_problem, stats.ideas)}",
        f"• Delivery work tied to an objective: {_share(stats.tied_to_objective, stats.in_delivery_or_later)}",
        f"• Median time from submission to a first decision: {days_words(days)}" if days is not None
        else "• Median time from submission to a first decision: n/a (no decisions yet)",
        f"• Median time from discovery to delivery: {days_words(cycle)}" if cycle is not None
        else "• Median time from discovery to delivery: n/a (nothing has reached delivery from discovery)",
        f"• Shipped ideas whose outcome was reviewed: {_share(stats.reviewed, stats.shipped)}",
        f"• Outcome hit rate: {round(100 * hits.get('met', 0) / stats.judged)}% met ({hits.get('met', 0)} of "
        f"{stats.judged}), {hits.get('partly', 0)} partly, {hits.get('missed', 0)} missed" if stats.judged
        else "• Outcome hit rate: n/a (no review says met, partly or missed)" if stats.reviewed
        else "• Outcome hit rate: n/a (no outcome reviewed yet)",
    ]


def stats_message(stats: Stats) -> dict[str, Any]:
    stages = " · ".join(f"{STAGE_NAMES[stage]}: {stats.by_stage.get(stage, 0)}" for stage in Stage)
    text = "*Are we shipping outcomes or outputs?*\n" + "\n".join(stats_lines(stats))
    ideas = f"{stats.ideas} idea{'' if stats.ideas == 1 else 's'}"
    return message("Build-trap metrics", [section(text), context(f"{ideas} · {stages}")])



# Shown to whoever opens Home while Slack is silent, admin or not: it promises nothing, and names all that is held back.
HOME_UNSURE = (":hourglass: Slack did not say just now whether you are a workspace admin or owner, who act as "
               "product managers here. If you are, what they see (triage queue, feedback inbox, tracker alerts, "
               "undelivered messages, metrics) shows once it does: open this tab again in a minute.")
DELIVERIES_FOR_PMS = "Only product managers can send undelivered messages again or dismiss them."
EXPORT_FAILED = ("I could not send you the export: Slack said `{error}`. If files are blocked in this workspace, "
                 "an operator can run `python -m bot export` instead.")
def export_sending(count: int) -> str:
    return f"Sending you a CSV of {count} idea{'' if count == 1 else 's'} in a direct message."


def export_comment(count: int) -> str:
    if count == 1:
        return "Here is the 1 idea, with its stage, supporters and decisions."
    if count == 0:
        return "There are no ideas yet: here are the columns an export will have."
    return f"Here are all {count} ideas, with their stages, supporters and decisions."


EXPORT_FOR_PMS = "Only product managers can export ideas. `/idea stats` shows everyone the build-trap metrics."
