"""Modal submissions: notes on a shortlisted person."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.shortlist.saves import add_note, find_candidate, save
from handlers.context import AppContext
from handlers.guard import guard, permitted
from handlers.replies import asker_of, publish_home
from slackui.blocks.shortlist import NOTE_BLOCK, NOTE_INPUT, NOTE_MODAL


def register(app: App, ctx: AppContext) -> None:
    @app.view(NOTE_MODAL)
    def note_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        asker = asker_of(body)
        values = view.get("state", {}).get("values", {})
        text = str((values.get(NOTE_BLOCK, {}).get(NOTE_INPUT) or {}).get("value") or "")
        if not text.strip():
            ack(response_action="errors", errors={NOTE_BLOCK: "Write a note, or press Cancel."})
            return
        ack()
        if not permitted(ctx, asker, None, what="note"):
            return
        with guard(lambda _m: None, what="note"):
            person_id = int(view.get("private_metadata") or 0)
            with ctx.session() as session:
                candidate = find_candidate(session, asker.team_id, person_id)
                if candidate is None:  # a note saves the person too: notes live on the shortlist
                    outcome = save(
                        session, asker.team_id, person_id, saved_by=asker.user_id, source="note"
                    )
                    candidate = outcome.candidate
                    session.flush()
                add_note(session, candidate, text, author=asker.user_id)
            publish_home(ctx, client, asker)
