"""The runtime every face runs on is built once, from the settings, and both contexts extend it."""

from __future__ import annotations

import inspect
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import StoreNotMigratedError
from bot.runtime import Runtime, load_runtime
from bot.store.engine import make_engine, upgrade
from handlers import app as slack_app
from handlers.context import AppContext
from scheduler import jobs
from scheduler.jobs import WorkerContext


def _settings(path: Path, *, migrated: bool) -> Settings:
    url = f"sqlite:///{path / 'csf.db'}"
    if migrated:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    return load_settings({"CSF_DATABASE_URL": url}, env_file=None)


def test_load_runtime_reads_everything_from_the_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path, migrated=True)
    runtime = load_runtime(settings)
    try:
        assert runtime.settings is settings
        assert runtime.taxonomy.ecosystem("mlir") is not None
        assert "digest" in runtime.ranking
        with runtime.session() as session:
            assert session.get_bind() is runtime.engine
    finally:
        runtime.engine.dispose()


def test_an_unmigrated_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreNotMigratedError):
        load_runtime(_settings(tmp_path, migrated=False))


@pytest.mark.parametrize("context", [AppContext, WorkerContext])
def test_both_faces_extend_the_runtime_and_repeat_none_of_it(context: type[Runtime]) -> None:
    assert issubclass(context, Runtime)
    shared = {f.name for f in fields(Runtime)}
    own = {f.name for f in fields(context)} - shared
    assert not own & shared
    for name in shared:  # defined once, in the core, not redeclared by the face
        assert name not in inspect.get_annotations(context)


def test_both_faces_build_their_context_from_load_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, migrated=True)
    built: list[Runtime] = []

    def spy(given: Settings) -> Runtime:
        runtime = load_runtime(given)
        built.append(runtime)
        return runtime

    monkeypatch.setattr(slack_app, "load_runtime", spy)
    monkeypatch.setattr(jobs, "load_runtime", spy)
    app_ctx = slack_app.build_context(settings)
    worker_ctx = jobs.worker_context(settings)
    try:
        assert len(built) == 2
        for ctx, runtime in zip((app_ctx, worker_ctx), built, strict=True):
            assert ctx.engine is runtime.engine
            assert ctx.taxonomy is runtime.taxonomy
            assert ctx.ranking is runtime.ranking
            assert ctx.settings is settings
    finally:
        for runtime in built:
            runtime.engine.dispose()
