"""The audit log: one row per event of the ledger — who did what, when (both
business and recording time), on what basis, to which case."""

from __future__ import annotations

from typing import Any

from projections.cases import iso
from projections.db import Cursor, Table

AUDIT = Table(
    name="audit_log",
    columns=(
        ("notification_id", "BIGINT"),
        ("recorded_at", "TEXT"),
        ("business_time", "TEXT"),
        ("actor_id", "TEXT"),
        ("actor_name", "TEXT"),
        ("role", "TEXT"),
        ("unit", "TEXT"),
        ("aggregate", "TEXT"),
        ("aggregate_id", "TEXT"),
        ("case_id", "TEXT"),
        ("version", "BIGINT"),
        ("action", "TEXT"),
        ("basis", "TEXT"),
        ("request_id", "TEXT"),
    ),
    key=("notification_id",),
    indexes=(("case_id",), ("actor_id",), ("unit",), ("action",), ("recorded_at",)),
)

AGGREGATE_NAMES = {
    "GuidanceCase": "case",
    "FormCounter": "form_counter",
    "WorkCalendar": "calendar",
    "ProvisionalDeadlines": "provisional_index",
}


def audit_row(notification_id: int, recorded_at: str, event: Any) -> tuple[Any, ...]:
    aggregate = AGGREGATE_NAMES.get(type(event).__qualname__.split(".")[0], type(event).__qualname__)
    env = getattr(event, "envelope", None)
    actor = env.actor if env is not None else None
    return (
        notification_id,
        recorded_at,
        iso(env.business_time) if env is not None else None,
        actor.id if actor else None,
        actor.name if actor else None,
        actor.role.value if actor else None,
        actor.unit if actor else None,
        aggregate,
        str(event.originator_id),
        str(event.originator_id) if aggregate == "case" else None,
        event.originator_version,
        type(event).__name__,
        env.basis if env is not None else None,
        env.request_id if env is not None else None,
    )


class AuditProjection:
    name = "audit"
    tables = (AUDIT,)

    @staticmethod
    def wants(topic: str) -> bool:
        return True

    def fold_all(self, rows: dict[int, tuple[Any, ...]], items: list[tuple[int, str, Any]]) -> None:
        for n, r, e in items:
            rows[n] = audit_row(n, r, e)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        cur.executemany(AUDIT.insert_sql(suffix), [audit_row(n, r, e) for n, r, e in items])
