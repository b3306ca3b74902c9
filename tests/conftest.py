"""Shared fixtures: a migrated store on SQLite, and on PostgreSQL when CSF_TEST_POSTGRES_URL is set.

Store tests take the `engine` or `session` fixture and run once per backend. PostgreSQL tests
each get a schema of their own (dropped afterwards), so they never see each other's rows and
can run against a shared database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.store.engine import make_engine, upgrade

POSTGRES_URL = os.environ.get("CSF_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _postgres_url() -> str:
    url = POSTGRES_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def backend_engine(backend: str, folder: Path) -> Iterator[Engine]:
    """An engine on an empty database of `backend`: a fresh SQLite file in `folder`, or a
    fresh PostgreSQL schema, dropped afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'csf.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"csf_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(_postgres_url())
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(_postgres_url(), connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    with backend_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def engine(blank_engine: Engine) -> Engine:
    """An engine on a store migrated to the head revision."""
    upgrade(blank_engine)
    return blank_engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
