"""Buttons and menus on csf's messages and in the App Home."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.people.view import PersonView
from bot.shortlist.saves import find_candidate, mark, parse_status, record_posted, set_status
from bot.store.models import CandidateStatus, Person
from handlers.answers import (
    Asker,
    forget_person,
    not_a_fit,
    outreach_answer,
    profile_answer,
    save_people,
    who_from_state,
)
from handlers.command_text import UsageError
from handlers.context import AppContext
from handlers.guard import Reply, guard, permitted, too_busy
from handlers.replies import asker_of, publish_home, reply_to
from slackui.blocks.common import (
    ACTION_ANOTHER_ANGLE,
    ACTION_FORGET,
    ACTION_MARK_CONTACTED,
    ACTION_MORE,
    ACTION_NOT_A_FIT,
    ACTION_NOTE,
    ACTION_OUTREACH,
    ACTION_PROFILE,
    ACTION_SAVE,
    ACTION_SHARE,
    ACTION_STATUS,
)
from slackui.blocks.mrkdwn import escape
from slackui.blocks.outreach import parse_outreach_value
from slackui.blocks.people import display_name, notice
from slackui.blocks.shortlist import note_modal

log = logging.getLogger("csf.slack")
Work = Callable[[dict[str, Any], Asker, Reply, Respond, WebClient], None]


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return dict(actions[0])


def _person_id(value: str | None) -> int:
    if not value or not value.split(":")[0].isdigit():
        raise UsageError("that button is from an older csf; run the query again")
    return int(value.split(":")[0])


def _held(session: Session, person_id: int) -> Person:
    """The person a button names; they may have been forgotten since the message was sent."""
    person = session.get(Person, person_id)
    if person is None:
        raise UsageError("csf no longer holds that person")
    return person


def _label(person: Person) -> str:
    return display_name(PersonView.from_person(person).as_dict())


def _where(body: dict[str, Any]) -> str | None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return f"{channel}/{ts}" if channel and ts else None


def register(app: App, ctx: AppContext) -> None:
    def listener(action_id: str, what: str, *, queued: bool = True) -> Callable[[Work], Work]:
        """Register a block action: ack, check access, queue `work` to run under the guard.

        `queued=False` runs it in the listener thread at once, for work that must beat a
        deadline (a modal's trigger id expires 3 s after the click).
        """

        def wrap(work: Work) -> Work:
            @app.action(action_id)
            def handle(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
                ack()
                asker = asker_of(body)
                reply = reply_to(body, respond, client)
                if not permitted(ctx, asker, reply, what=what):
                    return

                def run() -> None:
                    with guard(reply, what=what):
                        work(body, asker, reply, respond, client)

                if not queued:
                    run()
                    return
                # After the ack, in the answer pool: see handlers/listeners/commands.py.
                ctx.answers.submit(run, busy=too_busy(reply))

            return work

        return wrap

    @listener(ACTION_SAVE, "save button")
    def save(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, client: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            message = save_people(
                session, [person_id], asker, source="button", source_ref=_where(body)
            )
        reply(message)
        publish_home(ctx, client, asker)

    @listener(ACTION_NOT_A_FIT, "not-a-fit button")
    def reject(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, client: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            message = not_a_fit(session, person_id, asker)
        reply(message)
        publish_home(ctx, client, asker)

    @listener(ACTION_PROFILE, "profile button")
    def profile(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, _c: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            message = profile_answer(ctx, session, _held(session, person_id)).message
        reply(message)

    @listener(ACTION_OUTREACH, "outreach button")
    def outreach(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, _c: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            reply(outreach_answer(ctx, session, _held(session, person_id)).message)

    @listener(ACTION_ANOTHER_ANGLE, "another-angle button")
    def another_angle(
        body: dict[str, Any], asker: Asker, reply: Reply, respond: Respond, _c: WebClient
    ) -> None:
        wanted = parse_outreach_value(str(_action(body).get("value")))
        if wanted is None:
            raise UsageError("that button is from an older csf; ask for the draft again")
        with ctx.session() as session:
            answer = outreach_answer(
                ctx,
                session,
                _held(session, wanted.person_id),
                template=wanted.template,
                angle=wanted.angle,
                role=wanted.role,
            )
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=True, **answer.message)
        else:
            reply(answer.message)

    @listener(ACTION_MARK_CONTACTED, "mark-contacted button")
    def contacted(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, client: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            person = _held(session, person_id)
            mark(session, asker.team_id, person_id, CandidateStatus.CONTACTED, actor=asker.user_id)
            name = escape(_label(person))
        reply(notice(f"Moved *{name}* to Contacted; csf reminds you if nothing changes."))
        publish_home(ctx, client, asker)

    @listener(ACTION_MORE, "more button")
    def more(
        body: dict[str, Any], asker: Asker, reply: Reply, respond: Respond, _c: WebClient
    ) -> None:
        with ctx.session() as session:
            answer = who_from_state(ctx, session, str(_action(body).get("value")), asker)
        respond(response_type="ephemeral", replace_original=True, **answer.message)

    @listener(ACTION_SHARE, "share button")
    def share(
        body: dict[str, Any], asker: Asker, reply: Any, respond: Respond, client: Any
    ) -> None:
        value = str(_action(body).get("value"))
        with ctx.session() as session:
            answer = who_from_state(ctx, session, value, asker, shared=True)
        channel = asker.channel_id
        message = dict(answer.message)
        message["text"] = f"<@{asker.user_id}> shared: {message['text']}"
        try:
            posted = client.chat_postMessage(channel=channel, **message)
        except SlackApiError as error:
            if error.response.get("error") not in ("not_in_channel", "channel_not_found"):
                raise
            # csf is not a member here: post through the response URL instead.
            respond(response_type="in_channel", replace_original=False, **message)
            return
        with ctx.session() as session:
            record_posted(
                session,
                team_id=asker.team_id,
                channel=str(posted["channel"]),
                ts=str(posted["ts"]),
                kind="who",
                person_ids=answer.person_ids,
            )

    @listener(ACTION_FORGET, "forget button")
    def erase(
        body: dict[str, Any], asker: Asker, reply: Reply, respond: Respond, client: WebClient
    ) -> None:
        with ctx.session() as session:
            message = forget_person(ctx, session, str(_action(body).get("value")), asker)
        respond(response_type="ephemeral", replace_original=True, **message)
        publish_home(ctx, client, asker)

    @listener(ACTION_STATUS, "status menu")
    def status(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, client: WebClient
    ) -> None:
        selected = (_action(body).get("selected_option") or {}).get("value", "")
        person_id = _person_id(selected)
        new_status = parse_status(selected.partition(":")[2])
        with ctx.session() as session:
            candidate = find_candidate(session, asker.team_id, person_id)
            if candidate is None:
                raise UsageError("that person is no longer on the shortlist")
            set_status(session, candidate, new_status, actor=asker.user_id)
        publish_home(ctx, client, asker)

    @listener(ACTION_NOTE, "note button", queued=False)
    def note(
        body: dict[str, Any], asker: Asker, reply: Reply, _r: Respond, client: WebClient
    ) -> None:
        person_id = _person_id(_action(body).get("value"))
        with ctx.session() as session:
            person = _held(session, person_id)
            label = _label(person)
        client.views_open(trigger_id=body["trigger_id"], view=note_modal(person_id, label))
