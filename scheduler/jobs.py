"""The worker's jobs: sync tracked repos, post the weekly digest, send follow-up reminders.

Each job runs under its database lock (`bot.store.locks`), so a second worker started by
mistake skips instead of doing the work twice, and every failure is logged and left for the
job's next slot: nothing a job raises reaches the scheduler.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.config import Settings
from bot.ingest.loop import RepoSynced, sync_tracked
from bot.ingest.sync import SyncStopped
from bot.ingest.tracking import tracked_repos
from bot.people.communities import refresh_communities
from bot.people.regions import infer_regions
from bot.people.retention import prune
from bot.ranking.scores import keep_if_unchanged, prepare_answers
from bot.reports.digest import Period, compute_digest, period_ending
from bot.runtime import Runtime, load_runtime
from bot.shortlist.followup import claim_followup, due_followups
from bot.shortlist.saves import prune_events
from bot.sources.discourse import ForumClients, is_forum
from bot.sources.github.http import GitHubHTTP
from bot.sources.github.records import GitHubSource
from bot.store.locks import job_lock
from slackui.blocks.followup import followup_message
from slackui.digest_post import find_run, post_digest, team_of
from slackui.web import web_client

log = logging.getLogger("csf.worker")
# A digest slot missed by at most this much (a worker down on Monday morning) is posted when the
# worker is back; older slots are left to the next one. The same grace applies to misfires.
CATCH_UP = timedelta(days=1)


@dataclass
class WorkerContext(Runtime):
    """What the jobs share: the core's runtime and Slack (tests hand in a fake clock and Slack)."""

    slack: Callable[[], WebClient] | None = None
    # Set at SIGTERM: a running sync stops at its next committed page, or cuts short a wait
    # GitHub asked for, so the worker exits well inside a platform's 30 s grace.
    stopping: threading.Event = field(default_factory=threading.Event)

    def client(self) -> WebClient:
        return self.slack() if self.slack is not None else web_client(self.settings)

    def digest_trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.settings.digest_cron, timezone=self.settings.tz)


def worker_context(settings: Settings) -> WorkerContext:
    """The worker's context from the settings (refuses an unmigrated store)."""
    return WorkerContext(**load_runtime(settings).parts())


def guarded(
    ctx: WorkerContext, name: str, job: Callable[[WorkerContext], None]
) -> Callable[[], None]:
    """`job` under its lock; a failure is logged and the worker carries on."""

    def run() -> None:
        try:
            with job_lock(ctx.engine, name) as held:
                if not held:
                    log.info("%s: another worker is running it; skipped", name)
                    return
                job(ctx)
        except Exception:
            log.exception("%s failed; it runs again at its next slot", name)

    run.__name__ = f"csf_{name}"
    return run


# -- sync ---------------------------------------------------------------------------------------


def sync_job(ctx: WorkerContext) -> None:
    """What `csf sync` does, for every tracked repository and forum category; one failing repo
    spares the rest. Without a GitHub token only forum categories are synced."""
    token = ctx.settings.github_token

    def refresh(session: Session) -> str:
        infer_regions(session, enabled=ctx.settings.infer_region)
        refresh_communities(session)
        refreshed = keep_if_unchanged(session, ctx.taxonomy, ctx.ranking, as_of=ctx.clock())
        prepared = prepare_answers(
            session, ctx.taxonomy, ctx.ranking, should_stop=ctx.stopping.is_set
        )
        return "; ".join(filter(None, [refreshed.summary(), prepared.summary()]))

    def report(outcome: RepoSynced) -> None:
        if outcome.stats is not None:
            log.info("sync: %s", outcome.stats.summary())
            coverage = outcome.stats.coverage
            warning = coverage.warning() if coverage is not None else None
            if warning is not None:
                log.warning("sync: %s", warning)
        elif outcome.busy:
            log.info("sync: another sync of %s is running; skipped", outcome.repo)
        else:
            log.warning("sync: %s", outcome.error)

    def pause(seconds: float) -> None:
        """GitHub's waits (rate limits, Retry-After), cut short by a stop."""
        if ctx.stopping.wait(seconds):
            raise SyncStopped("stopped while waiting for GitHub")

    key = ctx.settings.discourse_api_key
    with (
        Session(ctx.engine) as session,
        GitHubHTTP(ctx.settings.github_api_url, token.get_secret_value(), sleep=pause)
        if token is not None
        else nullcontext() as http,
        ForumClients(
            api_url=ctx.settings.discourse_api_url,
            api_key=key.get_secret_value() if key is not None else None,
            api_username=ctx.settings.discourse_api_username,
            sleep=pause,
        ) as forums,
    ):
        repos = tracked_repos(session)
        if http is None:
            repos = [r for r in repos if is_forum(r.full_name)]
        run = sync_tracked(
            session,
            GitHubSource(http) if http is not None else None,
            ctx.taxonomy,
            refresh=refresh,
            forums=forums.for_forum,
            repos=repos,
            on_repo=report,
            should_stop=ctx.stopping.is_set,
        )
    if run.stopped is not None:
        log.info(
            "sync: %s; every page read so far is saved, and the next sync resumes from there",
            run.stopped,
        )
    elif run.refreshed is None:
        log.info("sync: no repositories tracked")
    else:
        log.info("sync: %s", run.refreshed)


