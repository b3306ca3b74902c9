"""Alembic environment: runs on the engine csf hands over, or on CSF_DATABASE_URL.

csf calls migrations through `bot.store.engine.upgrade`, which passes its engine in
`config.attributes`.
Developers generating a revision (`alembic revision --autogenerate -m ...` from the repository
root) go through `alembic.ini`, and the URL comes from the same Settings as everything else.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import bot.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.store.engine import make_engine

# Tables other libraries keep in the same database: never proposed for dropping.
FOREIGN_TABLES = {"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from bot.config import load_settings

    return make_engine(load_settings().database_url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_name=include_name,
            # SQLite alters tables by copying them; batch mode does that for us.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("csf migrations run online only: use `csf migrate`")
run_migrations_online()
