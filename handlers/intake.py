"""Sharing an idea: the form (from /idea, a nudge or the "Turn into idea" shortcut), the model's
suggestion, the submission, and announcing the new idea.

The form opens first: the model never delays it, and its suggestion arrives through the sender. The
submission stores the idea and, in the same transaction, the work of announcing it; looking for
look-alikes (which may ask the model) and telling people happen after Slack has been answered.
"""

from __future__ import annotations

from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import feedback
from bot.drafts import load_draft, save_draft
from bot.ideas import FIELDS, IdeaDraft, Source, find_submission, get_idea, remember_permalink, submit_idea, validate
from bot.listening.rules import SLACKBOT
from bot.objectives import objective_choices
from bot.outcomes import reads_like_output, rewrite_hint
from bot.pool import open_ideas
from bot.similar import idea_text, looks_like, remember_looks_like
from bot.team_settings import team_config
from handlers import notify
from handlers.access import (
    FORM_FAILED,
    SLACK_UNSURE,
    Deps,
    Standing,
    changing,
    deps,
    guarded,
    open_form,
    standing,
    team,
    tell,
)
from handlers.home import home_of
from models import Idea, utcnow
from runtime import calls, outbox
from runtime.sender import Job
from ui.feedback import feedback_text, sorted_meanwhile
from ui.ids import INTAKE_CALLBACK, SHORTCUT_CALLBACK, USE_SUGGESTION
from ui.intake import DATABASE_AWAY, IntakeState, form_failed, intake_modal, kept_source, read_intake, with_kept_source
from ui.objectives import read_objective
from ui.tokens import as_read, typed_text, unnamed

SAVE_FAILED = "We could not save this just now. Please press the button again in a minute."


def register(app: App, d: Deps) -> None:
    app.view(INTAKE_CALLBACK)(guarded(intake_submission_callback))
    app.action(USE_SUGGESTION)(guarded(use_suggestion_callback))
    app.shortcut(SHORTCUT_CALLBACK)(guarded(turn_into_idea_callback))
    d.sender.register("announce", lambda job: announce(d, job), waits_on_model=d.coach is not None)
    d.sender.register("suggest", lambda job: suggest(d, job), waits_on_model=d.coach is not None)


def open_intake(client: WebClient, d: Deps, body: dict, *, ask: str, source: Source, team_id: str, user_id: str,
                logger: Logger, evidence: str = "", insights: tuple[int, ...] = (), from_message: bool = False,
                failed: str = FORM_FAILED) -> bool:
    """Opens the form at once; an ask longer than its field is kept whole on the server, and a model, if
    there is one, is asked for a suggestion after. `insights`: requests from the feedback inbox the idea
    is made from (their quotes prefill `evidence`). `from_message`: the words are a message's, whose people
    and channels Slack sends by id alone: they are shown by name, as the message showed them. `failed`: what
    the person hears when Slack will not open the form (words typed after `/idea` are given back instead).
    Whether the form opened."""
    limit = FIELDS["ask"].max_chars
    if from_message:
        names = d.names.of(client, team_id, unnamed(ask + "\n" + evidence), logger)
        ask, evidence = as_read(ask, names), as_read(evidence, names)
    # Words typed after `/idea` are gone from the person's message box: if the form cannot open, they get them back.
    typed = source.message_ts is None and not insights and bool(ask.strip())
    draft = None
    try:
        with d.sessions() as session:
            objectives = objective_choices(session, team_id)
        # An ask longer than its field, and where the form was opened (a channel, a message), are kept on the
        # server; the form carries their key.
        kept = {**({"ask": ask} if len(ask) > limit else {}),
                **(kept_source(source) if source.channel_id or source.message_ts or source.author_id else {})}
        if kept:
            with d.sessions.begin() as session:
                draft = save_draft(session, team_id, kept)
    except SQLAlchemyError as error:
        if not typed:
            raise  # the words are still where they were (a message, the inbox): told the database is away
        logger.warning("the form for %s did not open: the database is away (%s)", user_id, type(error).__name__)
        tell(d, body, team_id, user_id, form_failed(ask, DATABASE_AWAY))
        return False
    state = IntakeState(values={"ask": ask, "evidence": evidence or None}, source=source, draft=draft,
                        insights=insights)
    view = open_form(client, d, body, team_id, user_id, intake_modal(state=state, objectives=objectives),
                     logger, failed=form_failed(ask) if typed else failed)
    if view is None or d.coach is None or not ask.strip():
        return view is not None
    with changing(d) as session:
        outbox.owe(session, team_id, outbox.job("suggest", {
            "view_id": view["id"], "hash": view.get("hash"), "ask": ask[:limit], "draft": draft,
            "source": [source.channel_id, source.message_ts, source.author_id],
            "evidence": evidence, "insights": list(insights),
        }))
    return True


