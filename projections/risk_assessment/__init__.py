"""The risk-assessment view: each authority's setting (quarterly or yearly, the
days a report is due after its period) and every submitted report with its
snapshot's hash, deadline and lateness (``ledger.risk_assessment``).

``fold`` is pure over a row store (``projections.keyed``): the live view, a
rebuild and the as-of fold run the same code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from ledger.risk_assessment import AssessmentSchedule, RiskAssessmentReport
from ledger.risk_assessment.values import Schedule
from ledger.store.sql import Table
from projections.cases import iso
from projections.keyed import KeyedTablesProjection

Row = dict[str, Any]

REPORTS = Table(
    name="risk_assessment",
    columns=(
        ("report_id", "TEXT"), ("authority", "TEXT"), ("period_kind", "TEXT"), ("year", "BIGINT"),
        ("number", "BIGINT"), ("period_key", "TEXT"), ("period_label", "TEXT"), ("first_day", "TEXT"),
        ("last_day", "TEXT"), ("points", "BIGINT"), ("measures", "BIGINT"), ("sha256", "TEXT"),
        ("submitted_at", "TEXT"), ("submitted_by", "TEXT"), ("due_on", "TEXT"), ("due_provisional", "BIGINT"),
        ("late", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("report_id",),
    indexes=(("authority", "year"), ("period_key",)),
)
SCHEDULES = Table(
    name="risk_assessment_schedule",
    columns=(("schedule_id", "TEXT"), ("authority", "TEXT"), ("period_kind", "TEXT"), ("due_days", "BIGINT"),
             ("counting", "TEXT"), ("set_at", "TEXT"), ("set_by", "TEXT"), ("version", "BIGINT")),
    key=("schedule_id",),
    indexes=(("authority",),),
)
TABLES = (REPORTS, SCHEDULES)
PREFIXES = (get_topic(RiskAssessmentReport) + ".", get_topic(AssessmentSchedule) + ".")

Get = Callable[[str, str], "Row | None"]


def fold(state: dict[str, dict[str, Row]], get: Get, event: Any, recorded_at: str) -> None:
    name = type(event).__name__
    env = event.envelope
    oid = str(event.originator_id)

    def put(table: Table, row: Row) -> None:
        state.setdefault(table.name, {})[row[table.key[0]]] = row

    if isinstance(event, RiskAssessmentReport.Event) and name == "Submitted":
        p, s = event.period, event.snapshot
        put(REPORTS, dict(
            report_id=oid, authority=event.authority, period_kind=p.kind.value, year=p.year, number=p.number,
            period_key=p.key, period_label=p.label, first_day=p.first_day.isoformat(), last_day=p.last_day.isoformat(),
            points=len(s.sections.basics.points), measures=len(s.sections.measures), sha256=s.sha256,
            submitted_at=iso(s.submitted_at), submitted_by=s.submitted_by, due_on=event.due.due_on.isoformat(),
            due_provisional=int(event.due.provisional), late=int(event.late), updated_at=recorded_at))
    elif isinstance(event, AssessmentSchedule.Event):
        row = get(SCHEDULES.name, oid)
        if name == "Started":
            row = dict.fromkeys(SCHEDULES.column_names)
            default = Schedule()
            row.update(schedule_id=oid, authority=event.authority, period_kind=default.period.value,
                       due_days=default.due_days, counting=default.counting.value)
        elif row is None:
            return
        elif name == "ScheduleSet":
            sch = event.schedule
            row.update(period_kind=sch.period.value, due_days=sch.due_days, counting=sch.counting.value,
                       set_at=iso(env.business_time), set_by=env.actor.name)
        row["version"] = event.originator_version
        put(SCHEDULES, row)


class RiskAssessmentProjection(KeyedTablesProjection):
    """The authorities' assessment settings and submitted reports."""

    name = "risk_assessment"
    tables = TABLES
    fold = staticmethod(fold)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(PREFIXES)
