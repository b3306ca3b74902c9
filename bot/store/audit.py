"""Reading the audit log: who searched, saved, changed, exported or forgot what, and when.

Events are written where the action happens (`bot.store.writes.record_audit`); this is the read side
for `csf audit` and for an admin view in Slack.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.store.models import AuditEvent


def audit_log(
    session: Session,
    *,
    since: datetime | None = None,
    action: str | None = None,
) -> list[AuditEvent]:
    """Events oldest first (the order an auditor reads them in), from `since` when given."""
    statement = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
    if since is not None:
        statement = statement.where(col(AuditEvent.at) >= since)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    return list(session.exec(statement))


def as_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "detail": event.detail or {},
    }