def suggest(d: Deps, job: Job) -> None:
    """Asks the model for an outcome and a problem, and shows them in the form as a suggestion. The form
    keeps its block ids, so whatever the person typed meanwhile stays where it is."""
    payload = job.payload
    suggestion = d.coach.suggest(job.team_id, payload["ask"]) if d.coach is not None else None
    with changing(d) as session:
        if suggestion is not None:
            kept = load_draft(session, job.team_id, payload.get("draft"))
            draft = save_draft(session, job.team_id, {**kept, "suggestion": suggestion.model_dump()})
            channel, ts, author = payload["source"]
            whole = kept.get("ask") if isinstance(kept.get("ask"), str) else payload["ask"]  # the form says it is kept
            state = IntakeState(values={"ask": whole, "evidence": payload.get("evidence") or None},
                                source=Source(channel, ts, author), suggestion=suggestion.model_dump(), draft=draft,
                                insights=tuple(payload.get("insights") or ()))
            form = intake_modal(state=state, objectives=objective_choices(session, job.team_id))
            outbox.owe(session, job.team_id, outbox.view_update(payload["view_id"], payload.get("hash"), form))
        job.finish(session)


def use_suggestion_callback(ack: Ack, body: dict, context: BoltContext) -> None:
    """Copies the model's suggestion into the outcome and problem fields the person left empty."""
    ack()
    d = deps(context)
    view = body["view"]
    state = read_intake(view)
    with changing(d) as session:
        kept = load_draft(session, context.team_id, state.draft)
        state, suggestion = with_kept_source(state, kept), kept.get("suggestion")
        if not isinstance(suggestion, dict):
            return
        values = _whole_ask(state.values, kept.get("ask"))  # an ask longer than its field: the form says so again
        for name in ("outcome", "problem"):
            if not (values.get(name) or "").strip():
                values[name] = str(suggestion.get(name) or "")
        updated = replace(state, values=values, suggestion=suggestion, version=state.version + 1)
        form = intake_modal(state=updated, objectives=objective_choices(session, context.team_id))
    d.sender.soon(context.team_id, outbox.view_update(view["id"], view.get("hash"), form))


def turn_into_idea_callback(ack: Ack, shortcut: dict, client: WebClient, context: BoltContext, logger: Logger
                            ) -> None:
    """Anyone turns any message into an idea, crediting its author."""
    ack()
    message = shortcut.get("message", {})
    source = Source(
        channel_id=shortcut.get("channel", {}).get("id"),
        message_ts=message.get("ts"),
        author_id=_person_who_wrote(message, context.bot_user_id),
    )
    d, text = deps(context), message.get("text")
    if source.author_id is not None and isinstance(text, str) and text.strip():
        # A person's words are their text (a link's preview, an attachment, is not theirs), as Slack sent it:
        # its tokens are read before its entities are undone, so `<https://x|y>` typed is not taken for a link.
        ask, from_message = as_shown(client, d, context.team_id, text, logger), False
    else:  # an integration's or a workflow's words may sit in attachments or blocks alone: read as a feed is
        ask, from_message = feedback_text(message), True
    open_intake(client, d, shortcut, ask=ask, source=source, team_id=context.team_id,
                user_id=context.user_id, logger=logger, from_message=from_message)


def as_shown(client: WebClient, d: Deps, team_id: str, slack_text: str, logger: Logger) -> str:
    """A person's message as Slack sent it (entities and tokens), as the channel showed it: its tokens are read
    (people and channels by name) before its entities are undone, so a `<https://x|y>` typed stays as typed."""
    slack_text = slack_text.replace("\x00", "")
    return typed_text(slack_text, d.names.of(client, team_id, unnamed(slack_text), logger))


def _person_who_wrote(message: dict, bot_user_id: str | None) -> str | None:
    """The person a message is credited to, or None for a bot's, an integration's or a workflow's (which
    carry a bot user's id too), or Slackbot's (which carry no bot_id): no person is behind those, so the one
    who pressed is the requester."""
    user = message.get("user")
    if not isinstance(user, str) or message.get("bot_id") or message.get("subtype") == "bot_message" \
            or user in (bot_user_id, SLACKBOT):
        return None
    return user


