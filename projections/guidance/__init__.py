"""The guidance view: one row per act of agency-initiated guidance (行政指导,
``ledger.guidance``) — what the unit's list, its queue of open guidance and the
行政指导事项登记簿 read.

``fold`` is pure and the row is the state (as in the cases view), so the
incremental view, a rebuild and the as-of fold run the same code.

Guidance is voluntary: a termination shows here only as the guidance's own
state and end time. Its reason stays on the guidance's page (read from the
aggregate), and nothing here is keyed by the party — there is no column a
later decision about the party could look up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from ledger.guidance import AdministrativeGuidance
from ledger.guidance.platform import PlatformExport
from ledger.guidance.values import GuidanceState, ItemStatus
from ledger.store.sql import Cursor, Table, where_in
from ledger.values import CST
from projections.cases import SEP, iso

Row = dict[str, Any]

GUIDANCE = Table(
    name="guidance",
    columns=(
        ("guidance_id", "TEXT"),
        ("version", "BIGINT"),
        ("unit", "TEXT"),
        ("state", "TEXT"),
        ("state_since", "TEXT"),
        ("way", "TEXT"),
        ("method", "TEXT"),
        ("stage", "TEXT"),
        ("addressee_kind", "TEXT"),
        ("addressee_name", "TEXT"),
        ("addressee_id", "TEXT"),
        ("matter", "TEXT"),
        ("catalogue_ref", "TEXT"),
        ("legal_basis", "TEXT"),
        ("officers", "TEXT"),
        ("officer_ids", "TEXT"),
        ("started_at", "TEXT"),
        ("started_by", "TEXT"),
        ("opinion_number", "TEXT"),
        ("opinion_on", "TEXT"),
        ("delivered_on", "TEXT"),
        ("record_number", "TEXT"),
        ("content", "TEXT"),
        ("given_at", "TEXT"),
        ("register_at", "TEXT"),
        ("ended_at", "TEXT"),
        ("effect", "TEXT"),
        ("commitment_open", "BIGINT"),
        ("commitment_due", "TEXT"),
        ("correction_number", "TEXT"),
        ("correction_open", "BIGINT"),
        ("correction_due", "TEXT"),
        ("follow_ups", "BIGINT"),
        ("last_follow_up", "TEXT"),
        ("typical", "BIGINT"),
        ("typical_reason", "TEXT"),
        ("documents", "BIGINT"),
        ("content_version", "BIGINT"),
        ("exported_version", "BIGINT"),
        ("exported_at", "TEXT"),
        ("updated_at", "TEXT"),
    ),
    key=("guidance_id",),
    indexes=(
        ("unit", "started_at", "guidance_id"),
        ("started_at", "guidance_id"),
        ("unit", "register_at", "guidance_id"),
        ("register_at", "guidance_id"),
        ("state", "started_at"),
    ),
)

# one row per platform export (``ledger.guidance.platform``): what went out, when, by whom
EXPORTS = Table(
    name="platform_export",
    columns=(
        ("export_id", "TEXT"),
        ("unit", "TEXT"),
        ("acts", "BIGINT"),
        ("format", "TEXT"),
        ("sha256", "TEXT"),
        ("layout", "TEXT"),
        ("exported_at", "TEXT"),
        ("exported_by", "TEXT"),
        ("exporter_unit", "TEXT"),
        ("units", "TEXT"),
    ),
    key=("export_id",),
    indexes=(("exported_at",), ("sha256",)),
)

TABLES = (GUIDANCE, EXPORTS)
# derived from the class: a module renamed by mistake fails here, loudly
GUIDANCE_TOPIC_PREFIX = get_topic(AdministrativeGuidance) + "."
EXPORT_TOPIC = get_topic(PlatformExport) + ".Recorded"
EXPORTS_KEY = "#exports"  # where ``fold_all`` keeps the export rows beside the guidance rows
OPEN_STATES = (GuidanceState.STARTED.value, GuidanceState.GIVEN.value)


def new_row(guidance_id: str) -> Row:
    row: Row = dict.fromkeys(GUIDANCE.column_names)
    row.update(guidance_id=guidance_id, commitment_open=0, correction_open=0, follow_ups=0, typical=0, documents=0)
    return row


def _day_start(day: Any) -> str:
    return iso(datetime.combine(day, datetime.min.time()).replace(tzinfo=CST))


def _given(row: Row, at: str) -> None:
    """The guidance was given at ``at`` (the first act that gave it counts)."""
    if row["given_at"] is None:
        row["given_at"] = at
        row["register_at"] = at


def fold(row: Row, event: Any, recorded_at: str) -> Row:
    """The guidance's row after one more of its events."""
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    if name == "Started":
        addressee = event.addressee
        row.update(
            unit=event.unit,
            state=GuidanceState.STARTED.value,
            state_since=at,
            way=event.way.value,
            method=event.method,
            stage=event.stage.value,
            addressee_kind=addressee.kind.value if addressee else None,
            addressee_name=addressee.name if addressee else None,
            addressee_id=(addressee.id_number or None) if addressee else None,
            matter=event.matter.text,
            catalogue_ref=event.matter.catalogue_ref or None,
            legal_basis=event.legal_basis,
            officers=SEP.join(o.name for o in event.officers),
            officer_ids="|" + "|".join(o.id for o in event.officers) + "|",
            started_at=at,
            started_by=env.actor.name,
        )
    elif name == "OpinionIssued":
        row.update(opinion_number=str(event.opinion.number), opinion_on=event.opinion.issued_on.isoformat(),
                   content=event.opinion.opinion)
    elif name == "OpinionDelivered":
        row.update(delivered_on=event.delivery.delivered_on.isoformat(), state=GuidanceState.GIVEN.value,
                   state_since=at)
        _given(row, _day_start(event.delivery.delivered_on))
    elif name == "RecordRegistered":
        # the 登记文书's 指导时间 is when the guidance took place: the register's time
        row.update(record_number=str(event.record.number), content=event.record.content,
                   register_at=iso(event.record.guided_at))
    elif name == "SimpleGuidanceRecorded":
        row.update(content=event.simple.content, state=GuidanceState.GIVEN.value, state_since=at)
        _given(row, iso(event.simple.at))
    elif name == "InterviewHeld":
        interview = event.interview
        row.update(content=f"{interview.problems}；{interview.requirements}", state=GuidanceState.GIVEN.value,
                   state_since=at)
        _given(row, iso(interview.held_at))
    elif name in ("CommitmentRecorded", "CommitmentTracked"):
        commitment = event.commitment
        open_items = [i for i in commitment.items if i.status is not ItemStatus.DONE]
        due = min((i.due_on for i in open_items), default=None)
        row.update(commitment_open=len(open_items), commitment_due=due.isoformat() if due else None)
        if name == "CommitmentRecorded":
            row.update(state=GuidanceState.GIVEN.value, state_since=at)
            _given(row, _day_start(commitment.signed_on))
    elif name in ("CorrectionOrdered", "CorrectionTracked"):  # 责令改正通知书: followed up like a commitment
        order = event.order
        open_items = [i for i in order.items if i.status is not ItemStatus.DONE]
        due = min((i.due_on for i in open_items), default=None)
        row.update(correction_number=str(order.number), correction_open=len(open_items),
                   correction_due=due.isoformat() if due else None)
        if name == "CorrectionOrdered":
            row.update(state=GuidanceState.GIVEN.value, state_since=at)
            _given(row, _day_start(order.issued_on))
    elif name == "Ended":
        end = event.end
        row.update(state=(GuidanceState.ACCEPTED if end.accepted else GuidanceState.TERMINATED).value,
                   state_since=at, ended_at=iso(end.at))
        if row["register_at"] is None:  # ended before it was given: the register still lists the attempt
            row["register_at"] = iso(end.at)
    elif name == "EffectRecorded":
        row["effect"] = event.effect
    elif name == "FollowedUp":
        row.update(follow_ups=row["follow_ups"] + 1, last_follow_up=event.visit.on.isoformat())
    elif name == "MarkedTypical":
        row.update(typical=1, typical_reason=event.mark.reason)
    if name == "DocumentIssued":  # paper drawn from the act: the act itself is unchanged
        row["documents"] = row["documents"] + 1
    else:  # events of later versions this view does not know keep the row as it was
        row["content_version"] = event.originator_version
    row["version"] = event.originator_version
    row["updated_at"] = recorded_at
    return row


