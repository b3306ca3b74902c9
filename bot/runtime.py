"""What every face runs on: the settings, the store's engine, the taxonomy, the ranking weights
and the clock, built from the settings by one function.

The Slack face's `AppContext` and the job face's `WorkerContext` extend `Runtime` with what is
theirs (the task queue, a Slack client), so the shared part is written and loaded once. Last
in the core's stages: it assembles them, and nothing in the core imports it (the core takes a
session and plain values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.people.affiliations import use_affiliations
from bot.ranking.who import load_ranking_config
from bot.store.engine import make_engine, require_migrated
from bot.store.links import allow_archive_hosts
from bot.store.models import utcnow
from bot.taxonomy.model import Taxonomy, load_taxonomy


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    taxonomy: Taxonomy
    ranking: dict[str, Any]  # the ranking weights (ranking.yml, or CSF_RANKING_CONFIG)
    clock: Callable[[], datetime] = field(default=utcnow)  # tests hand in a fixed one

    def parts(self) -> dict[str, Any]:
        """The runtime's fields by name, to build a face's context that extends it."""
        return {f.name: getattr(self, f.name) for f in fields(Runtime)}

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block succeeds and rolled back when it raises."""
        with Session(self.engine) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def load_runtime(settings: Settings) -> Runtime:
    """The runtime the settings describe; refuses an unmigrated store (the most common slip)."""
    engine = make_engine(settings.database_url, create=False)
    try:
        require_migrated(engine)
        use_affiliations(settings.affiliations_path)
        # Links are checked where each record is made, far from the settings: the archive
        # hosts a team allows (also from `.env`) hold for the process, as the affiliations do.
        allow_archive_hosts(settings.archive_hosts)
        return Runtime(
            settings=settings,
            engine=engine,
            taxonomy=load_taxonomy(settings.taxonomy_path),
            ranking=load_ranking_config(settings.ranking_config),
        )
    except BaseException:
        engine.dispose()
        raise
