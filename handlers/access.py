"""Members of the Slack user groups allowed to use csf (S-ids in CSF_ALLOWED_USERS).

A hiring team is usually a user group already (@talent), and people join and leave it: listing
the group beats copying its members into the settings. Membership is read from Slack
(`usergroups.users.list`) and kept a few minutes, so a check costs nothing on most requests and
someone added to the group is let in without a restart.

When Slack cannot be asked (down, rate limited) the last membership read stands, but only for
`stale_limit`, and Slack is asked again only after `retry`: a failing lookup must not hold every
request up. One lookup per group runs at a time. Nobody is let in through a group whose members
were never read, and a fetch that answers "no such group" (the app's fetch turns Slack's
definitive errors into no members) revokes access at once: a failure never opens csf.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger("csf.access")


@dataclass
class _Known:
    members: frozenset[str]
    read_at: float  # when Slack last answered
    failed_at: float | None = None  # when Slack last could not be asked, since then


class GroupMembers:
    def __init__(
        self,
        fetch: Callable[[str], Iterable[str]],
        *,
        ttl: float = 300.0,
        retry: float = 60.0,
        stale_limit: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._retry = retry
        self._stale_limit = stale_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, _Known] = {}
        self._fetching: dict[str, threading.Lock] = {}

    def members(self, group: str) -> frozenset[str]:
        """The group's members, as last read from Slack (re-read once `ttl` has passed)."""
        with self._lock:
            fetching = self._fetching.setdefault(group, threading.Lock())
        with fetching:  # one lookup per group at a time; the others then use its answer
            now = self._clock()
            with self._lock:
                known = self._known.get(group)
            if known is not None:
                if now - known.read_at < self._ttl:
                    return known.members
                if known.failed_at is not None and now - known.failed_at < self._retry:
                    return self._stale(known, now)
            try:
                members = frozenset(str(user) for user in self._fetch(group))
            except Exception as error:  # Slack down, rate limited: keep what we had, a while
                log.warning("could not read the members of user group %s: %s", group, error)
                with self._lock:
                    if known is None:
                        known = self._known[group] = _Known(frozenset(), read_at=float("-inf"))
                    known.failed_at = now
                return self._stale(known, now)
            with self._lock:
                self._known[group] = _Known(members, read_at=now)
            return members

    def _stale(self, known: _Known, now: float) -> frozenset[str]:
        return known.members if now - known.read_at < self._stale_limit else frozenset()
