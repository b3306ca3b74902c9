"""Buttons and menus on csf's messages and in the App Home: one small listener per action.

Each listener reads the click and hands it to an answer in handlers/buttons.py or a
subcommand's module; `LISTENERS` says which action id each one serves, and `register` wraps
every one the same way: ack, check access, then run it under the guard in the task queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.shortlist.saves import claim_event, pipeline, record_posted, release_event
from bot.store.models import CandidateStatus
from handlers.answer import Asker, SendToAsker
from handlers.buttons import (
    held,
    mark_contacted,
    not_a_fit,
    note_label,
    person_id_of,
    set_pipeline_status,
    who_from_state,
)
from handlers.commands.forget import forget_person
from handlers.commands.map import map_for
from handlers.commands.outreach import outreach_answer
from handlers.commands.parse import parse
from handlers.commands.profile import profile_answer
from handlers.commands.registry import UsageError
from handlers.commands.save import save_people
from handlers.context import AppContext
from handlers.guard import guard, permitted, too_busy
from handlers.listeners.commands import upload_picture
from handlers.replies import asker_of, loading_modal, publish_home, reply_to
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
    ACTION_SAVED_MORE,
    ACTION_SHARE,
    ACTION_SHARE_MAP,
    ACTION_STATUS,
)
from slackui.blocks.outreach import parse_outreach_value
from slackui.blocks.people import notice
from slackui.blocks.shortlist import note_modal, parse_saved_more, saved_message


@dataclass
class Click:
    """One button press or menu choice, with the ways to answer it."""

    body: dict[str, Any]
    asker: Asker
    reply: SendToAsker  # to the person who clicked, wherever they clicked
    respond: Respond  # the message's response URL (replace it, or post in the channel)
    client: WebClient

    @property
    def value(self) -> str:
        actions = self.body.get("actions") or [{}]
        return str(actions[0].get("value"))

    @property
    def selected(self) -> str:
        actions = self.body.get("actions") or [{}]
        return str((actions[0].get("selected_option") or {}).get("value", ""))

    def person_id(self) -> int:
        actions = self.body.get("actions") or [{}]
        return person_id_of(actions[0].get("value"))

    def where(self) -> str | None:
        """The clicked message as `channel/ts`, recorded as where a save came from."""
        container = self.body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        return f"{channel}/{ts}" if channel and ts else None

    def replace_original(self, message: dict[str, Any]) -> None:
        self.respond(response_type="ephemeral", replace_original=True, **message)


ActionListener = Callable[[AppContext, Click], None]


def on_save(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        message = save_people(
            session, [click.person_id()], click.asker, source="button", source_ref=click.where()
        )
    click.reply(message)
    publish_home(ctx, click.client, click.asker)


def on_not_a_fit(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        message = not_a_fit(session, click.person_id(), click.asker)
    click.reply(message)
    publish_home(ctx, click.client, click.asker)


def on_profile(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        message = profile_answer(ctx, session, held(session, click.person_id())).message
    click.reply(message)


def on_outreach(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        click.reply(outreach_answer(ctx, session, held(session, click.person_id())).message)


def on_another_angle(ctx: AppContext, click: Click) -> None:
    wanted = parse_outreach_value(click.value)
    if wanted is None:
        raise UsageError("that button is from an older csf; ask for the draft again")
    with ctx.session() as session:
        answer = outreach_answer(
            ctx,
            session,
            held(session, wanted.person_id),
            template=wanted.template,
            angle=wanted.angle,
            role=wanted.role,
        )
    if click.body.get("response_url"):
        click.replace_original(answer.message)
    else:
        click.reply(answer.message)


def on_mark_contacted(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        message = mark_contacted(session, click.person_id(), click.asker)
    click.reply(message)
    publish_home(ctx, click.client, click.asker)


def on_more(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        answer = who_from_state(ctx, session, click.value, click.asker)
    click.replace_original(answer.message)


def on_share(ctx: AppContext, click: Click) -> None:
    """Post the page to the channel (through the response URL where csf is not a member)."""
    _once(ctx, click, "This page of the answer is already shared in the channel.", _share)


def on_share_map(ctx: AppContext, click: Click) -> None:
    """Post the map's text and its picture in the channel, once."""
    _once(ctx, click, "This map is already shared in the channel.", _share_map)


@dataclass
class Shared:
    """Whether a share's text is in the channel: from then on its claim is kept, whatever
    fails after (the picture, recording the post), so no click posts it twice."""

    posted: bool = False


ShareListener = Callable[[AppContext, Click, Shared], None]


def _once(ctx: AppContext, click: Click, already: str, share: ShareListener) -> None:
    """Run `share` once per button of one message.

    A double click (or two clicks racing in two processes) posts once, and the second click
    is told `already`. A share that fails before its text is posted gives the claim back, so a
    new click can try again; one that fails after keeps it.
    """
    asker = click.asker
    where = click.where() or click.body.get("response_url")
    key = "share:" + hashlib.sha256(f"{asker.team_id}\n{where}\n{click.value}".encode()).hexdigest()
    with ctx.session() as session:
        claimed = claim_event(session, key)
        session.commit()
    if not claimed:
        click.reply(notice(already))
        return
    shared = Shared()
    try:
        share(ctx, click, shared)
    except BaseException:
        if not shared.posted:
            with ctx.session() as session:
                release_event(session, key)
                session.commit()
        raise


def _share(ctx: AppContext, click: Click, shared: Shared) -> None:
    asker = click.asker
    with ctx.session() as session:
        answer = who_from_state(ctx, session, click.value, asker, shared=True)
    posted = _post_shared(click, answer.message, shared)
    if posted is None:
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


