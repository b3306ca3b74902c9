"""What every Slack listener needs, handed in by the app factory rather than reached as globals.

The core's `Runtime` (settings, engine, taxonomy, ranking weights, clock, sessions) plus what
is the Slack face's own. Tests build one around a temporary store and a fake clock; `csf run`
builds one from settings (handlers/app.py, `build_context`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.runtime import Runtime
from handlers.access import GroupMembers
from handlers.slack_links import PullAuthorLookup
from handlers.task_queue import TaskQueue


@dataclass
class AppContext(Runtime):
    pull_author: PullAuthorLookup | None = None  # GitHub lookup for PR links not yet synced
    tasks: TaskQueue = field(default_factory=TaskQueue)  # where work after an ack runs
    group_members: GroupMembers | None = None  # Slack user groups' members, for the allow-list

    def allowed(self, user_id: str | None, channel_id: str | None) -> bool:
        """Whether this user, in this channel, may use csf (CSF_ALLOWED_USERS/CHANNELS)."""
        users = self.settings.user_allowlist
        if users is not None and user_id not in users and not self._in_allowed_group(user_id):
            return False
        channels = self.settings.channel_allowlist
        # Direct messages (D…) and the App Home carry no team channel: the user check governs.
        return not (
            channels is not None
            and channel_id
            and not channel_id.startswith("D")
            and channel_id not in channels
        )

    def _in_allowed_group(self, user_id: str | None) -> bool:
        if not user_id or self.group_members is None:
            return False
        groups = sorted(self.settings.allowed_groups)
        return any(user_id in self.group_members.members(group) for group in groups)
