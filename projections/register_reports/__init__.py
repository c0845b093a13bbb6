"""The register reports view: the quarterly reports of the 行政指导事项登记簿
(``ledger.register_reports``) and their states, the office's consolidations,
and — from the directory's user events — which units have active staff of
their own, i.e. which units are expected to report (the queue of late and
missing reports, ``queries.py``).

``fold`` is pure and the rows are the state (as in the cases view): the
incremental view, a rebuild and an as-of fold run the same code. Rows are
keyed by aggregate id (UUIDs never collide between the three kinds).

A unit is expected to report when it is an enforcement unit (行政执法单位)
with at least one active unit-staff user (``Role.UNIT_STAFF``, able to sign
in): they are the ones who give guidance and submit the register (a 司法所's
staff give none of their own). The directory records no date from which a unit's
duty begins, so such a unit is expected for every quarter asked about.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from ledger.directory import Unit, User
from ledger.register_reports import RegisterConsolidation, RegisterReport
from ledger.register_reports.values import ReportState
from ledger.store.sql import Cursor, Table, where_in
from ledger.values import Role
from projections.cases import SEP, iso

Row = dict[str, Any]

REPORTS = Table(
    name="register_report",
    columns=(
        ("report_id", "TEXT"),
        ("aggregate_version", "BIGINT"),
        ("unit", "TEXT"),
        ("year", "BIGINT"),
        ("quarter", "BIGINT"),
        ("state", "TEXT"),
        ("version", "BIGINT"),  # the latest version's number
        ("first_submitted_at", "TEXT"),
        ("submitted_at", "TEXT"),  # the latest version's
        ("submitted_by", "TEXT"),
        ("due_on", "TEXT"),
        ("due_provisional", "BIGINT"),
        ("late", "BIGINT"),
        ("lines", "BIGINT"),
        ("sha256", "TEXT"),
        ("xlsx_sha256", "TEXT"),
        ("corrects", "BIGINT"),
        ("correction_reason", "TEXT"),
        ("received_at", "TEXT"),
        ("received_by", "TEXT"),
        ("returned_at", "TEXT"),
        ("returned_by", "TEXT"),
        ("return_reason", "TEXT"),
        ("updated_at", "TEXT"),
    ),
    key=("report_id",),
    indexes=(("year", "quarter", "unit"), ("unit", "year", "quarter")),
)

CONSOLIDATIONS = Table(
    name="register_consolidation",
    columns=(
        ("consolidation_id", "TEXT"),
        ("aggregate_version", "BIGINT"),
        ("office", "TEXT"),
        ("year", "BIGINT"),
        ("quarter", "BIGINT"),
        ("round", "BIGINT"),
        ("reports", "BIGINT"),
        ("units", "TEXT"),  # 市场监督管理局（第2版）、…
        ("lines", "BIGINT"),
        ("sha256", "TEXT"),
        ("consolidated_at", "TEXT"),
        ("consolidated_by", "TEXT"),
        ("reason", "TEXT"),
        ("forward_due", "TEXT"),
        ("forward_provisional", "BIGINT"),
        ("forwarded_on", "TEXT"),
        ("platform_ref", "TEXT"),
        ("forwarded_by", "TEXT"),
        ("forward_late", "BIGINT"),
        ("updated_at", "TEXT"),
    ),
    key=("consolidation_id",),
    indexes=(("year", "quarter", "office"),),
)

STAFF = Table(
    name="register_report_staff",
    columns=(
        ("user_id", "TEXT"),
        ("username", "TEXT"),
        ("unit", "TEXT"),
        ("role", "TEXT"),
        ("active", "BIGINT"),
        ("waiting", "BIGINT"),  # a new account waiting for a second administrator (cannot sign in)
        ("pending_role", "TEXT"),
        ("pending_unit", "TEXT"),
    ),
    key=("user_id",),
    indexes=(("role", "active", "unit"),),
)

# the directory's units and their kinds: only enforcement units keep a 登记簿 (a 司法所 or
# a service centre with staff gives no administrative guidance of its own)
UNITS = Table(
    name="register_report_unit",
    columns=(("unit_id", "TEXT"), ("name", "TEXT"), ("kind", "TEXT")),
    key=("unit_id",),
    indexes=(("name",),),
)

TABLES = (REPORTS, CONSOLIDATIONS, STAFF, UNITS)
KINDS = {"RegisterReport": REPORTS, "RegisterConsolidation": CONSOLIDATIONS, "User": STAFF, "Unit": UNITS}
# derived from the classes: a module renamed by mistake fails here, loudly
TOPIC_PREFIXES = tuple(get_topic(cls) + "." for cls in (RegisterReport, RegisterConsolidation, User, Unit))


def _kind(event: Any) -> str:
    return type(event).__qualname__.partition(".")[0]


def new_row(kind: str, key: str) -> Row:
    table = KINDS[kind]
    row: Row = dict.fromkeys(table.column_names)
    row[table.key[0]] = key
    row["_kind"] = kind
    return row


def _version(row: Row, v: Any) -> None:
    """The row's columns of one report version (the latest)."""
    row.update(version=v.number, submitted_at=iso(v.submitted_at), submitted_by=v.submitted_by,
               lines=len(v.snapshot.lines), sha256=v.snapshot.sha256, xlsx_sha256=v.snapshot.xlsx_sha256,
               corrects=v.corrects, correction_reason=v.reason or None, received_at=None, received_by=None,
               returned_at=None, returned_by=None, return_reason=None)


