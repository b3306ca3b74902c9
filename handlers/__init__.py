"""Slack listeners, thin: parse, call the core, render with slackui.blocks, respond.

Each module registers its listeners on the app; `register_listeners` is what the app factory
calls, handing in the `AppContext` so listeners never reach for globals.
"""

from __future__ import annotations

from slack_bolt import App

from handlers.context import AppContext
from handlers.listeners import actions, commands, events, views


def register_listeners(app: App, ctx: AppContext) -> None:
    for module in (commands, events, actions, views):
        module.register(app, ctx)
