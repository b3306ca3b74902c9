"""Block actions: one small listener per action id, all registered from one table."""

from __future__ import annotations

import inspect

from handlers.listeners import actions
from slackui.blocks import common

ACTION_IDS = {v for k, v in vars(common).items() if k.startswith("ACTION_")}


def test_every_action_csf_posts_has_exactly_one_listener() -> None:
    served = [entry.action_id for entry in actions.LISTENERS]
    assert sorted(served) == sorted(ACTION_IDS)


def test_listeners_are_small_and_registration_is_a_loop() -> None:
    for entry in actions.LISTENERS:
        lines = inspect.getsource(entry.listener).splitlines()
        assert len(lines) <= 30, f"{entry.listener.__name__} has {len(lines)} lines"
    assert len(inspect.getsource(actions.register).splitlines()) <= 5


def test_only_the_note_button_skips_the_pool() -> None:
    # Its modal's trigger id expires 3 s after the click: it cannot wait behind answers.
    unqueued = [entry.action_id for entry in actions.LISTENERS if not entry.queued]
    assert unqueued == [common.ACTION_NOTE]
