"""The supervision network's view (``ledger.network``, seed 003 一–三): one
row per contact point, invited supervisor, pairing and report, the year's
quotas by town, and the directory's staff of each unit with their posts —
what the lists, the annex 2–4 sheets, the term reminders and the pairing
check (所长、副所长不少于2家，一般司法干警不少于1家) read.

``fold`` is pure and the rows are the state, so the incremental view, a
rebuild and the as-of fold run the same code. State: table name → row key →
row.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from ledger.directory import User
from ledger.network import ContactPoint, InvitedSupervisor, NetworkQuota, NetworkReport, Pairing
from ledger.network.values import ContactPointState, PairingState, SupervisorState, reminder_on
from ledger.store.sql import Cursor, Table, where_in
from projections.cases import SEP, iso

Row = dict[str, Any]

_ENTERPRISE = (("name", "TEXT"), ("uscc", "TEXT"), ("address", "TEXT"), ("legal_rep", "TEXT"), ("contact", "TEXT"))

CONTACT_POINTS = Table(
    name="network_contact_point",
    columns=(("contact_point_id", "TEXT"), ("version", "BIGINT"), ("year", "BIGINT"), ("town", "TEXT"),
             ("office", "TEXT"), *_ENTERPRISE, ("state", "TEXT"), ("nominated_on", "TEXT"), ("nominated_by", "TEXT"),
             ("plaqued_on", "TEXT"), ("reason", "TEXT"), ("reports", "BIGINT"), ("updated_at", "TEXT")),
    key=("contact_point_id",),
    indexes=(("office", "year"), ("state", "plaqued_on")),
)
SUPERVISORS = Table(
    name="network_supervisor",
    columns=(("supervisor_id", "TEXT"), ("version", "BIGINT"), ("year", "BIGINT"), ("town", "TEXT"),
             ("office", "TEXT"), ("category", "TEXT"), ("name", "TEXT"), ("id_number", "TEXT"), ("employer", "TEXT"),
             ("employer_uscc", "TEXT"), ("mobile", "TEXT"), ("state", "TEXT"), ("nominated_on", "TEXT"),
             ("term_start", "TEXT"), ("term_end", "TEXT"), ("reminder_on", "TEXT"), ("letter_number", "TEXT"),
             ("terms", "BIGINT"), ("reason", "TEXT"), ("reports", "BIGINT"), ("updated_at", "TEXT")),
    key=("supervisor_id",),
    indexes=(("office", "year"), ("term_end",)),
)
PAIRINGS = Table(
    name="network_pairing",
    columns=(("pairing_id", "TEXT"), ("version", "BIGINT"), ("office", "TEXT"), ("staff_id", "TEXT"),
             ("staff_name", "TEXT"), *_ENTERPRISE, ("state", "TEXT"), ("paired_on", "TEXT"), ("visits", "BIGINT"),
             ("last_visit", "TEXT"), ("needs", "TEXT"), ("reason", "TEXT"), ("updated_at", "TEXT")),
    key=("pairing_id",),
    indexes=(("office", "staff_id"),),
)
REPORTS = Table(
    name="network_report",
    columns=(("report_id", "TEXT"), ("version", "BIGINT"), ("source", "TEXT"), ("source_id", "TEXT"),
             ("source_name", "TEXT"), ("office", "TEXT"), ("town", "TEXT"), ("received_on", "TEXT"),
             ("act_kind", "TEXT"), ("unit_concerned", "TEXT"), ("happened", "TEXT"), ("suggestion", "TEXT"),
             ("filed_at", "TEXT"), ("filed_by", "TEXT"), ("forwarded_on", "TEXT"), ("updated_at", "TEXT")),
    key=("report_id",),
    indexes=(("office", "received_on"), ("received_on",), ("source_id",)),
)
QUOTAS = Table(
    name="network_quota",
    columns=(("year", "BIGINT"), ("town", "TEXT"), ("office", "TEXT"), ("seq", "BIGINT"), ("contact_points", "BIGINT"),
             ("enterprise", "BIGINT"), ("deputy", "BIGINT"), ("counsel", "BIGINT")),
    key=("year", "town"),
)
# the directory's people as the pairing check needs them (ledger.directory.User)
STAFF = Table(
    name="network_staff",
    columns=(("user_id", "TEXT"), ("username", "TEXT"), ("name", "TEXT"), ("role", "TEXT"), ("unit", "TEXT"), ("post", "TEXT"),
             ("active", "BIGINT"), ("pending_role", "TEXT"), ("pending_unit", "TEXT"), ("pending_initial", "BIGINT")),
    key=("user_id",),
    indexes=(("unit",),),
)
TABLES = (CONTACT_POINTS, SUPERVISORS, PAIRINGS, REPORTS, QUOTAS, STAFF)

_OWNERS = {get_topic(ContactPoint): CONTACT_POINTS, get_topic(InvitedSupervisor): SUPERVISORS,
           get_topic(Pairing): PAIRINGS, get_topic(NetworkReport): REPORTS, get_topic(NetworkQuota): QUOTAS,
           get_topic(User): STAFF}
# the column a table's touched rows are read by (a year's quota rows together)
LOAD_KEY = {t.name: t.key[0] for t in TABLES}


def _owner(event: Any) -> Table:
    return _OWNERS[get_topic(type(event)).rpartition(".")[0]]


def row_key(table: Table, row: Row) -> str:
    return "|".join(str(row[k]) for k in table.key)


def touched(event: Any) -> list[tuple[Table, Any]]:
    """The (table, load key) pairs an event changes."""
    table = _owner(event)
    if table is QUOTAS:
        return [(QUOTAS, event.year)]
    out = [(table, event.originator_id)]
    if isinstance(event, NetworkReport.Filed):
        out.append((CONTACT_POINTS if event.source.value == "contact_point" else SUPERVISORS, event.source_id))
    return out


def _enterprise(e: Any) -> Row:
    return {"name": e.name, "uscc": e.uscc, "address": e.address, "legal_rep": e.legal_rep, "contact": e.contact}


def _term(row: Row, term: Any) -> None:
    row.update(term_start=term.start.isoformat(), term_end=term.end.isoformat(),
               reminder_on=reminder_on(term.end).isoformat(), letter_number=str(term.letter), terms=row["terms"] + 1,
               state=SupervisorState.APPOINTED.value)


def fold(state: dict[str, dict[str, Row]], event: Any, recorded_at: str) -> None:
    """The view after one more event."""
    table = _owner(event)
    name = type(event).__name__
    rows = state.setdefault(table.name, {})
    if table is QUOTAS:
        year = event.year
        for key in [k for k, r in rows.items() if r["year"] == year]:
            del rows[key]
        for seq, q in enumerate(event.quotas, 1):
            rows[f"{year}|{q.town}"] = {"year": year, "town": q.town, "office": q.office, "seq": seq,
                                        "contact_points": q.contact_points, "enterprise": q.enterprise,
                                        "deputy": q.deputy, "counsel": q.counsel}
        return
    if table is STAFF:
        _fold_staff(rows, event, name)
        return
    key = str(event.originator_id)
    env = event.envelope
    row = rows.get(key)
    if row is None:
        row = rows[key] = dict.fromkeys(table.column_names)
        row[table.key[0]] = key
    if table is CONTACT_POINTS:
        if name == "Nominated":
            row.update(year=event.year, town=event.town, office=event.office, **_enterprise(event.enterprise),
                       state=ContactPointState.NOMINATED.value, nominated_on=iso(env.business_time)[:10],
                       nominated_by=env.actor.name, reports=0)
        elif name == "Plaqued":
            row.update(state=ContactPointState.PLAQUED.value, plaqued_on=event.plaqued_on.isoformat())
        elif name == "Adjusted":
            row.update(**_enterprise(event.enterprise), reason=event.reason)
        elif name in ("Rejected", "Removed"):
            row.update(state=(ContactPointState.REJECTED if name == "Rejected" else ContactPointState.REMOVED).value,
                       reason=event.reason)
    elif table is SUPERVISORS:
        if name == "Nominated":
            row.update(year=event.year, town=event.town, office=event.office, category=event.category.value,
                       name=event.name, id_number=event.id_number, employer=event.employer,
                       employer_uscc=event.employer_uscc or None, mobile=event.mobile,
                       state=SupervisorState.NOMINATED.value, nominated_on=iso(env.business_time)[:10], terms=0,
                       reports=0)
        elif name in ("Appointed", "Renewed"):
            _term(row, event.term)
        elif name == "Dismissed":
            row.update(state=SupervisorState.ENDED.value, reason=event.reason)
    elif table is PAIRINGS:
        if name == "Paired":
            row.update(office=event.office, staff_id=event.staff_id, staff_name=event.staff_name,
                       **_enterprise(event.enterprise), state=PairingState.ACTIVE.value,
                       paired_on=iso(env.business_time)[:10], visits=0)
        elif name == "Visited":
            needs = [n for n in (row["needs"] or "").split(SEP) if n] + list(event.visit.needs)
            last = max(filter(None, (row["last_visit"], event.visit.visited_on.isoformat())))
            row.update(visits=row["visits"] + 1, last_visit=last, needs=SEP.join(needs) or None)
        elif name == "Ended":
            row.update(state=PairingState.ENDED.value, reason=event.reason)
    elif table is REPORTS:
        if name == "Filed":
            row.update(source=event.source.value, source_id=str(event.source_id), source_name=event.source_name,
                       office=event.office, town=event.town, received_on=event.received_on.isoformat(),
                       act_kind=event.act_kind.value, unit_concerned=event.unit_concerned or None,
                       happened=event.happened, suggestion=event.suggestion or None, filed_at=iso(env.business_time),
                       filed_by=env.actor.name)
            source_table = CONTACT_POINTS if event.source.value == "contact_point" else SUPERVISORS
            source = state.setdefault(source_table.name, {}).get(str(event.source_id))
            if source is not None:
                source["reports"] = (source["reports"] or 0) + 1
        elif name == "Forwarded":
            row["forwarded_on"] = event.forwarded_on.isoformat()
    row["version"] = event.originator_version
    row["updated_at"] = recorded_at


def _fold_staff(rows: dict[str, Row], event: Any, name: str) -> None:
    if name == "Registered":
        rows[str(event.originator_id)] = {"user_id": str(event.originator_id), "username": event.username, "name": event.display_name, "role": event.role.value,
                                "unit": event.unit, "post": "staff", "active": 1, "pending_role": None,
                                "pending_unit": None, "pending_initial": 0}
        return
    row = rows.get(str(event.originator_id))
    if row is None:
        return
    if name == "Assigned":
        row.update(role=event.role.value, unit=event.unit, pending_role=None, pending_unit=None, pending_initial=0)
    elif name == "GrantProposed":
        row.update(pending_role=event.role.value, pending_unit=event.unit, pending_initial=int(event.initial))
    elif name == "GrantConfirmed":
        if row["pending_role"]:
            row.update(role=row["pending_role"], unit=row["pending_unit"])
        row.update(pending_role=None, pending_unit=None, pending_initial=0)
    elif name == "PostSet":
        row["post"] = event.post.value
    elif name in ("Disabled", "Enabled"):
        row["active"] = int(name == "Enabled")


_STAFF_EVENTS = ("Registered", "Assigned", "GrantProposed", "GrantConfirmed", "PostSet", "Disabled", "Enabled")
_PREFIXES = tuple(t + "." for t in _OWNERS if _OWNERS[t] is not STAFF)
_STAFF_TOPICS = frozenset(f"{get_topic(User)}.{n}" for n in _STAFF_EVENTS)


class NetworkProjection:
    """Contact points, supervisors, pairings, reports, quotas and staff."""

    name = "network"
    tables = TABLES

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(_PREFIXES) or topic in _STAFF_TOPICS

    def fold_all(self, state: dict[str, Any], items: list[tuple[int, str, Any]]) -> None:
        for _, recorded_at, event in items:
            fold(state, event, recorded_at)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        state: dict[str, Any] = {}
        wanted: dict[str, set[str]] = {}
        for _, _, event in items:
            for table, key in touched(event):
                wanted.setdefault(table.name, set()).add(str(key))
        by_name = {t.name: t for t in TABLES}
        for name, keys in wanted.items():
            table = by_name[name]
            column = LOAD_KEY[name]
            values: list[Any] = sorted(int(k) for k in keys) if table is QUOTAS else sorted(keys)
            clause, params = where_in(cur.db, column, values)
            rows = cur.dicts(f"SELECT * FROM {name}{suffix} WHERE {clause}", params)
            state[name] = {row_key(table, r): r for r in rows}
            if rows:
                cur.execute(f"DELETE FROM {name}{suffix} WHERE {clause}", params)
        self.fold_all(state, items)
        for name in wanted:
            table = by_name[name]
            cur.insert_rows(table, [tuple(r[c] for c in table.column_names) for r in state.get(name, {}).values()],
                            suffix)

