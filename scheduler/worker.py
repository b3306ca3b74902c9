"""`csf worker`: APScheduler 3 running the sync, the weekly digest and follow-up reminders.

One scheduler per process with an in-memory job store (APScheduler 3 must never share a job
store between schedulers); what keeps two workers from doing a job twice is the job's database
lock, and for the digest its exactly-once claim. Every job also runs once when the worker
starts: the sync and reminders are incremental, and the digest job posts the slot it finds due
(missed by at most a day, e.g. a worker that was down on Monday morning) unless that period is
posted already. So downtime costs one late run, never one per missed slot; misfires while
running are coalesced the same way. SIGTERM (Heroku, systemd) and SIGINT stop the scheduler,
let running jobs finish (a sync stops at its next saved page, or cuts short a wait GitHub asked
for, so the worker is gone within seconds), and exit 0.
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from bot.errors import CsfError
from bot.ingest.tracking import tracked_repos
from bot.sources.discourse import is_forum
from scheduler.jobs import (
    CATCH_UP,
    WorkerContext,
    digest_job,
    followup_job,
    guarded,
    retention_job,
    sync_job,
)

log = logging.getLogger("csf.worker")
FOLLOWUP_CRON = "30 9 * * mon-fri"  # weekday mornings, in CSF_TIMEZONE
RETENTION_CRON = "15 3 * * *"  # nightly, in CSF_TIMEZONE


def job_defaults() -> dict[str, Any]:
    """Missed runs fire once (coalesced) within the grace time; never two at once."""
    return {
        "coalesce": True,
        "misfire_grace_time": int(CATCH_UP.total_seconds()),
        "max_instances": 1,
    }


def new_scheduler(ctx: WorkerContext, *, background: bool = False) -> BaseScheduler:
    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler: BaseScheduler = kind(timezone=ctx.settings.tz, job_defaults=job_defaults())
    return scheduler


def _forums_tracked(ctx: WorkerContext) -> bool:
    """Forum categories sync without a GitHub token (anonymous reads of public forums)."""
    with Session(ctx.engine) as session:
        return any(is_forum(r.full_name) for r in tracked_repos(session))


def add_jobs(
    scheduler: BaseScheduler, ctx: WorkerContext, *, now: datetime | None = None
) -> list[str]:
    """Register the jobs the settings allow; each also runs at `now` (default: at start)."""
    settings, tz = ctx.settings, ctx.settings.tz
    first = now or datetime.now(tz)
    added = []
    if settings.github_token is not None or _forums_tracked(ctx):
        scheduler.add_job(
            guarded(ctx, "sync", sync_job),
            IntervalTrigger(hours=settings.sync_hours, timezone=tz),
            id="sync",
            name="sync tracked repositories",
            next_run_time=first,
        )
        added.append("sync")
    if settings.slack_bot_token is not None and settings.digest_channel is not None:
        scheduler.add_job(
            guarded(ctx, "digest", digest_job),
            CronTrigger.from_crontab(settings.digest_cron, timezone=tz),
            id="digest",
            name="weekly digest",
            next_run_time=first,
        )
        added.append("digest")
    if settings.slack_bot_token is not None:
        scheduler.add_job(
            guarded(ctx, "followups", followup_job),
            CronTrigger.from_crontab(FOLLOWUP_CRON, timezone=tz),
            id="followups",
            name="follow-up reminders",
            next_run_time=first,
        )
        added.append("followups")
    scheduler.add_job(
        guarded(ctx, "retention", retention_job),
        CronTrigger.from_crontab(RETENTION_CRON, timezone=tz),
        id="retention",
        name="retention and housekeeping",
    )
    added.append("retention")
    return added


def run_worker(ctx: WorkerContext) -> None:
    """Run until SIGTERM or SIGINT; running jobs finish before the process exits."""
    scheduler = new_scheduler(ctx)
    added = add_jobs(scheduler, ctx)
    if added == ["retention"]:
        raise CsfError(
            "csf worker has nothing to do: set GITHUB_TOKEN (sync), SLACK_BOT_TOKEN "
            "(reminders) and CSF_DIGEST_CHANNEL (the digest)"
        )
    settings = ctx.settings
    if "sync" not in added:
        log.warning("no GITHUB_TOKEN: tracked repositories are not synced")
    if "digest" not in added:
        log.warning("no SLACK_BOT_TOKEN or CSF_DIGEST_CHANNEL: no weekly digest")

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping after running jobs finish", signal.Signals(signum).name)
        ctx.stopping.set()  # a sync stops at its next saved page instead of running on
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "csf worker: %s; digest '%s' to %s, sync every %g h, follow-ups after %d days (%s)",
        ", ".join(added),
        settings.digest_cron,
        settings.digest_channel or "-",
        settings.sync_hours,
        settings.followup_days,
        settings.timezone,
    )
    scheduler.start()
    log.info("csf worker stopped")
