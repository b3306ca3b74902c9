"""The worker: its jobs and triggers, coalesced misfires, catch-up after downtime, one worker
per job run (also as two real `csf worker` processes), follow-up reminders, SIGTERM."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import ENV_NAMES, Settings, load_settings
from bot.errors import CsfError
from bot.ranking.who import load_ranking_config
from bot.shortlist.saves import mark, save
from bot.store.engine import make_engine, upgrade
from bot.store.locks import job_lock
from bot.store.models import AuditEvent, Candidate, CandidateStatus, DigestRun, JobLock
from bot.taxonomy.model import default_taxonomy
from scheduler.jobs import WorkerContext, digest_job, followup_job, guarded
from scheduler.worker import add_jobs, new_scheduler, run_worker
from slackui.digest_post import LEASE
from tests.support.cli import database_url
from tests.support.digest_world import TEAM, build_world
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as server:
        yield server


def settings_for(fake: FakeSlack | None = None, **env: str) -> Settings:
    values = {"CSF_TIMEZONE": "UTC", **env}
    if fake is not None:
        values.update(
            SLACK_BOT_TOKEN="xoxb-fictional", SLACK_API_URL=fake.url, CSF_DIGEST_CHANNEL="C0TALENT"
        )
    return load_settings(values, env_file=None)


def context(engine: Engine, settings: Settings, now: Callable[[], datetime]) -> WorkerContext:
    return WorkerContext(
        settings=settings,
        engine=engine,
        taxonomy=default_taxonomy(),
        ranking=load_ranking_config(),
        clock=now,
    )


# -- jobs and triggers --------------------------------------------------------------------------


def test_jobs_are_registered_with_their_triggers_in_the_team_zone(engine: Engine) -> None:
    settings = load_settings(
        {
            "CSF_TIMEZONE": "America/New_York",
            "GITHUB_TOKEN": "ghp_fictional",
            "SLACK_BOT_TOKEN": "xoxb-fictional",
            "CSF_DIGEST_CHANNEL": "#talent",
        },
        env_file=None,
    )
    ctx = context(engine, settings, lambda: datetime.now(UTC))
    scheduler = new_scheduler(ctx, background=True)
    later = datetime.now(UTC) + timedelta(days=1)
    assert add_jobs(scheduler, ctx, now=later) == ["sync", "digest", "followups", "retention"]
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        new_york = ZoneInfo("America/New_York")
        digest = jobs["digest"].trigger
        assert isinstance(digest, CronTrigger)
        assert digest.timezone == new_york
        # Mondays 09:00 New York time, summer or winter (US clocks change on 8 March 2026).
        before = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
        assert digest.get_next_fire_time(None, before) == datetime(
            2026, 3, 9, 9, 0, tzinfo=new_york
        )
        assert digest.get_next_fire_time(None, before).astimezone(UTC).hour == 13
        sync = jobs["sync"].trigger
        assert isinstance(sync, IntervalTrigger)
        assert sync.interval == timedelta(hours=6)
        for job in jobs.values():
            assert job.coalesce is True
            assert job.misfire_grace_time == 86400
            assert job.max_instances == 1
            if job.id != "retention":  # nightly only: nothing is lost by waiting for it
                assert job.next_run_time == later  # each job also runs when the worker starts
    finally:
        scheduler.shutdown(wait=False)


def test_the_digest_schedule_and_sync_interval_come_from_settings(engine: Engine) -> None:
    settings = settings_for(
        None,
        CSF_DIGEST_CRON="30 7 * * fri",
        CSF_SYNC_HOURS="2",
        SLACK_BOT_TOKEN="xoxb-fictional",
        CSF_DIGEST_CHANNEL="C0TALENT",
        GITHUB_TOKEN="ghp_fictional",
    )
    ctx = context(engine, settings, lambda: datetime.now(UTC))
    scheduler = new_scheduler(ctx, background=True)
    add_jobs(scheduler, ctx)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        monday = datetime(2026, 6, 1, tzinfo=UTC)
        fire = jobs["digest"].trigger.get_next_fire_time(None, monday)
        assert fire == datetime(2026, 6, 5, 7, 30, tzinfo=UTC)
        assert jobs["sync"].trigger.interval == timedelta(hours=2)
    finally:
        scheduler.shutdown(wait=False)


def test_only_the_jobs_the_settings_allow(engine: Engine) -> None:
    only_github = settings_for(None, GITHUB_TOKEN="ghp_fictional")
    ctx = context(engine, only_github, lambda: datetime.now(UTC))
    assert add_jobs(new_scheduler(ctx, background=True), ctx) == ["sync", "retention"]
    no_channel = settings_for(None, SLACK_BOT_TOKEN="xoxb-fictional")
    ctx = context(engine, no_channel, lambda: datetime.now(UTC))
    assert add_jobs(new_scheduler(ctx, background=True), ctx) == ["followups", "retention"]
    with pytest.raises(CsfError, match="nothing to do"):
        run_worker(context(engine, settings_for(None), lambda: datetime.now(UTC)))


def test_missed_runs_fire_once_not_once_per_missed_slot(engine: Engine) -> None:
    ctx = context(engine, settings_for(None), lambda: datetime.now(UTC))
    scheduler = new_scheduler(ctx, background=True)
    runs: list[datetime] = []
    done = threading.Event()

    def job() -> None:
        runs.append(datetime.now(UTC))

    def executed(event: JobExecutionEvent) -> None:
        done.set()

    scheduler.add_listener(executed, EVENT_JOB_EXECUTED)
    now = datetime.now(UTC)
    # Down for three hours and ten minutes: four hourly slots were missed.
    scheduler.add_job(
        job,
        IntervalTrigger(hours=1),
        id="hourly",
        next_run_time=now - timedelta(hours=3, minutes=10),
    )
    scheduler.start()
    try:
        assert done.wait(30)
        scheduler.pause()  # the run is done; what is left is what it scheduled next
        after = scheduler.get_job("hourly").next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert len(runs) == 1
    assert after > now  # nothing missed is left to run: the next slot is in the future


# -- the digest job: catch-up after downtime, exactly once ---------------------------------------


def test_the_digest_slot_missed_during_downtime_is_posted_once_when_the_worker_is_back(
    engine: Engine, fake: FakeSlack
) -> None:
    with Session(engine) as session:
        build_world(session)
    clock = {"now": datetime(2026, 5, 18, 14, 0, tzinfo=UTC)}  # Monday, five hours late
    ctx = context(engine, settings_for(fake), lambda: clock["now"])
    run = guarded(ctx, "digest", digest_job)
    run()
    posts = fake.of("chat.postMessage")
    assert len(posts) == 3
    assert "11 May – 17 May 2026" in posts[0].params["blocks"][0]["text"]["text"]
    run()  # a restart the same day
    assert len(fake.of("chat.postMessage")) == 3
    clock["now"] = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)  # Wednesday: too late for Monday's
    run()
    assert len(fake.of("chat.postMessage")) == 3
    clock["now"] = datetime(2026, 5, 25, 9, 0, 30, tzinfo=UTC)  # next Monday, on time
    run()
    latest = fake.of("chat.postMessage")[3:]
    assert len(latest) == 1  # a quiet week: the header says so
    assert "No one crossed the bar" in latest[0].params["blocks"][1]["text"]["text"]
    with Session(engine) as session:
        runs = session.exec(select(DigestRun).order_by(DigestRun.period_end)).all()  # type: ignore[arg-type]
    assert [(r.period_end.date().isoformat(), r.status) for r in runs] == [
        ("2026-05-18", "posted"),
        ("2026-05-25", "posted"),
    ]


def test_a_failing_job_logs_and_the_worker_carries_on(
    engine: Engine, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    clock = {"now": datetime(2026, 5, 18, 9, 0, 5, tzinfo=UTC)}
    ctx = context(engine, settings_for(fake), lambda: clock["now"])
    fake.fail_next("chat.postMessage", 200, error="channel_not_found")
    with caplog.at_level(logging.INFO, logger="csf.worker"):
        guarded(ctx, "digest", digest_job)()  # does not raise
    assert "digest failed; it runs again at its next slot" in caplog.text
    assert "channel_not_found" in caplog.text
    guarded(ctx, "digest", digest_job)()  # the next trigger for the period retries it
    assert len(fake.of("chat.postMessage")) == 2
    with Session(engine) as session:
        assert session.exec(select(DigestRun.status)).one() == "posted"


# -- one worker at a time -------------------------------------------------------------------------


def test_a_job_runs_in_one_worker_at_a_time(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context(engine, settings_for(None), lambda: datetime.now(UTC))
    entered, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def body(_: WorkerContext) -> None:
        ran.append(threading.current_thread().name)
        entered.set()
        release.wait(30)

    first = threading.Thread(target=guarded(ctx, "probe", body), name="worker-1")
    first.start()
    try:
        assert entered.wait(30)
        with caplog.at_level(logging.INFO, logger="csf.worker"):
            guarded(ctx, "probe", body)()  # a second worker, while the first holds the lock
        assert ran == ["worker-1"]
        assert "probe: another worker is running it; skipped" in caplog.text
    finally:
        release.set()
        first.join()
    guarded(ctx, "probe", body)()  # released: the next run goes ahead
    assert len(ran) == 2


def test_a_sqlite_lock_left_by_a_dead_worker_expires(tmp_path: Path) -> None:
    """(PostgreSQL drops a dead session's advisory locks itself.)"""
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    upgrade(engine)
    with Session(engine) as session:
        session.add(
            JobLock(
                name="digest",
                holder="gone:1:dead",
                expires_at=datetime.now(UTC) - timedelta(seconds=1),
            )
        )
        session.commit()
    with job_lock(engine, "digest") as held:
        assert held
    with Session(engine) as session:
        assert session.exec(select(JobLock)).all() == []  # released
    engine.dispose()


def test_a_dead_workers_lock_blocks_the_digest_no_longer_than_the_readme_says(
    tmp_path: Path,
) -> None:
    """The lock row a worker leaves when killed expires when its digest lease does, and the
    README's promise names that same number of minutes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'csf.db'}")
    upgrade(engine)
    with job_lock(engine, "digest") as held, Session(engine) as session:
        assert held
        row = session.exec(select(JobLock)).one()
        blocked = row.expires_at - row.acquired_at
    engine.dispose()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    promised = re.search(r"a worker that died is\s+finished after (\d+) minutes", readme)
    assert promised is not None
    assert blocked == LEASE == timedelta(minutes=int(promised.group(1)))


# -- two real worker processes ------------------------------------------------------------------


def test_two_workers_on_one_database_post_the_digest_once_and_stop_on_sigterm(
    engine: Engine, fake: FakeSlack, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    env.update(
        CSF_DATABASE_URL=database_url(engine),
        CSF_TIMEZONE="UTC",
        CSF_DIGEST_CRON="0 0 * * *",  # due at midnight: the startup run posts today's
        CSF_DIGEST_CHANNEL="C0TALENT",
        SLACK_BOT_TOKEN="xoxb-fictional",
        SLACK_API_URL=fake.url,
        CSF_LOG_LEVEL="INFO",
    )
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = []
    for log in logs:
        with log.open("w") as stream:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "cli", "worker"],
                    cwd=tmp_path,
                    env=env,
                    stdout=stream,
                    stderr=subprocess.STDOUT,
                )
            )
    outcome = re.compile(r"digest(: another worker| for \d{4}-\d\d-\d\d:|: \S+ already posted)")
    try:
        deadline = time.monotonic() + 60
        while not all(outcome.search(log.read_text()) for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            assert all(w.poll() is None for w in workers), [log.read_text() for log in logs]
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(30) for worker in workers]
    texts = [log.read_text() for log in logs]
    assert codes == [0, 0], texts
    assert all("SIGTERM: stopping after running jobs finish" in t for t in texts)
    assert all("csf worker stopped" in t for t in texts)
    assert "Traceback" not in "".join(texts)
    headers = fake.of("chat.postMessage")
    assert len(headers) == 1, texts  # the store is empty: one header saying so, once
    with Session(engine) as session:
        assert [r.status for r in session.exec(select(DigestRun))] == ["posted"]


# -- follow-up reminders ------------------------------------------------------------------------


def _contacted(session: Session, person: int, actor: str) -> Candidate:
    save(session, TEAM, person, saved_by=actor, source="button")
    return mark(session, TEAM, person, CandidateStatus.CONTACTED, actor=actor)


def test_a_quiet_contacted_candidate_prompts_one_reminder_to_whoever_contacted_them(
    engine: Engine, fake: FakeSlack
) -> None:
    with Session(engine) as session:
        world = build_world(session)
        people = world.people
        _contacted(session, people["gus-newcomer"], "U0SOURCER")
        _contacted(session, people["ric-riser"], "cli")  # moved from the terminal: no one to DM
        save(session, TEAM, people["rae-reviewer"], saved_by="U0SOURCER", source="button")
        session.commit()
    start = datetime.now(UTC)
    clock = {"now": start + timedelta(days=6)}
    ctx = context(engine, settings_for(fake), lambda: clock["now"])
    run = guarded(ctx, "followups", followup_job)
    run()
    assert fake.of("chat.postMessage") == []  # six days: not yet
    clock["now"] = start + timedelta(days=8)
    fake.fail_next("chat.postMessage", 200, error="not_allowed_token_type")
    run()  # Slack refuses: nothing recorded, so the next run tries again
    run()
    run()  # once sent, never again in this quiet stretch
    assert [c.params["users"] for c in fake.of("conversations.open")] == ["U0SOURCER"] * 2
    sent = fake.of("chat.postMessage")
    assert len(sent) == 2
    assert sent[1].params["channel"].startswith("D0")
    assert (
        "You marked *Gus Newcomer* as contacted; nothing has changed for 8 days"
        in (sent[1].params["blocks"][0]["text"]["text"])
    )
    with Session(engine) as session:
        reminders = session.exec(select(AuditEvent).where(AuditEvent.action == "followup")).all()
        assert len(reminders) == 1
        candidate = session.exec(
            select(Candidate).where(Candidate.person_id == people["gus-newcomer"])
        ).one()
        candidate.updated_at = start + timedelta(days=9)  # a note: a new stretch begins
        session.add(candidate)
        session.commit()
    clock["now"] = start + timedelta(days=17)
    run()
    assert len(fake.of("chat.postMessage")) == 3


def test_retention_job_prunes_old_work_and_old_event_ids(engine: Engine) -> None:
    from bot.shortlist.saves import claim_event
    from bot.store.models import SlackEvent
    from scheduler.jobs import retention_job

    now = datetime(2026, 6, 1, tzinfo=UTC)
    with Session(engine) as session:
        claim_event(session, "EvOld")
        session.exec(select(SlackEvent)).one().received_at = now - timedelta(days=3)
        claim_event(session, "EvNew")
        session.exec(
            select(SlackEvent).where(SlackEvent.event_id == "EvNew")
        ).one().received_at = now
        session.commit()
    settings = load_settings({}, env_file=None)
    retention_job(context(engine, settings, lambda: now))
    with Session(engine) as session:
        assert [e.event_id for e in session.exec(select(SlackEvent))] == ["EvNew"]
        pruned = session.exec(select(AuditEvent).where(AuditEvent.action == "prune")).all()
        assert len(pruned) == 1  # the retention run is audited


def test_sync_job_syncs_every_tracked_repo_logs_each_and_refreshes_the_cache(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.store.models import TopicFacts, TopicScore
    from bot.store.writes import upsert_repo
    from scheduler.jobs import sync_job
    from tests.support.fake_github import TOKEN, FakeGitHub
    from tests.support.github_world import small_world

    with Session(engine) as session:
        upsert_repo(session, "llvm/llvm-project", "mlir")
        upsert_repo(session, "apache/tvm", "tvm")  # unknown to the fake GitHub
        session.commit()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with FakeGitHub(small_world()) as server, caplog.at_level(logging.INFO, "csf.worker"):
        settings = settings_for(GITHUB_API_URL=server.url, GITHUB_TOKEN=TOKEN)
        ctx = context(engine, settings, lambda: now)
        ctx.ranking["score_cache"]["prepare_rows"] = 1  # every topic, however small
        sync_job(ctx)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert any(
        level == "WARNING" and text.startswith("sync: GitHub has no apache/tvm")
        for level, text in lines
    )
    assert any(text.startswith("sync: llvm/llvm-project: ") for _, text in lines)
    assert lines[-1][1].startswith("sync: scores refreshed as of 2026-06-01")
    assert "; answers prepared for " in lines[-1][1]
    with Session(engine) as session:
        assert session.exec(select(TopicScore)).first() is not None
        assert session.exec(select(TopicFacts)).first() is not None


def test_sigterm_stops_a_worker_waiting_on_github_within_seconds(
    engine: Engine, tmp_path: Path
) -> None:
    """GitHub said "retry after 300 s"; platforms SIGKILL about 30 s after SIGTERM. The worker
    cuts the wait short, says the sync is resumable, and exits 0 well inside 10 s."""
    from bot.store.writes import upsert_repo
    from tests.support.fake_github import TOKEN, FakeGitHub
    from tests.support.github_world import REPO, small_world

    with Session(engine) as session:
        upsert_repo(session, REPO, "mlir")
        session.commit()
    log = tmp_path / "worker.log"
    with FakeGitHub(small_world()) as server:
        server.secondary_limit(300)
        env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
        env.update(
            CSF_DATABASE_URL=database_url(engine),
            CSF_TIMEZONE="UTC",
            GITHUB_TOKEN=TOKEN,
            GITHUB_API_URL=server.url,
            CSF_LOG_LEVEL="INFO",
        )
        with log.open("w") as stream:
            worker = subprocess.Popen(
                [sys.executable, "-m", "cli", "worker"],
                cwd=tmp_path,
                env=env,
                stdout=stream,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while "retrying GitHub (300 s)" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                assert worker.poll() is None, log.read_text()
                time.sleep(0.1)
            asked = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(30)
            took = time.monotonic() - asked
        finally:
            if worker.poll() is None:
                worker.kill()
    text = log.read_text()
    assert code == 0, text
    assert took < 10, text
    assert (
        "sync: stopped while waiting for GitHub; every page read so far is saved, and the next "
        "sync resumes from there"
    ) in text
    assert "csf worker stopped" in text
    assert "Traceback" not in text


def test_the_worker_syncs_tracked_forum_categories_without_a_github_token(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.store.models import Contribution, Repo
    from bot.store.writes import upsert_repo
    from scheduler.jobs import sync_job
    from tests.support.fake_discourse import FakeDiscourse, generated_forum

    with Session(engine) as session:
        upsert_repo(session, "discourse:discourse.llvm.org/c/mlir/31", "mlir")
        upsert_repo(session, "llvm/llvm-project", "mlir")  # needs a token: left for later
        session.commit()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with FakeDiscourse(generated_forum(12)) as server:
        settings = settings_for(None, DISCOURSE_API_URL=server.url)
        ctx = context(engine, settings, lambda: now)
        assert add_jobs(new_scheduler(ctx, background=True), ctx) == ["sync", "retention"]
        with caplog.at_level(logging.INFO, "csf.worker"):
            sync_job(ctx)
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("sync: discourse:discourse.llvm.org/c/mlir/31") for line in lines)
    assert not [line for line in lines if "llvm/llvm-project" in line]
    with Session(engine) as session:
        forum = session.exec(select(Repo).where(Repo.full_name.startswith("discourse:"))).one()
        stored = session.exec(select(Contribution).where(Contribution.repo_id == forum.id)).all()
    assert {c.kind for c in stored} >= {"rfc"}