def _share_map(ctx: AppContext, click: Click, shared: Shared) -> None:
    with ctx.session() as session:
        answer = map_for(ctx, session, parse(click.value), click.asker, shared=True)
    posted = _post_shared(click, answer.message, shared)
    if answer.picture is None:
        return
    if posted is None:
        click.reply(notice(PICTURE_NOT_SHARED.format(reason="csf is not in this channel")))
        return
    try:
        upload_picture(
            click.client, answer.picture, str(posted["channel"]), thread_ts=str(posted["ts"])
        )
    except SlackApiError as error:
        reason = str(error.response.get("error") or error.response.status_code)
        click.reply(notice(PICTURE_NOT_SHARED.format(reason=reason)))


PICTURE_NOT_SHARED = "The map's picture could not be shared ({reason}); its numbers are."


def _post_shared(click: Click, message: dict[str, Any], shared: Shared) -> dict[str, Any] | None:
    """Post `message` in the clicked channel, saying who shared it; None where csf could only
    post through the response URL (it is not a member, or the click came from the App Home).
    Either way, `shared` is marked posted once the message is there."""
    message = dict(message)
    message["text"] = f"<@{click.asker.user_id}> shared: {message['text']}"
    try:
        # No channel (an App Home click) is omitted by slack_sdk; Slack answers
        # channel_not_found, and the response URL below takes over.
        posted = click.client.chat_postMessage(channel=click.asker.channel_id, **message)  # type: ignore[arg-type]
    except SlackApiError as error:
        if error.response.get("error") not in ("not_in_channel", "channel_not_found"):
            raise
        click.respond(response_type="in_channel", replace_original=False, **message)
        shared.posted = True
        return None
    shared.posted = True
    return {"channel": posted["channel"], "ts": posted["ts"]}


def on_saved_more(ctx: AppContext, click: Click) -> None:
    wanted = parse_saved_more(click.value)
    if wanted is None:
        raise UsageError("that button is from an older csf; ask `/csf saved` again")
    status, page = wanted
    with ctx.session() as session:
        entries = pipeline(session, click.asker.team_id, CandidateStatus(status))
        message = saved_message(entries, status, page=page)
    click.replace_original(message)


def on_forget(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        message = forget_person(ctx, session, click.value, click.asker)
    click.replace_original(message)
    publish_home(ctx, click.client, click.asker)


def on_status(ctx: AppContext, click: Click) -> None:
    with ctx.session() as session:
        set_pipeline_status(session, click.selected, click.asker)
    publish_home(ctx, click.client, click.asker)


def on_note(ctx: AppContext, click: Click) -> None:
    person_id = click.person_id()
    with ctx.session() as session:
        label = note_label(session, person_id)
    click.client.views_open(trigger_id=click.body["trigger_id"], view=note_modal(person_id, label))


@dataclass(frozen=True)
class Listener:
    """Which action a listener serves, what the logs call it, and where it runs.

    `queued=False` runs it in Bolt's listener thread at once, for work that must beat a
    deadline (a modal's trigger id expires 3 s after the click); the rest go to the task queue.
    """

    action_id: str
    what: str
    listener: ActionListener
    queued: bool = True
    # Answers that show a whole message (a profile, a draft): clicked in the App Home, where
    # there is no response URL, they go to a modal, opened at once as "loading" (the trigger id
    # dies 3 s after the click, long before a busy queue reaches the work) and filled in after.
    modal: bool = False


LISTENERS = (
    Listener(ACTION_SAVE, "save button", on_save),
    Listener(ACTION_NOT_A_FIT, "not-a-fit button", on_not_a_fit),
    Listener(ACTION_PROFILE, "profile button", on_profile, modal=True),
    Listener(ACTION_OUTREACH, "outreach button", on_outreach, modal=True),
    Listener(ACTION_ANOTHER_ANGLE, "another-angle button", on_another_angle),
    Listener(ACTION_MARK_CONTACTED, "mark-contacted button", on_mark_contacted),
    Listener(ACTION_MORE, "more button", on_more),
    Listener(ACTION_SHARE, "share button", on_share),
    Listener(ACTION_SHARE_MAP, "share-map button", on_share_map),
    Listener(ACTION_FORGET, "forget button", on_forget),
    Listener(ACTION_SAVED_MORE, "saved more button", on_saved_more),
    Listener(ACTION_STATUS, "status menu", on_status),
    Listener(ACTION_NOTE, "note button", on_note, queued=False),
)


def register(app: App, ctx: AppContext) -> None:
    for entry in LISTENERS:
        app.action(entry.action_id)(_bolt_listener(ctx, entry))


def _bolt_listener(ctx: AppContext, entry: Listener) -> Callable[..., None]:
    """The Bolt listener for one entry: ack, check access, run it under the guard."""

    def handle(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        asker = asker_of(body)
        reply = reply_to(body, respond, client)
        if not permitted(ctx, asker, reply, what=entry.what):
            return
        if entry.modal and not body.get("response_url") and body.get("trigger_id"):
            reply = loading_modal(client, body["trigger_id"], entry.what, reply)
        click = Click(body, asker, reply, respond, client)

        def run() -> None:
            with guard(reply, what=entry.what):
                entry.listener(ctx, click)

        if not entry.queued:
            run()
            return
        # After the ack, in the task queue: see handlers/listeners/commands.py.
        ctx.tasks.submit(run, busy=too_busy(reply))

    return handle
