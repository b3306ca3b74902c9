"""Modal submissions: notes on a shortlisted person."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.shortlist.saves import add_note, claim_event, find_candidate, note_problem, save
from handlers.context import AppContext
from handlers.guard import REFUSAL, guard, persist
from handlers.replies import asker_of, publish_home
from slackui.blocks.shortlist import NOTE_BLOCK, NOTE_INPUT, NOTE_MODAL


def register(app: App, ctx: AppContext) -> None:
    @app.view(NOTE_MODAL)
    def note_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Everything a person can fix is checked in the ack (`response_action: errors` keeps
        the modal open with the message under the field); once acked, the note is stored once
        per modal, however often it is submitted, and a store that stays busy is said in a DM.
        """
        asker = asker_of(body)
        values = view.get("state", {}).get("values", {})
        text = str((values.get(NOTE_BLOCK, {}).get(NOTE_INPUT) or {}).get("value") or "")
        metadata = str(view.get("private_metadata") or "")
        problem = None
        if not ctx.allowed(asker.user_id, None):
            problem = REFUSAL
        elif not metadata.isdigit() or not 0 < int(metadata) < 2**63:
            problem = "This form is from an older csf: close it and add the note again."
        elif not text.strip():
            problem = "Write a note, or press Cancel."
        elif (wrong := note_problem(text)) is not None:
            problem = wrong[0].upper() + wrong[1:] + "."
        if problem is not None:
            ack(response_action="errors", errors={NOTE_BLOCK: problem})
            return
        ack()
        person_id = int(metadata)
        key = f"note:{asker.team_id}:{view.get('id') or view.get('hash') or person_id}"

        def tell(message: dict[str, Any]) -> None:
            client.chat_postMessage(channel=asker.user_id, **message)

        def store() -> bool:
            with ctx.session() as session:
                if not claim_event(session, key):
                    return False  # the same modal submitted twice: one note
                candidate = find_candidate(session, asker.team_id, person_id)
                if candidate is None:  # a note saves the person too: notes live on the shortlist
                    outcome = save(
                        session, asker.team_id, person_id, saved_by=asker.user_id, source="note"
                    )
                    candidate = outcome.candidate
                    session.flush()
                add_note(session, candidate, text, author=asker.user_id)
                return True

        with guard(tell, what="note"):
            if persist(store):
                publish_home(ctx, client, asker)
