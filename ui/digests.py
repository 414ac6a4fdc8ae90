"""The weekly digest, split into messages that each fit Slack's limits, and the digest commands' replies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.digests.compose import Digest, Pulse
from bot.digests.schedule import DAYS, Schedule, in_words
from bot.reviews import SUPPORTABLE
from models import Decision, Idea, Insight, Stage
from ui.cards import merged_where, review_words, support_button
from ui.chunks import chunks
from ui.feedback import latest_quote, mentions_words
from ui.kit import (
    MESSAGE_BLOCKS,
    MESSAGE_TEXT_BUDGET,
    PACKED_TEXT_BUDGET,
    SECTION_LIMIT,
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
    message_link,
    plain,
    quote,
    said_by,
    section,
    text_size,
)
from ui.objectives import objective_name

DIGEST_SECTIONS = (
    ("to_delivery", ":hammer_and_wrench: Moved to delivery", "moved to delivery"),
    ("shipped", ":rocket: Shipped", "shipped"),
    ("to_discovery", ":mag: Now in discovery", "moved to discovery"),
    ("parked", ":parking: Parked", "parked"),
    ("declined", ":no_entry_sign: Declined", "declined"),
    ("merged", ":link: Merged into another idea", "merged"),
    ("reviewed", ":dart: Outcomes reviewed", "reviewed"),
)
# Each message of a digest: a few blocks short of Slack's 50, and its text within the budget.
DIGEST_MESSAGE_BLOCKS = 45


def digest_messages(digest: Digest, intro: str | None = None) -> list[dict[str, Any]]:
    """The weekly digest: what moved and why, verbatim, then who is waiting, then the pulse. One message
    when it fits; otherwise the headline, counts and pulse in the channel and every section, whole, in
    its thread, in as many replies as it takes. `intro` is the optional model-written paragraph,
    escaped like any text we did not write."""
    zone = ZoneInfo(digest.timezone)
    start, end = f"{digest.period_start.astimezone(zone):%d %b}", f"{digest.period_end.astimezone(zone):%d %b}"
    period = end if start == end else f"{start} – {end}"  # a digest posted again the same day
    head: list[Block] = [{"type": "header", "text": plain(f"Product digest · {period}", 150)}]
    if intro:
        head.append(section(":memo: " + clip(escape(intro), 1500)))
    if digest.is_empty:
        text = "A quiet week: no ideas moved, none arrived and none are waiting. Have one? Type `/idea`."
        return [message(f"Product digest {period}: a quiet week", [*head, section(text)])]
    counts, body = [], []
    for attribute, title, verb in DIGEST_SECTIONS:
        moved: list[tuple[Idea, Decision]] = getattr(digest, attribute)
        if moved:
            counts.append(f"{len(moved)} {verb}")
            body.append([section(f"*{title}* ({len(moved)})")])
            body += _grouped_by_objective(moved, digest.quotes, digest.people, digest.ends)
    if digest.waiting_total:
        oldest = "\n".join(
            f"• *{idea_ref(idea)}* {clip(escape(idea.outcome), 200)} (from {mention(idea.requester_id)}, "
            f"{age_words(idea.created_at, digest.period_end)})"
            for idea in digest.waiting
        )
        title = f"*:seedling: New candidates waiting for triage* ({digest.waiting_total}), oldest first:"
        body.append([section(f"{title}\n{oldest}")])
        counts.append(f"{digest.waiting_total} waiting")
    if not counts:  # only customer feedback arrived
        mentions = digest.pulse.customer_mentions
        counts.append(f"{mentions} customer mention{'s' if mentions != 1 else ''} received")
    summary = f"Product digest {period}: " + ", ".join(counts)
    pulse = context(_pulse_words(digest.pulse))
    whole = [*head, *(block for unit in body for block in unit), pulse]
    if len(whole) <= DIGEST_MESSAGE_BLOCKS and text_size(whole) <= MESSAGE_TEXT_BUDGET:
        return [message(summary, whole)]
    headline = [*head, section("*This period:* " + ", ".join(counts) + ". Every decision and its reason is in "
                               "the thread below."), pulse]
    parts = _pack(body)
    return [message(summary, headline)] + [message(f"{summary} ({n} of {len(parts)})", part, budget=PACKED_TEXT_BUDGET)
                                           for n, part in enumerate(parts, start=1)]


def _pack(units: list[list[Block]]) -> list[list[Block]]:
    """Fills each reply up to Slack's limits (50 blocks, the packed text budget) with whole units, in order: an
    item is split over two replies only when it is bigger than one. An item without a button of its own goes
    into the section before it while that stays within a section's 3,000 characters, so short items are
    counted by their text, not one block each."""
    parts: list[list[Block]] = [[]]
    # A unit too big for any message (a very long reason, escaped) goes block by block instead.
    units = [piece for unit in units for piece in
             ([unit] if text_size(unit) <= PACKED_TEXT_BUDGET else [[block] for block in unit])]
    for unit in units:
        current = parts[-1]
        if current and (joined := _joined(current[-1], unit[0])) is not None:
            candidate = [*current[:-1], joined, *unit[1:]]
        else:
            candidate = [*current, *unit]
        if current and (len(candidate) > MESSAGE_BLOCKS or text_size(candidate) > PACKED_TEXT_BUDGET):
            parts.append(list(unit))
        else:
            parts[-1] = candidate
    return [part for part in parts if part]


def _joined(before: Block, after: Block) -> Block | None:
    """`after`'s text as more lines of the section `before`, or None when it has a button (which would then
    sit beside the wrong idea), is not a plain section, or the two would be over a section's limit."""
    plain_sections = all(block.get("type") == "section" and isinstance(block.get("text"), dict)
                         and not block.get("fields") for block in (before, after))
    if not plain_sections or "accessory" in after:
        return None
    text = f"{before['text']['text']}\n\n{after['text']['text']}"
    return {**before, "text": {**before["text"], "text": text}} if len(text) <= SECTION_LIMIT else None


