"""Posting a digest to Slack exactly once per (team, channel, period).

The claim comes before the post: a `DigestRun` row, unique per team, channel and period end, is
inserted and committed (with the entries it will show) before the first message is sent. A
second trigger, a restarted worker or a second worker finds the row and sends nothing. After
each message the row (or the entry) records its ts in a short transaction of its own, which also
refreshes the claim; a claim left "posting" past the lease (its worker died) or marked "failed"
is taken over by the next trigger, which sends only what is still missing, from the stored
entries.

Slack has no idempotency key, and a message can be stored by Slack while its answer is lost (a
500 after the write, a dropped connection, a worker killed before the ts was saved). So every
message carries a marker in its metadata (`csf_digest`: run and part), posts are never re-sent
blindly (only a 429, which Slack did not act on, is retried by the client), and before any
re-send, after an unclear failure or when taking over a run, the channel's history (the header)
or the thread (an entry) is searched for the marker: a message found there is recorded, not
sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.errors import CsfError
from bot.ranking.who import person_view
from bot.reports.digest import Digest, Entry, Period, evidence_from_json, evidence_json
from bot.shortlist.saves import record_posted
from bot.store.models import DigestEntry, DigestRun, Person, utcnow
from bot.taxonomy.model import Taxonomy
from slackui.blocks.digest import entry_message, header_message
from slackui.web import without_blind_retries

log = logging.getLogger("csf.digest")
LEASE = timedelta(minutes=10)
EVENT_TYPE = "csf_digest"
ATTEMPTS = 4  # sends of one message, each after a search found it missing
SEARCH_PAGES = 10  # of 200 messages: a digest's thread, or a channel's day, is far smaller


class DigestPostError(CsfError):
    """Slack refused the digest (after retries); the run is marked failed and can be retried."""


@dataclass
class PostOutcome:
    run_id: int
    sent: int  # messages this call sent
    status: str  # the run's status afterwards: "posted", "posting" (elsewhere), "failed"
    note: str  # one line for people: what happened


def team_of(client: WebClient) -> str:
    """The Slack team (workspace) the bot token belongs to: the scheduled digest's team."""
    answer = client.auth_test()
    return str(answer["team_id"])


def post_digest(
    session: Session,
    client: WebClient,
    taxonomy: Taxonomy,
    digest: Digest,
    *,
    channel: str,
    lease: timedelta = LEASE,
    clock: Callable[[], datetime] = utcnow,
) -> PostOutcome:
    """Post `digest` to `channel` unless this team's digest for its period is there already."""
    run, note, resumed = _claim(session, digest, channel, clock(), lease)
    assert run.id is not None
    if note is not None:
        return PostOutcome(run.id, 0, run.status, note)
    shown = stored_digest(session, taxonomy, run, digest.period.zone)
    poster = _Poster(client, run.id, _since(run), search_first=resumed)
    sent = 0
    try:
        if run.message_ts is None:
            ts, where, new = poster.send("header", channel, None, header_message(shown))
            run.message_ts, run.thread_channel = ts, where
            _remember(session, run, run.message_ts, "digest", [e.person_id for e in shown.entries])
            _refresh(session, run, clock())
            sent += new
        assert run.thread_channel is not None
        for stored, entry in zip(_entries(session, run), shown.entries, strict=True):
            if stored.message_ts is not None:
                continue
            part = f"entry:{stored.id}"
            message = entry_message(entry)
            ts, _, new = poster.send(part, run.thread_channel, run.message_ts, message)
            stored.message_ts = ts
            session.add(stored)
            _remember(session, run, stored.message_ts, "digest_entry", [entry.person_id])
            _refresh(session, run, clock())
            sent += new
    except SlackApiError as error:
        session.rollback()
        reason = str(error.response.get("error") or error.response.status_code)
        run.status, run.error = "failed", reason[:500]
        session.add(run)
        session.commit()
        raise DigestPostError(
            f"Slack refused the digest for {channel}: {reason} (it will be retried)"
        ) from None
    except _UnclearPostError as unclear:
        session.rollback()
        run.status, run.error = "failed", str(unclear)[:500]
        session.add(run)
        session.commit()
        raise DigestPostError(
            f"Slack did not answer for the digest in {channel}: {unclear} (it will be retried)"
        ) from None
    run.status = "posted"
    session.add(run)
    session.commit()
    count = len(shown.entries)
    return PostOutcome(run.id, sent, run.status, f"posted to {channel}: {count} people")