# -- retention --------------------------------------------------------------------------------


def retention_job(ctx: WorkerContext) -> None:
    """Apply CSF_RETENTION_YEARS, and forget Slack event ids long past Slack's retries."""
    now = ctx.clock()
    with Session(ctx.engine) as session:
        report = prune(session, now=now, years=ctx.settings.retention_years)
        events = prune_events(session, now - timedelta(days=1))
        session.commit()
    log.info("retention: %s; %d handled event ids forgotten", report.summary(), events)


# -- the digest ---------------------------------------------------------------------------------


def latest_slot(trigger: CronTrigger, now: datetime, horizon: timedelta) -> datetime | None:
    """The last time the digest was due at or before `now` (looking back `horizon`)."""
    slot = None
    fire = trigger.get_next_fire_time(None, now - horizon)
    while fire is not None and fire <= now:
        slot = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return slot


def digest_period(ctx: WorkerContext, now: datetime) -> Period | None:
    """The period of the slot due now (missed by at most CATCH_UP), or None."""
    slot = latest_slot(ctx.digest_trigger(), now, CATCH_UP)
    if slot is None:
        return None
    tz = ctx.settings.tz
    return period_ending(slot.astimezone(tz).date(), tz, int(ctx.ranking["digest"]["period_days"]))


def digest_job(ctx: WorkerContext) -> None:
    """Post the digest of the slot due now to CSF_DIGEST_CHANNEL, once."""
    channel = ctx.settings.digest_channel
    assert channel is not None
    period = digest_period(ctx, ctx.clock())
    if period is None:
        log.info("digest: no slot due within %s; waiting for the next", CATCH_UP)
        return
    client = ctx.client()
    team = team_of(client)
    with Session(ctx.engine) as session:
        run = find_run(session, team, channel, period.end)
        if run is not None and run.status == "posted":
            log.info("digest: %s already posted to %s", period.end.date(), channel)
            return
        digest = compute_digest(
            session, ctx.taxonomy, config=ctx.ranking, team_id=team, period=period
        )
        outcome = post_digest(session, client, ctx.taxonomy, digest, channel=channel)
    log.info("digest for %s: %s", period.end.date(), outcome.note)


# -- follow-ups ---------------------------------------------------------------------------------


def followup_job(ctx: WorkerContext) -> None:
    """DM whoever moved a candidate to "contacted" when nothing changed since."""
    now = ctx.clock()
    client = ctx.client()
    with Session(ctx.engine) as session:
        due = due_followups(session, now=now, days=ctx.settings.followup_days)
        for followup in due:
            event = claim_followup(session, followup, now=now)
            session.commit()
            try:
                opened = client.conversations_open(users=followup.user)
                client.chat_postMessage(
                    channel=str(opened["channel"]["id"]), **followup_message(followup, now=now)
                )
            except SlackApiError as error:
                session.delete(event)  # not sent: the next run tries again
                session.commit()
                log.warning(
                    "follow-up to %s not sent: %s", followup.user, error.response.get("error")
                )
                continue
            log.info("follow-up sent to %s about person %s", followup.user, followup.person["id"])