def intake_submission_callback(ack: Ack, view: dict, client: WebClient, context: BoltContext, logger: Logger
                               ) -> None:
    d = deps(context)
    state = read_intake(view)
    if state.insights:  # only a PM's form could carry them: a forged one links nothing
        said = standing(client, d, team(d, context.team_id), context.team_id, context.user_id, logger, waiting=True)
        if said is Standing.UNSURE:  # a PM's, most likely: kept open, with all that was typed, to try again
            ack(response_action="errors", errors=_on_blocks({"outcome": SLACK_UNSURE}, state.version))
            return
        if said.refused:
            state = replace(state, insights=())
    with d.sessions() as session:
        kept = load_draft(session, context.team_id, state.draft)
        objectives = objective_choices(session, context.team_id)
    state = with_kept_source(state, kept)
    values = _whole_ask(state.values, kept.get("ask"))
    draft = IdeaDraft.from_values(values)
    errors = validate(draft, ask_limit=max(FIELDS["ask"].max_chars, len(values.get("ask") or "")))
    if errors:
        ack(response_action="errors", errors=_on_blocks(errors, state.version))
        return
    if not state.checked and reads_like_output(draft.outcome):
        # Once, gently: the same form again with a word under the outcome; submitting again keeps it.
        again = replace(state, checked=True, suggestion=kept.get("suggestion"))
        ack(response_action="update", view=intake_modal(state=again, coaching=rewrite_hint(draft.outcome),
                                                               objectives=objectives))
        return
    linked = False
    try:
        with changing(d) as session:
            idea, created = submit_idea(
                session, team_id=context.team_id, submitter_id=context.user_id, draft=draft, source=state.source,
                submission_id=view["id"], objective_id=read_objective(state.values.get("objective")),
            )
            linked = created and from_feedback(session, idea, state.insights, context.user_id)
            if created and state.insights and not linked:  # another PM attached them meanwhile
                went = feedback.get_insight(session, context.team_id, state.insights[0])
                outbox.owe(session, context.team_id, outbox.post(context.user_id, {
                    "text": sorted_meanwhile(idea.id, went and went.idea_id, deleted=went is None)}))
            if created:
                outbox.owe(session, context.team_id, outbox.job("announce", {"idea": idea.id}))
    except IntegrityError:
        # The same form delivered twice at once: the other delivery stored it, and this one is answered alike.
        with d.sessions() as session:
            stored = find_submission(session, context.team_id, view["id"])
        if stored is None:
            logger.exception("could not store an idea from view %s", view.get("id"))
            ack(response_action="errors", errors=_on_blocks({"outcome": SAVE_FAILED}, state.version))
            return
    except SQLAlchemyError:
        logger.exception("could not store an idea from view %s", view.get("id"))
        # The modal stays open with everything typed, so nothing is lost.
        ack(response_action="errors", errors=_on_blocks({"outcome": SAVE_FAILED}, state.version))
        return
    ack()
    if linked:  # the PM's inbox lost what became this idea
        with d.sessions() as session:
            d.sender.soon(context.team_id, home_of(session, d, context.team_id, context.user_id, True))


def from_feedback(session: Session, idea: Idea, insights: tuple[int, ...], by: str) -> bool:
    """The inbox requests the idea was made from become its first customer mentions (those not attached to
    another idea meanwhile); its source is the message the form quoted, the newest."""
    made_from = feedback.made_into_idea(session, idea.team_id, list(insights))
    if made_from:
        feedback.became(session, made_from, idea, by, utcnow())
        quoted = next((i.permalink for i in reversed(made_from) if i.permalink), None)
        idea.source_permalink = idea.source_permalink or quoted
    return bool(made_from)


def _whole_ask(values: dict[str, str | None], whole: object) -> dict[str, str | None]:
    """The ask as typed, or, when the person left the start of a longer ask as it was, all of it."""
    typed = values.get("ask") or ""
    if isinstance(whole, str) and typed and whole.startswith(typed.strip()) and len(whole) > len(typed):
        return {**values, "ask": whole}
    return values


def _on_blocks(errors: dict[str, str], version: int) -> dict[str, str]:
    """Field errors are addressed to block ids, which carry the form's version after the first."""
    return errors if version == 1 else {f"{name}.{version}": text for name, text in errors.items()}


def announce(d: Deps, job: Job) -> None:
    """Tells the submitter (with open ideas that look like theirs), the credited author, and the PMs."""
    with d.sessions() as session:
        idea = get_idea(session, job.team_id, int(job.payload["idea"]))
        pool = open_ideas(session, job.team_id, excluding=idea.id, about=[idea_text(idea)]) if idea is not None else []
    if idea is None:
        with d.sessions.begin() as session:
            job.finish(session)
        return
    permalink = None
    if idea.source_message_ts is not None and idea.source_channel_id is not None and not idea.source_permalink:
        permalink = calls.permalink(job.client(), idea.source_channel_id, idea.source_message_ts)
    coach = d.coach
    matches = looks_like(idea, pool, coach and coach.same_need, coach and coach.embed) if pool else []
    with changing(d) as session:
        if permalink:
            remember_permalink(session, idea.id, permalink)
        if matches:
            remember_looks_like(session, idea.id, matches[0].idea.id)
        idea = get_idea(session, job.team_id, idea.id)
        config = team_config(session, job.team_id, d.settings)
        outbox.owe(session, job.team_id, *notify.new_idea(idea, [m.idea for m in matches], config))
        job.finish(session)