def _grouped_by_objective(moved: list[tuple[Idea, Decision]], quotes: Mapping[int, Sequence[Insight]],
                          people: Mapping[int, int], ends: Mapping[int, int]) -> list[list[Block]]:
    """Items under each objective, those with none last; the objective is named where its group starts
    (in the item's own section, so grouping costs no blocks). A section none of whose ideas has an
    objective is not grouped: "Objective: No objective" over everything says nothing."""
    ordered = sorted(moved, key=lambda pair: (pair[0].objective is None, pair[0].objective_id or 0))
    items, previous = [], object()
    grouped = any(idea.objective_id is not None for idea, _ in moved)
    for idea, decision in ordered:
        heading = (None if idea.objective_id == previous or not grouped
                   else f"*Objective: {objective_name(idea.objective)}*")
        items.append(_digest_item(idea, decision, heading, quotes.get(idea.id, ()), people.get(idea.id, 0),
                                  ends.get(idea.id)))
        previous = idea.objective_id
    return items


def _digest_item(idea: Idea, decision: Decision, heading: str | None = None, quotes: Sequence[Insight] = (),
                 people: int = 0, end: int | None = None) -> list[Block]:
    """An idea and its decision: the whole reason, in as many sections as it takes. `end`: for an idea merged
    into one merged on since, where the chain ends."""
    head = f"*{idea_ref(idea)}* {clip(escape(idea.outcome), 600)}\nfrom {mention(idea.requester_id)}"
    if heading:
        head = f"{heading}\n{head}"
    if idea.source_permalink:
        head += f" · {message_link(idea, 'original message')}"
    if decision.to_stage == Stage.REVIEWED and decision.result:
        head += f" · {review_words(decision)}"
    elif decision.revisit_on is not None and decision.to_stage == Stage.PARKED:
        head += f" · to be looked at again on {decision.revisit_on:%d %b %Y}"
    elif decision.revisit_on is not None and decision.to_stage == Stage.SHIPPED:
        head += f" · we ask whether the outcome happened on {decision.revisit_on:%d %b %Y}"
    elif decision.to_stage == Stage.MERGED and idea.merged_into_id:
        head += f" · merged into {merged_where(idea, end)}, where its requester and supporters now count"
    if idea.tracker_key and decision.to_stage in (Stage.DELIVERY, Stage.SHIPPED):
        head += f" · tracked in {issue_link(idea)}"
    if counted := mentions_words(idea, people):  # "+3 people, 7 customer mentions", as the card says
        head += f" · {counted}"
        if quotes:
            head += f": {latest_quote(quotes, 200)}"
    # The reason as a quote of its own: `>` is a quote only at the start of a line.
    said = "said what we learned" if decision.to_stage == Stage.REVIEWED else "said why"
    pieces = chunks(f"{head}\n{said_by(decision, said)}\n{quote(decision.reason)}", SECTION_LIMIT)
    item = [section(piece) for piece in pieces]
    if idea.stage in SUPPORTABLE:
        item[0]["accessory"] = support_button(idea)
    return item


