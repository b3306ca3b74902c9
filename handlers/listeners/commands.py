"""`/csf`: acknowledge at once, then answer through the response URL (ephemeral).

The answer is computed in the context's task queue, not in Bolt's listener thread, so the acks
of other requests never wait behind it (handlers/task_queue.py).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.answer import Asker, Picture
from handlers.commands import answer_command, parse
from handlers.context import AppContext
from handlers.guard import guard, permitted, too_busy


def register(app: App, ctx: AppContext) -> None:
    @app.command("/csf")
    def csf(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()  # Slack shows an error after 3 s; the answer follows through respond()
        asker = Asker(
            team_id=str(command.get("team_id") or ""),
            user_id=str(command.get("user_id") or ""),
            channel_id=command.get("channel_id"),
        )

        def reply(message: dict[str, Any]) -> None:
            respond(response_type="ephemeral", **message)

        if not permitted(ctx, asker, reply, what="/csf"):
            return
        text = str(command.get("text") or "")

        def answer() -> None:
            with guard(reply, what="/csf " + text[:40]):
                parsed = parse(text)
                with ctx.session() as session:
                    result = answer_command(ctx, session, parsed, asker)
                reply(result.message)
                if result.picture is not None:
                    send_picture(client, asker, result.picture, reply)

        ctx.tasks.submit(answer, busy=too_busy(reply))


def send_picture(client: WebClient, asker: Asker, picture: Picture, reply: Any) -> None:
    """Upload `picture` into the asker's direct messages with csf (files:write, im:write).

    The text answer has already gone; if Slack refuses the file, one line says so and the
    numbers in the text stand on their own.
    """
    try:
        opened = client.conversations_open(users=asker.user_id)
        upload_picture(client, picture, str(opened["channel"]["id"]))
    except SlackApiError as error:
        reason = str(error.response.get("error") or error.response.status_code)
        reply(
            {
                "text": f"The map's picture could not be sent ({reason}); the numbers above are "
                "the same."
            }
        )


def upload_picture(
    client: WebClient, picture: Picture, channel: str, thread_ts: str | None = None
) -> None:
    """Upload `picture` into `channel` (in the thread of `thread_ts`), as files_upload_v2 does."""
    client.files_upload_v2(
        content=picture.content,
        filename=picture.filename,
        title=picture.title[:250],
        channel=channel,
        thread_ts=thread_ts,
    )