def _claim(
    session: Session, digest: Digest, channel: str, now: datetime, lease: timedelta
) -> tuple[DigestRun, str | None, bool]:
    """The run to post, claimed by this call; or the existing run and why nothing is sent.

    The flag says the run was taken over: an earlier attempt may have reached Slack.
    """
    run = DigestRun(
        team_id=digest.team_id,
        period_start=digest.period.start,
        period_end=digest.period.end,
        status="posting",
        channel=channel,
        claimed_at=now,
    )
    try:
        session.add(run)
        session.flush()
        assert run.id is not None
        for entry in digest.entries:
            session.add(
                DigestEntry(
                    run_id=run.id,
                    person_id=entry.person_id,
                    ecosystem=entry.ecosystem,
                    topic=entry.topic,
                    score=entry.score,
                    reason=entry.reason,
                    evidence=[evidence_json(e) for e in entry.evidence],
                )
            )
        session.commit()
        return run, None, False
    except IntegrityError:
        session.rollback()
    existing = find_run(session, digest.team_id, channel, digest.period.end)
    assert existing is not None  # the row the insert collided with
    if existing.status == "posted":
        return existing, f"already posted to {channel} for this period; nothing sent", False
    claimed = existing.claimed_at
    if existing.status == "posting" and claimed is not None and now - claimed < lease:
        return existing, f"being posted to {channel} by another worker; nothing sent", False
    # Failed, or left half-posted by a worker that died: take it over, once.
    table = DigestRun.__table__  # type: ignore[attr-defined]
    taken = session.execute(
        sa.update(table)
        .where(
            table.c.id == existing.id,
            table.c.status == existing.status,
            table.c.claimed_at == claimed if claimed is not None else table.c.claimed_at.is_(None),
        )
        .values(status="posting", claimed_at=now, error=None)
    )
    session.commit()
    session.refresh(existing)
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return existing, f"being posted to {channel} by another worker; nothing sent", False
    log.info("taking over digest run %s (was %s)", existing.id, existing.status)
    return existing, None, True


def find_run(
    session: Session, team_id: str, channel: str, period_end: datetime
) -> DigestRun | None:
    """The team's digest run for this channel and period, if one was claimed."""
    return session.exec(
        select(DigestRun).where(
            DigestRun.team_id == team_id,
            DigestRun.channel == channel,
            DigestRun.period_end == period_end,
        )
    ).first()


def _entries(session: Session, run: DigestRun) -> list[DigestEntry]:
    return list(
        session.exec(
            select(DigestEntry).where(DigestEntry.run_id == run.id).order_by(col(DigestEntry.id))
        )
    )


def _remember(session: Session, run: DigestRun, ts: str, kind: str, people: list[int]) -> None:
    assert run.thread_channel is not None
    record_posted(
        session,
        team_id=run.team_id,
        channel=run.thread_channel,
        ts=ts,
        kind=kind,
        person_ids=people,
        thread_ts=run.message_ts if kind == "digest_entry" else None,
    )


def _refresh(session: Session, run: DigestRun, now: datetime) -> None:
    """Save progress and renew the claim, in one short transaction."""
    run.claimed_at = now
    session.add(run)
    session.commit()