def exported(rows: dict[str, Row], event: Any) -> None:
    """A platform export: each act it held was sent at that version."""
    at = iso(event.envelope.business_time)
    for act in event.acts:
        row = rows.get(str(act.guidance_id))
        if row is not None and (row["exported_version"] or 0) <= act.version:
            row.update(exported_version=act.version, exported_at=at)


def export_row(event: Any) -> tuple[Any, ...]:
    env = event.envelope
    units = "|" + "|".join(sorted({a.unit for a in event.acts})) + "|"
    return (str(event.originator_id), event.unit, len(event.acts), event.format, event.sha256, event.layout,
            iso(env.business_time), env.actor.name, env.actor.unit, units)


def keys_of(event: Any) -> list[str]:
    """The guidance rows an event touches."""
    if isinstance(event, PlatformExport.Recorded):
        return [str(a.guidance_id) for a in event.acts]
    return [str(event.originator_id)]


class GuidanceProjection:
    """The list of guidance acts (and the guidance half of the 登记簿)."""

    name = "guidance"
    tables = TABLES

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(GUIDANCE_TOPIC_PREFIX) or topic == EXPORT_TOPIC

    def fold_all(self, rows: dict[str, Any], items: list[tuple[int, str, Any]]) -> None:
        """Fold into ``rows`` (guidance id → row; the exports under ``EXPORTS_KEY``)."""
        for _, recorded_at, event in items:
            if isinstance(event, PlatformExport.Recorded):
                exported(rows, event)
                rows.setdefault(EXPORTS_KEY, {})[str(event.originator_id)] = export_row(event)
                continue
            key = str(event.originator_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = new_row(key)
            fold(row, event, recorded_at)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        ids = sorted({key for _, _, e in items for key in keys_of(e)})
        if not ids:
            return
        rows: dict[str, Row] = {}
        clause, params = where_in(cur.db, "guidance_id", ids)
        for r in cur.dicts(f"SELECT * FROM {GUIDANCE.name}{suffix} WHERE {clause}", params):
            rows[r["guidance_id"]] = r
        if rows:
            cur.execute(f"DELETE FROM {GUIDANCE.name}{suffix} WHERE {clause}", params)
        self.fold_all(rows, items)
        cur.insert_rows(GUIDANCE, [tuple(rows[i][c] for c in GUIDANCE.column_names) for i in ids if i in rows], suffix)
        cur.insert_rows(EXPORTS, list(rows.get(EXPORTS_KEY, {}).values()), suffix)