def _pulse_words(pulse: Pulse) -> str:
    parts = [f"{pulse.received} idea{'s' if pulse.received != 1 else ''} received"]
    if pulse.received:
        share = round(100 * pulse.with_outcome_and_problem / pulse.received)
        parts.append(f"{share}% with a stated outcome and problem")
    if pulse.median_days_to_first_decision is not None:
        parts.append(f"median {days_words(pulse.median_days_to_first_decision)} from submission to first decision")
    if pulse.delivery_without_objective:
        parts.append(f"{pulse.delivery_without_objective} moved to delivery without an objective")
    if pulse.customer_mentions:
        mentions = pulse.customer_mentions
        parts.append(f"{mentions} customer mention{'s' if mentions != 1 else ''} received, "
                     f"{pulse.mentions_on_work} on ideas in discovery or delivery")
    return "Pulse: " + " · ".join(parts)


DIGEST_FOR_PMS = ("Only product managers can set up or post digests. In a channel that has one, `/idea digest preview` "
                  "shows what it would say.")
PREVIEW_FOR_PMS = ("No digest is set up here, so a preview would show the whole workspace's week, private channels "
                   "and direct messages included: only product managers see that. In a channel that has a digest, "
                   "`/idea digest preview` shows what it would post.")
DIGEST_OFF = "This channel will get no more digests. `/idea digest here` starts them again."
DIGEST_WAS_OFF = "This channel had no digest to stop."
DIGEST_JUST_POSTED = ("A digest for this channel is on its way, or went out a moment ago, so I did not post another. "
                      "`/idea digest now` in a minute posts a fresh one.")
INVITE_ME = "I can't post here yet: invite me with `/invite @outcome-bot`, then try again."
ARCHIVED = "This channel is archived, so I can't work in it."
SHARED_OUTSIDE = ("This channel is shared with another organisation, so it gets only the ideas that came from it: "
                  "`/idea digest here only-this-channel`. The whole workspace's week (ideas from private channels "
                  "and direct messages, and why they moved) stays in your own channels.")


def narrowed_notice(channel_id: str) -> str:
    """To whoever set up a digest in a channel since shared with another organisation."""
    return (f"{channel_link(channel_id)} is now shared with another organisation, so its digest now shows only the "
            "ideas that came from it (`only-this-channel`): the workspace's week, with ideas from private channels "
            "and direct messages, stays in your own channels.")


SLACK_BUSY = "Slack did not answer just now, so nothing changed. Please try again in a minute."


def digest_subscribed(schedule: Schedule, next_time: datetime, only_this_channel: bool) -> dict[str, Any]:
    scope = "ideas from this channel" if only_this_channel else "ideas from the whole workspace"
    text = (
        f":calendar: This channel gets the product digest every {DAYS[schedule.weekday].title()} at "
        f"{schedule.minute_of_day // 60:02d}:{schedule.minute_of_day % 60:02d} ({scope}).\n"
        f"Next digest: {in_words(next_time, schedule)}. `/idea digest preview` shows what it would say now; "
        "`/idea digest off` stops it."
    )
    return message(text, [section(text)])


def digest_help() -> dict[str, Any]:
    text = (
        "*Channel digests* (what moved to delivery or shipped and why, what is in discovery, what was parked, "
        "declined or merged and why):\n"
        "`/idea digest here [weekly] [&lt;day&gt; &lt;time&gt;] [only-this-channel]` subscribes this channel "
        "(Monday 09:00 your time unless you say otherwise; `friday 16:30` or `every friday at 4:30pm`)\n"
        "`/idea digest off` stops it · `/idea digest now` posts one now · `/idea digest preview` shows it to you"
    )
    return message("Channel digests", [section(text)])
