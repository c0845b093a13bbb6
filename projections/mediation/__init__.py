"""The mediation view: one row per administrative mediation (行政调解,
``ledger.mediation``) — what the mediator's list and the queue of open
mediations read — and one row per notice of the right to apply for mediation
(第十五条), which the list of notices still owed reads beside the registry.

``fold`` is pure and the row is the state, so the incremental view, a rebuild
and the as-of fold run the same code. Parties appear by name only: their
identifiers stay on the mediation's page (read from the aggregate, masked by
role), so nothing here is keyed by a person's ID number.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from ledger.mediation import AdministrativeMediation, MediationRightNotice
from ledger.mediation.values import MediationState
from ledger.store.sql import Cursor, Table, where_in
from projections.cases import SEP, iso

Row = dict[str, Any]

MEDIATION = Table(
    name="mediation",
    columns=(
        ("mediation_id", "TEXT"),
        ("version", "BIGINT"),
        ("unit", "TEXT"),
        ("number", "TEXT"),
        ("state", "TEXT"),
        ("state_since", "TEXT"),
        ("way", "TEXT"),
        ("procedure", "TEXT"),
        ("matter", "TEXT"),
        ("parties", "TEXT"),
        ("party_count", "BIGINT"),
        ("consents", "BIGINT"),
        ("started_at", "TEXT"),
        ("started_by", "TEXT"),
        ("accepted_at", "TEXT"),
        ("due_on", "TEXT"),
        ("rights_given", "BIGINT"),
        ("sessions", "BIGINT"),
        ("last_session_at", "TEXT"),
        ("investigations", "BIGINT"),
        ("closed_at", "TEXT"),
        ("end_reason", "TEXT"),
        ("referral", "TEXT"),
        ("documents", "BIGINT"),
        ("updated_at", "TEXT"),
    ),
    key=("mediation_id",),
    indexes=(("unit", "started_at", "mediation_id"), ("started_at", "mediation_id"), ("state", "started_at")),
)

RIGHT_NOTICES = Table(
    name="mediation_right_notice",
    columns=(
        ("notice_id", "TEXT"),
        ("source", "TEXT"),
        ("ref", "TEXT"),
        ("unit", "TEXT"),
        ("party", "TEXT"),
        ("given_on", "TEXT"),
        ("method", "TEXT"),
        ("given_by", "TEXT"),
        ("recorded_at", "TEXT"),
    ),
    key=("notice_id",),
    indexes=(("source", "ref"), ("unit", "given_on")),
)

TABLES = (MEDIATION, RIGHT_NOTICES)
# derived from the classes: a module renamed by mistake fails here, loudly
MEDIATION_TOPIC_PREFIX = get_topic(AdministrativeMediation) + "."
NOTICE_TOPIC = get_topic(MediationRightNotice) + ".Given"
NOTICES_KEY = "#notices"  # where ``fold_all`` keeps the notice rows beside the mediation rows
OPEN_STATES = (MediationState.STARTED.value, MediationState.ACCEPTED.value, MediationState.MEDIATING.value)


def new_row(mediation_id: str) -> Row:
    row: Row = dict.fromkeys(MEDIATION.column_names)
    row.update(mediation_id=mediation_id, consents=0, sessions=0, investigations=0, documents=0, rights_given=0)
    return row


def fold(row: Row, event: Any, recorded_at: str) -> Row:
    """The mediation's row after one more of its events."""
    name = type(event).__name__
    at = iso(event.envelope.business_time)
    if name == "Started":
        row.update(unit=event.unit, state=MediationState.STARTED.value, state_since=at, way=event.way.value,
                   procedure=event.procedure.value, matter=event.matter,
                   parties=SEP.join(p.name for p in event.parties), party_count=len(event.parties),
                   started_at=at, started_by=event.envelope.actor.name)
    elif name == "ConsentRecorded":
        row["consents"] = row["consents"] + 1
    elif name == "AcceptanceDecided":
        a = event.acceptance
        if a.accepted:
            row.update(state=MediationState.ACCEPTED.value, state_since=at, accepted_at=at,
                       number=str(a.number) if a.number is not None else None,
                       due_on=a.due_on.isoformat() if a.due_on else None)
        else:
            row.update(state=MediationState.DECLINED.value, state_since=at, closed_at=at)
    elif name == "RightsNotified":
        row["rights_given"] = 1
    elif name == "SessionHeld":
        row.update(state=MediationState.MEDIATING.value, state_since=at, sessions=row["sessions"] + 1,
                   last_session_at=iso(event.session.held_at))
    elif name == "Investigated":
        row["investigations"] = row["investigations"] + 1
    elif name == "AgreementConcluded":
        row.update(state=MediationState.AGREED.value, state_since=at, closed_at=at)
    elif name in ("Ended", "ConsentWithdrawn"):
        row.update(state=MediationState.ENDED.value, state_since=at, closed_at=at,
                   end_reason=event.ending.reason.value, referral=event.ending.referral.value)
    elif name == "DocumentIssued":
        row["documents"] = row["documents"] + 1
    row["version"] = event.originator_version
    row["updated_at"] = recorded_at
    return row


def notice_row(event: Any, recorded_at: str) -> tuple[Any, ...]:
    return (str(event.originator_id), event.source.value, event.ref, event.unit, event.party,
            event.given_on.isoformat(), event.method.value, event.envelope.actor.name, recorded_at)


class MediationProjection:
    """The list of mediations and the notices of the right to mediation."""

    name = "mediation"
    tables = TABLES

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(MEDIATION_TOPIC_PREFIX) or topic == NOTICE_TOPIC

    def fold_all(self, rows: dict[str, Any], items: list[tuple[int, str, Any]]) -> None:
        """Fold into ``rows`` (mediation id → row; the notices under ``NOTICES_KEY``)."""
        for _, recorded_at, event in items:
            if isinstance(event, MediationRightNotice.Given):
                rows.setdefault(NOTICES_KEY, {})[str(event.originator_id)] = notice_row(event, recorded_at)
                continue
            key = str(event.originator_id)
            row = rows.get(key)
            if row is None:
                row = rows[key] = new_row(key)
            fold(row, event, recorded_at)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        ids = sorted({str(e.originator_id) for _, _, e in items if not isinstance(e, MediationRightNotice.Given)})
        rows: dict[str, Any] = {}
        if ids:
            clause, params = where_in(cur.db, "mediation_id", ids)
            for r in cur.dicts(f"SELECT * FROM {MEDIATION.name}{suffix} WHERE {clause}", params):
                rows[r["mediation_id"]] = r
            if rows:
                cur.execute(f"DELETE FROM {MEDIATION.name}{suffix} WHERE {clause}", params)
        self.fold_all(rows, items)
        cur.insert_rows(MEDIATION, [tuple(rows[i][c] for c in MEDIATION.column_names) for i in ids if i in rows], suffix)
        cur.insert_rows(RIGHT_NOTICES, list(rows.get(NOTICES_KEY, {}).values()), suffix)
