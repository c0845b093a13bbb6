"""The risk-points view (seed 002 第二十条, 第二十二条): every authority's
editions of its legal-risk points (drafts and published, each point with its
grade's reasons as they stood when drafted), the opinions solicited, the
citations of points by records, and the warnings its staff handled. Which
warnings are raised is computed from these rows (``queries.py`` with
``ledger.risk_points.warnings``).

``fold`` is pure over a row store: ``get(table, key)`` finds a row in memory
or, when the live view is updated, in its tables (``apply``); the as-of fold
and a rebuild run the same code from nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from eventsourcing.utils import get_topic

from ledger.risk_points import RiskPointCitations, RiskPointRegister, grade_reasons
from ledger.risk_points.values import DEFAULT_RULE, RiskGradeRule
from ledger.store.sql import Table
from ledger.values import CST
from projections.cases import iso
from projections.keyed import KeyedTablesProjection

Row = dict[str, Any]

REGISTERS = Table(
    name="risk_register",
    columns=(("register_id", "TEXT"), ("authority", "TEXT"), ("rule", "TEXT"), ("rule_set_at", "TEXT"),
             ("rule_set_by", "TEXT"), ("version", "BIGINT"), ("updated_at", "TEXT")),
    key=("register_id",),
    indexes=(("authority",),),
)
EDITIONS = Table(
    name="risk_edition",
    columns=(
        ("edition_id", "TEXT"), ("authority", "TEXT"), ("version", "TEXT"), ("title", "TEXT"),
        ("effective_from", "TEXT"), ("document_number", "TEXT"), ("state", "TEXT"), ("points", "TEXT"),
        ("point_count", "BIGINT"), ("high", "BIGINT"), ("solicitations", "BIGINT"), ("drafted_at", "TEXT"),
        ("drafted_by", "TEXT"), ("published_on", "TEXT"), ("channels", "TEXT"), ("published_at", "TEXT"),
        ("published_by", "TEXT"),
    ),
    key=("edition_id",),
    indexes=(("authority", "effective_from"),),
)
SOLICITATIONS = Table(
    name="risk_solicitation",
    columns=(
        ("solicitation_id", "TEXT"), ("authority", "TEXT"), ("version", "TEXT"), ("number", "BIGINT"),
        ("consulted", "TEXT"), ("method", "TEXT"), ("subject", "TEXT"), ("opinion", "TEXT"), ("answer", "TEXT"),
        ("solicited_on", "TEXT"), ("recorded_by", "TEXT"), ("recorded_at", "TEXT"),
    ),
    key=("solicitation_id",),
    indexes=(("authority", "version"),),
)
RECORDS = Table(
    name="risk_citing_record",
    columns=(("citations_id", "TEXT"), ("record_kind", "TEXT"), ("record_id", "TEXT"), ("unit", "TEXT")),
    key=("citations_id",),
)
CITATIONS = Table(
    name="risk_citation",
    columns=(
        ("citation_id", "TEXT"), ("authority", "TEXT"), ("point_code", "TEXT"), ("point", "TEXT"), ("grade", "TEXT"),
        ("edition", "TEXT"), ("record_kind", "TEXT"), ("record_id", "TEXT"), ("unit", "TEXT"), ("cited_at", "TEXT"),
        ("cited_on", "TEXT"), ("cited_by", "TEXT"),
    ),
    key=("citation_id",),
    indexes=(("authority", "cited_on"), ("record_id",)),
)
HANDLED = Table(
    name="risk_warning_handled",
    columns=(
        ("handled_id", "TEXT"), ("authority", "TEXT"), ("code", "TEXT"), ("rule", "TEXT"), ("window_key", "TEXT"),
        ("action", "TEXT"), ("note", "TEXT"), ("handled_by", "TEXT"), ("handled_at", "TEXT"),
    ),
    key=("handled_id",),
    indexes=(("authority",),),
)
TABLES = (REGISTERS, EDITIONS, SOLICITATIONS, RECORDS, CITATIONS, HANDLED)

REGISTER_PREFIX = get_topic(RiskPointRegister) + "."
CITATIONS_PREFIX = get_topic(RiskPointCitations) + "."

Get = Callable[[str, str], "Row | None"]


def _new(table: Table, **values: Any) -> Row:
    row: Row = dict.fromkeys(table.column_names)
    row.update(values)
    return row


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def rule_of(row: Row | None) -> RiskGradeRule:
    if row is None or row["rule"] is None:
        return DEFAULT_RULE
    return msgspec.json.decode(row["rule"], type=RiskGradeRule)


def fold(state: dict[str, dict[str, Row]], get: Get, event: Any, recorded_at: str) -> None:
    """The rows after one more event (``state``: table → key → row, the rows touched)."""
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    oid = str(event.originator_id)

    def put(table: Table, row: Row) -> None:
        state.setdefault(table.name, {})[row[table.key[0]]] = row

    if isinstance(event, RiskPointRegister.Event):
        register = get(REGISTERS.name, oid)
        if name == "Started":
            register = _new(REGISTERS, register_id=oid, authority=event.authority)
        elif register is None:
            return
        authority = register["authority"]
        if name == "GradeRuleSet":
            register.update(rule=_json(event.rule), rule_set_at=at, rule_set_by=env.actor.name)
        elif name == "EditionDrafted":
            edition, rule = event.edition, rule_of(register)
            points = [{**msgspec.to_builtins(p), "derived": rule.grade_of(p.severity, p.likelihood).value,
                       "reasons": grade_reasons(p, rule)} for p in edition.points]
            key = f"{authority}/{edition.version}"
            old = get(EDITIONS.name, key)
            put(EDITIONS, _new(
                EDITIONS, edition_id=key, authority=authority, version=edition.version, title=edition.title,
                effective_from=edition.effective_from.isoformat(), document_number=edition.document_number,
                state="draft", points=_json(points), point_count=len(points),
                high=sum(p["grade"] == "high" for p in points), solicitations=old["solicitations"] if old else 0,
                drafted_at=at, drafted_by=env.actor.name,
            ))
        elif name == "OpinionSolicited":
            edition_row = get(EDITIONS.name, f"{authority}/{event.version}")
            if edition_row is None:
                return
            edition_row["solicitations"] += 1
            put(EDITIONS, edition_row)
            s = event.solicitation
            put(SOLICITATIONS, _new(
                SOLICITATIONS, solicitation_id=f"{authority}/{event.version}/{edition_row['solicitations']}",
                authority=authority, version=event.version, number=edition_row["solicitations"],
                consulted=s.consulted, method=s.method, subject=s.subject, opinion=s.opinion, answer=s.answer,
                solicited_on=s.solicited_on.isoformat(), recorded_by=env.actor.name, recorded_at=at,
            ))
        elif name == "EditionPublished":
            edition_row = get(EDITIONS.name, f"{authority}/{event.version}")
            if edition_row is None:
                return
            p = event.publication
            edition_row.update(state="published", published_on=p.published_on.isoformat(),
                               channels="、".join(p.channels), published_at=at, published_by=env.actor.name)
            put(EDITIONS, edition_row)
        elif name == "WarningHandled":
            put(HANDLED, _new(
                HANDLED, handled_id=f"{authority}/{event.code}/{event.rule.value}/{event.window}/{event.action.value}",
                authority=authority, code=event.code, rule=event.rule.value, window_key=event.window,
                action=event.action.value, note=event.note, handled_by=env.actor.name, handled_at=at,
            ))
        register.update(version=event.originator_version, updated_at=recorded_at)
        put(REGISTERS, register)
    elif isinstance(event, RiskPointCitations.Event):
        record = get(RECORDS.name, oid)
        if name == "Started":
            record = _new(RECORDS, citations_id=oid, record_kind=event.record_kind.value,
                          record_id=str(event.record_id), unit=event.unit)
            put(RECORDS, record)
        elif record is None:
            return
        elif name == "PointsCited":
            for p in event.points:
                put(CITATIONS, _new(
                    CITATIONS, citation_id=f"{record['record_kind']}/{record['record_id']}/{p.code}",
                    authority=event.authority, point_code=p.code, point=p.point, grade=p.grade.value,
                    edition=p.version, record_kind=record["record_kind"], record_id=record["record_id"],
                    unit=record["unit"], cited_at=at, cited_on=env.business_time.astimezone(CST).date().isoformat(),
                    cited_by=env.actor.name,
                ))


class RiskPointsProjection(KeyedTablesProjection):
    """The risk-point editions, solicitations, citations and handled warnings."""

    name = "risk_points"
    tables = TABLES
    fold = staticmethod(fold)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith((REGISTER_PREFIX, CITATIONS_PREFIX))
