"""Queries over the mediation view: the mediator's list and the queue of
open mediations with their age and due date, and the notices of the right to
apply for mediation (第十五条) — given, and still owed for served 纠纷化解
cases (the registry beside this view)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ledger.mediation.values import EndReason, MediationState, Procedure, Referral, RightSource, StartWay
from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.values import CST
from projections.mediation import OPEN_STATES

Row = dict[str, Any]
DISPUTE = "dispute_mediation"  # ServiceType.DISPUTE_MEDIATION's stored value
SERVED = ("served", "rated", "archived")


class MediationQueries:
    db: ViewDB

    def mediation_list(self, scope: Scope, *, unit: str | None = None, state: str | None = None,
                       procedure: str | None = None, open_only: bool = False, overdue_only: bool = False,
                       limit: int | None = 100, offset: int = 0, today: date | None = None) -> list[Row]:
        """A page of mediations (open ones oldest first, else newest first), within the scope."""
        unit = scope.unit_filter(unit)
        today = today or datetime.now(CST).date()
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("state", state), ("procedure", procedure)):
            if value:
                where.append(f"m.{column} = %s")
                params.append(value)
        if open_only or overdue_only:
            where.append(f"m.state IN ({', '.join(['%s'] * len(OPEN_STATES))})")
            params += list(OPEN_STATES)
        if overdue_only:
            where.append("m.due_on IS NOT NULL AND m.due_on < %s")
            params.append(today.isoformat())
        order = "m.started_at, m.mediation_id" if open_only or overdue_only else "m.started_at DESC, m.mediation_id DESC"
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT m.* FROM mediation m WHERE {' AND '.join(where)} ORDER BY {order}{page}", params)
        return [labelled(r, today) for r in rows]

    def mediation_row(self, mediation_id: Any) -> Row | None:
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM mediation WHERE mediation_id = %s", [str(mediation_id)])
        return labelled(rows[0], datetime.now(CST).date()) if rows else None

    def right_notices(self, scope: Scope, *, unit: str | None = None, limit: int = 100) -> list[Row]:
        """The notices of the right to apply for mediation given (newest first)."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        if unit:
            where.append("n.unit = %s")
            params.append(unit)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT n.* FROM mediation_right_notice n WHERE {' AND '.join(where)} "
                             "ORDER BY n.given_on DESC, n.notice_id LIMIT %s", [*params, limit])
        for r in rows:
            r["source_label"] = RightSource(r["source"]).label
        return rows

    def right_notice_for(self, source: str, ref: str) -> Row | None:
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM mediation_right_notice WHERE source = %s AND ref = %s", [source, ref])
        return rows[0] if rows else None

    def right_notices_owed(self, scope: Scope, *, unit: str | None = None, limit: int = 100) -> list[Row]:
        """第十五条: whom the reader's units still owe the notice of the right to
        apply for mediation (oldest first) — the applicant of a served 纠纷化解
        case (``source`` service, ``ref`` the case id) and the party of a
        declared major decision (``source`` major_decision, ``ref`` its 文号).
        Each row: source, source_label, ref, party, number, at, units, case_id."""
        unit = scope.unit_filter(unit)
        cases = ["r.service_types LIKE %s", f"r.state IN ({', '.join(['%s'] * len(SERVED))})",
                 "NOT EXISTS (SELECT 1 FROM mediation_right_notice n WHERE n.source = 'service' AND n.ref = r.case_id)"]
        params: list[Any] = [f"%{DISPUTE}%", *SERVED]
        if unit:
            cases.append("EXISTS (SELECT 1 FROM registry_unit k WHERE k.case_id = r.case_id AND k.unit = %s)")
            params.append(unit)
        statement = (f"SELECT 'service' AS source, r.case_id AS ref, r.applicant_name AS party, r.form_number AS number, "
                     f"r.served_at AS at, r.units AS units, r.case_id AS case_id FROM registry r WHERE {' AND '.join(cases)}")
        with self.db.reading() as cur:
            if cur.columns("major_filing"):  # the supervision view's (none before its runner first ran)
                decisions = ["NOT EXISTS (SELECT 1 FROM mediation_right_notice n WHERE n.source = 'major_decision' "
                             "AND n.ref = f.decision_number AND n.unit = f.unit)"]
                if unit:
                    decisions.append("f.unit = %s")
                    params.append(unit)
                statement += (" UNION ALL SELECT 'major_decision', f.decision_number, f.party, f.decision_number, "
                              f"f.decided_on, f.unit, f.case_id FROM major_filing f WHERE {' AND '.join(decisions)}")
            rows = cur.dicts(f"SELECT * FROM ({statement}) owed ORDER BY at, ref LIMIT %s", [*params, limit])
        for r in rows:
            r["source_label"] = RightSource(r["source"]).label
        return rows


def labelled(row: Row, today: date) -> Row:
    """A row with its Chinese words, its age in days and whether it is overdue
    (only after its due day: the due day itself is in time)."""
    out = dict(row)
    out["state_label"] = MediationState(row["state"]).label if row["state"] else ""
    out["procedure_label"] = Procedure(row["procedure"]).label if row["procedure"] else ""
    out["way_label"] = StartWay(row["way"]).label if row["way"] else ""
    out["end_label"] = EndReason(row["end_reason"]).label if row.get("end_reason") else ""
    out["referral_label"] = Referral(row["referral"]).label if row.get("referral") else ""
    started = datetime.fromisoformat(row["started_at"]).astimezone(CST).date() if row["started_at"] else today
    out["open"] = row["state"] in OPEN_STATES
    out["age_days"] = (today - started).days
    out["overdue"] = bool(out["open"] and row.get("due_on") and today > date.fromisoformat(row["due_on"]))
    return out
