"""The Bolt app factory and the two ways to run it (entry module: it may import everything).

HTTP mode serves `/slack/events` through gunicorn (threads, not Bolt's development server);
Socket Mode needs no public URL and is used whenever `SLACK_APP_TOKEN` is set.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.logs import RedactingFilter
from bot.runtime import load_runtime
from bot.sources.github.http import GitHubError, GitHubHTTP
from bot.sources.github.records import GitHubSource
from handlers import register_listeners
from handlers.access import GroupMembers
from handlers.context import AppContext
from handlers.http_edge import WSGIApp, guarded
from handlers.slack_links import PullAuthorLookup
from handlers.task_queue import TaskQueue
from slackui.web import slack_from_terminal, web_client

log = logging.getLogger("csf.app")
EVENTS_PATH = "/slack/events"
LISTENER_THREADS = 64


def build_context(settings: Settings) -> AppContext:
    """Everything the listeners share, from the settings: the runtime, GitHub, the task queue."""
    return AppContext(
        **load_runtime(settings).parts(),
        pull_author=_pull_author(settings),
        tasks=TaskQueue(settings.answer_threads),
        group_members=group_members(settings),
    )


# Answers that will not change by asking again: the group is gone, or csf may not read it.
_NO_MEMBERS = {
    "no_such_subteam",
    "subteam_not_found",
    "missing_scope",
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
}


def group_members(settings: Settings) -> GroupMembers | None:
    """Membership of the user groups in CSF_ALLOWED_USERS, read through the Web API."""
    if not settings.allowed_groups or settings.slack_bot_token is None:
        return None
    # No retries and a short timeout: the lookup runs before a listener hands its work over,
    # and GroupMembers keeps the last answer when Slack cannot be asked.
    client = web_client(settings, max_retries=0, timeout=3)

    def fetch(group: str) -> list[str]:
        try:
            return list(client.usergroups_users_list(usergroup=group)["users"])
        except SlackApiError as error:
            if error.response.get("error") in _NO_MEMBERS:
                log.warning("user group %s: %s; nobody gets in through it", group, error)
                return []
            raise

    return GroupMembers(fetch)


def _pull_author(settings: Settings) -> PullAuthorLookup | None:
    """Who opened a linked PR csf has not synced; only with a GitHub token (no anonymous calls)."""
    if settings.github_token is None:
        return None
    token = settings.github_token.get_secret_value()

    def lookup(full_name: str, number: int) -> str | None:
        try:
            with GitHubHTTP(settings.github_api_url, token) as http:
                return GitHubSource(http).pull_author(full_name, number)
        except GitHubError as error:
            log.info("could not look up %s#%s: %s", full_name, number, error)
            return None

    return lookup


def create_app(ctx: AppContext, *, client: WebClient | None = None) -> App:
    """A Bolt app with every csf listener registered; signatures are always verified."""
    settings = ctx.settings
    if not settings.socket_mode:
        settings.require("slack_signing_secret", purpose="serving Slack over HTTP")
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = App(
        client=client or web_client(settings),
        signing_secret=secret,
        # Socket Mode messages arrive over an authenticated websocket and carry no signature.
        request_verification_enabled=secret is not None,
        process_before_response=False,  # ack first; listeners finish in Bolt's thread pool
        # The request thread waits for ack() from a pooled listener. Listeners ack and hand
        # their answers to ctx.tasks, so this pool is never held by answers being computed;
        # event listeners (a reaction's Web API reads) still run here, after Bolt's auto-ack.
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="csf-listener"
        ),
        logger=logging.getLogger("csf.bolt"),
    )
    register_listeners(app, ctx)
    return app


def wsgi_app(app: App, signing_secret: str | None = None) -> WSGIApp:
    """`/slack/events` for Slack, `/healthz` for the platform's health check, 404 otherwise.

    With the signing secret, requests too big, unsigned or malformed are turned away at the
    edge (handlers/http_edge.py) with 413, 401 or 400, never a 500 from inside Bolt.
    """
    bolt = guarded(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret, EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt(environ, start_response)

    return application


def serve(settings: Settings) -> None:
    """`csf run`: Socket Mode when an app token is set, else HTTP on $PORT under gunicorn."""
    # An ack waits for the GIL while an answer computes in the same process; a shorter switch
    # interval hands it over sooner (Slack gives up at 3 s).
    sys.setswitchinterval(0.001)
    ctx = build_context(settings)  # refuses an unmigrated store first: the most common slip
    settings.require("slack_bot_token", purpose="csf run")
    # Each web process checks the token with auth.test as it boots; with no route to Slack,
    # gunicorn would log every worker's retries and a traceback and halt. One check here, first,
    # makes that one line that says what to fix.
    with slack_from_terminal(settings, "csf run"):
        web_client(settings, max_retries=1).auth_test()
    if settings.socket_mode:
        _socket_mode(ctx)
        return
    _gunicorn(ctx)


def _socket_mode(ctx: AppContext) -> None:
    """Hold one Socket Mode connection until SIGTERM/SIGINT; then acknowledge the envelopes in
    hand, disconnect, and answer everything acknowledged before returning."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert ctx.settings.slack_app_token is not None
    app = create_app(ctx)
    handler = SocketModeHandler(app, ctx.settings.slack_app_token.get_secret_value())
    stopping: list[int] = []  # appended to by the signal handler, which must take no locks

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("csf: Socket Mode")
    while not stopping:
        time.sleep(0.2)
    log.info("csf: stopping; answering what was already acknowledged")
    handler.client.message_workers.shutdown(wait=True)  # envelopes in hand get their acks
    handler.close()  # type: ignore[no-untyped-call]
    drain(app, ctx)


def drain(app: App, ctx: AppContext) -> None:
    """Finish what was acknowledged: listeners still handing work over, then the answers."""
    app.listener_runner.listener_executor.shutdown(wait=True)
    ctx.tasks.drain()


def _gunicorn(ctx: AppContext) -> None:
    from gunicorn.app.base import BaseApplication

    settings = ctx.settings

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{settings.bind}:{settings.port}")
            # Answers are CPU-bound Python: processes, not threads, are what use more cores.
            self.cfg.set("workers", settings.web_processes)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", settings.web_workers)
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", None)
            self.cfg.set("logger_class", redacting_gunicorn_logger())

        def load(self) -> WSGIApp:
            # In each worker process, after the fork: drop the connections inherited from the
            # parent's migration check (a connection must never be shared by two processes),
            # then build the Bolt app and its Web API client here.
            ctx.engine.dispose(close=False)
            app = create_app(ctx)
            # Called in the worker once it has stopped taking requests, before the interpreter
            # shuts down (after that, nothing new can be scheduled): answer what was acked.
            self.cfg.set("worker_exit", lambda _arbiter, _worker: drain(app, ctx))
            secret = settings.slack_signing_secret
            return wsgi_app(app, secret.get_secret_value() if secret else None)

    log.info(
        "csf: HTTP on %s port %s at %s, %s processes",
        settings.bind,
        settings.port,
        EVENTS_PATH,
        settings.web_processes,
    )
    Server().run()


def redacting_gunicorn_logger() -> type:
    """gunicorn's logger class with the redaction filter on its own handlers.

    gunicorn logs through handlers of its own that never reach the root logger, so a worker's
    crash report (which can quote a request's headers) would otherwise print secrets.
    """
    from gunicorn.glogging import Logger

    class RedactingLogger(Logger):  # type: ignore[misc]
        def setup(self, cfg: object) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                        handler.addFilter(RedactingFilter())

    return RedactingLogger
