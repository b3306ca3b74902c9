"""Members of the Slack user groups allowed to use csf (S-ids in CSF_ALLOWED_USERS).

A hiring team is usually a user group already (@talent), and people join and leave it: listing
the group beats copying its members into the settings. Membership is read from Slack
(`usergroups.users.list`) and kept a few minutes, so a check costs nothing on most requests and
someone added to the group is let in without a restart. When Slack cannot be asked, the last
membership read stands; with none read yet, nobody is let in through the group (a failure
never opens csf to everyone).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger("csf.access")
MEMBERS_TTL_SECONDS = 300.0


class GroupMembers:
    def __init__(
        self,
        fetch: Callable[[str], Iterable[str]],
        *,
        ttl: float = MEMBERS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, frozenset[str]]] = {}  # group -> (read at, members)

    def members(self, group: str) -> frozenset[str]:
        """The group's members, as last read from Slack (re-read once `ttl` has passed)."""
        now = self._clock()
        with self._lock:
            known = self._known.get(group)
        if known is not None and now - known[0] < self._ttl:
            return known[1]
        try:
            members = frozenset(str(user) for user in self._fetch(group))
        except Exception as error:  # Slack down, rate limited, group deleted: keep what we had
            log.warning("could not read the members of user group %s: %s", group, error)
            return known[1] if known is not None else frozenset()
        with self._lock:
            self._known[group] = (now, members)
        return members