def fold_report(row: Row, event: Any) -> None:
    name = type(event).__name__
    env = event.envelope
    if name == "Submitted":
        due = event.due
        row.update(unit=event.unit, year=event.year, quarter=event.quarter, state=ReportState.SUBMITTED.value,
                   first_submitted_at=iso(env.business_time), due_on=due.due_on.isoformat(),
                   due_provisional=int(due.provisional), late=int(event.late))
        row.update(version=1, submitted_at=iso(env.business_time), submitted_by=env.actor.name,
                   lines=len(event.snapshot.lines), sha256=event.snapshot.sha256,
                   xlsx_sha256=event.snapshot.xlsx_sha256, corrects=0)
    elif name == "Corrected":
        row.update(version=event.version, submitted_at=iso(env.business_time), submitted_by=env.actor.name,
                   lines=len(event.snapshot.lines), sha256=event.snapshot.sha256,
                   xlsx_sha256=event.snapshot.xlsx_sha256, corrects=event.corrects,
                   correction_reason=event.reason or None, received_at=None, received_by=None, returned_at=None,
                   returned_by=None, return_reason=None, state=ReportState.SUBMITTED.value)
    elif name == "Received":
        row.update(state=ReportState.RECEIVED.value, received_at=iso(env.business_time), received_by=env.actor.name)
    elif name == "Returned":
        row.update(state=ReportState.RETURNED.value, returned_at=iso(env.business_time), returned_by=env.actor.name,
                   return_reason=event.reason)


def fold_consolidation(row: Row, event: Any) -> None:
    name = type(event).__name__
    env = event.envelope
    if name in ("Consolidated", "Reconsolidated"):
        reports = event.reports
        row.update(
            round=event.round if name == "Reconsolidated" else 1,
            reports=len(reports),
            units=SEP.join(f"{r.unit}（第{r.version}版）" for r in reports),
            lines=sum(r.lines for r in reports),
            sha256=event.sha256,
            consolidated_at=iso(env.business_time),
            consolidated_by=env.actor.name,
            reason=getattr(event, "reason", None) or None,
            forward_due=event.due.due_on.isoformat(),
            forward_provisional=int(event.due.provisional),
            forwarded_on=None, platform_ref=None, forwarded_by=None, forward_late=None,
        )
        if name == "Consolidated":
            row.update(office=event.office, year=event.year, quarter=event.quarter)
    elif name == "Forwarded":
        f = event.forwarding
        row.update(forwarded_on=f.forwarded_on.isoformat(), platform_ref=f.platform_ref, forwarded_by=f.by,
                   forward_late=int(f.late))


def fold_staff(row: Row, event: Any) -> None:
    name = type(event).__name__
    if name == "Registered":
        row.update(username=event.username, unit=event.unit, role=event.role.value, active=1, waiting=0)
    elif name == "GrantProposed":
        row.update(pending_role=event.role.value, pending_unit=event.unit, waiting=int(event.initial))
    elif name == "GrantConfirmed":
        if row["pending_role"] is not None:
            row.update(role=row["pending_role"], unit=row["pending_unit"])
        row.update(pending_role=None, pending_unit=None, waiting=0)
    elif name == "Assigned":
        row.update(role=event.role.value, unit=event.unit, pending_role=None, pending_unit=None, waiting=0)
    elif name == "Disabled":
        row["active"] = 0
    elif name == "Enabled":
        row["active"] = 1


def fold_unit(row: Row, event: Any) -> None:
    if type(event).__name__ == "Registered":
        row.update(name=event.name, kind=event.kind.value)


FOLDS = {"RegisterReport": fold_report, "RegisterConsolidation": fold_consolidation, "User": fold_staff,
         "Unit": fold_unit}


def fold(row: Row, event: Any, recorded_at: str) -> Row:
    """A row after one more event of its aggregate."""
    kind = row["_kind"]
    FOLDS[kind](row, event)
    if kind not in ("User", "Unit"):  # events of later versions this view does not know keep the row as it was
        row["aggregate_version"] = event.originator_version
        row["updated_at"] = recorded_at
    return row


class RegisterReportsProjection:
    """Reports and their states, consolidations, and the units expected to report."""

    name = "register_reports"
    tables = TABLES

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(TOPIC_PREFIXES)

    def fold_all(self, rows: dict[str, Row], items: list[tuple[int, str, Any]]) -> None:
        for _, recorded_at, event in items:
            key = str(event.originator_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = new_row(_kind(event), key)
            fold(row, event, recorded_at)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        by_kind: dict[str, set[str]] = {}
        for _, _, e in items:
            by_kind.setdefault(_kind(e), set()).add(str(e.originator_id))
        rows: dict[str, Row] = {}
        for kind, ids in by_kind.items():
            table = KINDS[kind]
            clause, params = where_in(cur.db, table.key[0], sorted(ids))
            found = cur.dicts(f"SELECT * FROM {table.name}{suffix} WHERE {clause}", params)
            for r in found:
                rows[r[table.key[0]]] = {**r, "_kind": kind}
            if found:
                cur.execute(f"DELETE FROM {table.name}{suffix} WHERE {clause}", params)
        self.fold_all(rows, items)
        for kind, ids in by_kind.items():
            table = KINDS[kind]
            cur.insert_rows(table, [tuple(rows[i][c] for c in table.column_names) for i in sorted(ids)], suffix)


def is_expected_staff(row: Row) -> bool:
    """A user whose unit is therefore expected to report."""
    return row["role"] == Role.UNIT_STAFF.value and bool(row["active"]) and not row["waiting"]