def stored_digest(session: Session, taxonomy: Taxonomy, run: DigestRun, zone: str) -> Digest:
    """A digest as a run stored it: what it showed, with the people as they are now."""
    rows = _entries(session, run)
    people: dict[int, dict[str, Any]] = {}
    ids = sorted({row.person_id for row in rows})
    if ids:
        for person in session.exec(select(Person).where(col(Person.id).in_(ids))):
            assert person.id is not None
            people[person.id] = person_view(session, person)
    entries = []
    for row in rows:
        topic = taxonomy.topic(row.topic)
        eco = taxonomy.ecosystem(row.ecosystem)
        entries.append(
            Entry(
                person_id=row.person_id,
                ecosystem=row.ecosystem,
                ecosystem_name=eco.name if eco else row.ecosystem,
                topic=row.topic,
                topic_name=topic.name if topic else row.topic,
                score=row.score,
                reason=row.reason,
                evidence=[evidence_from_json(e) for e in row.evidence],
                person=people.get(row.person_id, {"id": row.person_id}),
            )
        )
    return Digest(run.team_id, Period(run.period_start, run.period_end, zone), entries)


class _UnclearPostError(Exception):
    """Slack may or may not have stored a message, and a search could not tell."""


def _since(run: DigestRun) -> str:
    """The `oldest` bound of a search: a little before the run was first created."""
    created = run.created_at
    return f"{created.timestamp() - 300:.6f}"


class _Poster:
    """Sends each digest message at most once, searching Slack before any re-send."""

    def __init__(self, client: WebClient, run_id: int, since: str, *, search_first: bool):
        self.reader = client  # reads may be retried freely
        self.writer = without_blind_retries(client)
        self.run_id = run_id
        self.since = since
        self.search_first = search_first

    def send(
        self, part: str, channel: str, thread_ts: str | None, message: dict[str, Any]
    ) -> tuple[str, str, bool]:
        """(ts, channel ID, whether this call sent it) of the message for `part`."""
        marker = {"event_type": EVENT_TYPE, "event_payload": {"run": self.run_id, "part": part}}
        if self.search_first:
            found = self._search(marker, channel, thread_ts)
            if found is not None:
                return (*found, False)
        for attempt in range(ATTEMPTS):
            try:
                answer = self.writer.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=marker,
                    **message,
                )
                return str(answer["ts"]), str(answer["channel"]), True
            except SlackApiError as error:
                if error.response.status_code < 500:
                    raise  # a refusal: Slack stored nothing
                reason = f"HTTP {error.response.status_code}"
            except (OSError, SlackRequestError) as error:  # dropped, reset or timed out
                reason = type(error).__name__
            log.warning("digest %s %s: %s; searching Slack before re-sending", self.run_id, part,
                        reason)  # fmt: skip
            time.sleep(min(2**attempt, 8) * 0.25)
            found = self._search(marker, channel, thread_ts)
            if found is not None:
                return (*found, False)
        raise _UnclearPostError(f"{part}: {reason} after {ATTEMPTS} tries")

    def _search(
        self, marker: dict[str, Any], channel: str, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """The message carrying `marker` if Slack holds it: the channel since the run began,
        or the header's thread. A search that fails says nothing, so the message is unclear.
        """
        if thread_ts is None and channel.startswith("#"):
            # History is read by channel ID only; with a #name the header cannot be looked
            # for, and re-sending it is the lesser harm (the README asks for the ID).
            log.warning("digest %s: cannot search %s by name; re-sending", self.run_id, channel)
            return None
        cursor = None
        try:
            for _ in range(SEARCH_PAGES):
                if thread_ts is None:
                    page = self.reader.conversations_history(
                        channel=channel, oldest=self.since, limit=200, cursor=cursor,
                        include_all_metadata=True,
                    )  # fmt: skip
                else:
                    page = self.reader.conversations_replies(
                        channel=channel, ts=thread_ts, oldest=self.since, limit=200,
                        cursor=cursor, include_all_metadata=True,
                    )  # fmt: skip
                for found in page.get("messages") or []:
                    held = found.get("metadata") or {}
                    if (held.get("event_type"), held.get("event_payload")) == (
                        marker["event_type"],
                        marker["event_payload"],
                    ):
                        log.info("digest %s %s: already in Slack", self.run_id, marker)
                        return str(found["ts"]), str(page.get("channel") or channel)
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except (SlackApiError, SlackRequestError, OSError) as error:
            raise _UnclearPostError(
                f"searching Slack for an earlier post failed: {error}"
            ) from None
        raise _UnclearPostError("searching Slack for an earlier post: too many messages")
