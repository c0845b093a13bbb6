"""The cases projection: the registry (台账, one row per case), its unit and
service-type rows (for filters and statistics) and the work queues (one row
per open case at its current stage).

``fold`` is pure: the registry row of a case after one more event. The row
*is* the projection's state, so applying a batch loads the rows of the cases
it touches, folds, and writes them back; a full rebuild and the incremental
view run the very same code.
"""

from __future__ import annotations

import json
from datetime import datetime
from operator import itemgetter
from typing import Any

from eventsourcing.utils import get_topic

from ledger.case import GuidanceCase
from ledger.case.values import CaseState, Grade, ServiceType
from ledger.store.sql import Cursor, Table, where_in
from ledger.values import CST, FormNumber
from projections.history import History, encode_version

Row = dict[str, Any]

REGISTRY = Table(
    name="registry",
    columns=(
        ("case_id", "TEXT"),
        ("version", "BIGINT"),
        ("state", "TEXT"),
        ("applied_at", "TEXT"),
        ("applicant_name", "TEXT"),
        ("applicant_kind", "TEXT"),
        ("id_number", "TEXT"),
        ("address", "TEXT"),
        ("contact_name", "TEXT"),
        ("contact_phone", "TEXT"),
        ("service_types", "TEXT"),
        ("needs", "TEXT"),
        ("channel", "TEXT"),
        ("urgency", "TEXT"),
        ("form_number", "TEXT"),
        ("form_unit", "TEXT"),
        ("form_year", "BIGINT"),
        ("form_seq", "BIGINT"),
        ("accepted_at", "TEXT"),
        ("deadline_class", "TEXT"),
        ("due_target", "TEXT"),
        ("due_limit", "TEXT"),
        ("provisional", "BIGINT"),
        ("refused_at", "TEXT"),
        ("refusal_reason", "TEXT"),
        ("referral", "TEXT"),
        ("referral_body", "TEXT"),
        ("referral_contact", "TEXT"),
        ("dispatched_at", "TEXT"),
        ("units", "TEXT"),
        ("lead_unit", "TEXT"),
        ("service_form", "TEXT"),
        ("staff", "TEXT"),
        ("redispatches", "BIGINT"),
        ("served_at", "TEXT"),
        ("served_month", "TEXT"),
        ("served_quarter", "TEXT"),
        ("opinion_number", "TEXT"),
        ("service_place", "TEXT"),
        ("service_content", "TEXT"),
        ("findings", "TEXT"),
        ("advice", "TEXT"),
        ("service_staff", "TEXT"),
        ("on_site", "BIGINT"),
        ("on_time", "BIGINT"),
        ("rating_number", "TEXT"),
        ("rated_at", "TEXT"),
        ("response_score", "BIGINT"),
        ("attitude_score", "BIGINT"),
        ("usefulness_score", "BIGINT"),
        ("result_score", "BIGINT"),
        ("phone_follow_up", "BIGINT"),
        ("follow_ups", "BIGINT"),
        ("last_follow_up", "TEXT"),
        ("rectification", "TEXT"),
        ("rectification_open", "BIGINT"),
        ("rectification_state", "TEXT"),
        ("reversal", "TEXT"),
        ("reversals", "BIGINT"),
        ("withdrawn_at", "TEXT"),
        ("withdrawal_reason", "TEXT"),
        ("archive_number", "TEXT"),
        ("archived_at", "TEXT"),
        ("corrections", "BIGINT"),
        ("annotations", "BIGINT"),
        ("updated_at", "TEXT"),
    ),
    key=("case_id",),
    indexes=(
        ("applied_at", "case_id"),
        ("state", "applied_at", "case_id"),
        ("served_at", "case_id"),
        ("form_unit", "form_year", "form_seq"),
    ),
)

# applied_at (and served_at) are repeated here so that a unit's (or a type's)
# page of the registry (and of the 登记簿) is read in order from one index,
# however rare the unit is.
REGISTRY_UNIT = Table(
    name="registry_unit",
    columns=(("case_id", "TEXT"), ("unit", "TEXT"), ("applied_at", "TEXT"), ("served_at", "TEXT")),
    key=("case_id", "unit"),
    indexes=(("unit", "applied_at", "case_id"), ("unit", "served_at", "case_id")),
)

REGISTRY_TYPE = Table(
    name="registry_type",
    columns=(("case_id", "TEXT"), ("service_type", "TEXT"), ("applied_at", "TEXT")),
    key=("case_id", "service_type"),
    indexes=(("service_type", "applied_at", "case_id"),),
)

QUEUE = Table(
    name="work_queue",
    columns=(
        ("case_id", "TEXT"),
        ("stage", "TEXT"),
        ("since", "TEXT"),
        ("units", "TEXT"),
        ("lead_unit", "TEXT"),
        ("staff", "TEXT"),
        ("applicant_name", "TEXT"),
        ("form_number", "TEXT"),
        ("urgency", "TEXT"),
        ("due_target", "TEXT"),
        ("due_at", "TEXT"),
        ("provisional", "BIGINT"),
    ),
    key=("case_id",),
    indexes=(("stage", "due_at", "since", "case_id"),),
)

# A unit's part of a queue, read in the queue's order from one index (a
# LIKE on the units column could use none: a unit with nothing in a stage
# scanned all of it).
QUEUE_UNIT = Table(
    name="work_queue_unit",
    columns=(("case_id", "TEXT"), ("unit", "TEXT"), ("stage", "TEXT"), ("due_at", "TEXT"), ("since", "TEXT")),
    key=("case_id", "unit"),
    indexes=(("unit", "stage", "due_at", "since", "case_id"),),
)

# Every version a registry row ever had, from the notification id of the
# event that made it until the next version's: the registry as of any moment
# is then one indexed query (projections/history.py, cases/as_of.py) instead
# of a fold of the log up to there (13.9 s and 645 MB for the halfway cut of
# 1,000,000 events).
REGISTRY_HISTORY = History("registry", "case_id", "applied_at")

CURRENT = (REGISTRY, REGISTRY_UNIT, REGISTRY_TYPE, QUEUE, QUEUE_UNIT)  # replaced row by row
TABLES = (*CURRENT, *REGISTRY_HISTORY.tables)
_REGISTRY_VALUES = itemgetter(*REGISTRY.column_names)
_QUEUE_VALUES = itemgetter(*QUEUE.column_names)

# The stages of the work queues, in process order.
STAGES = ("acceptance", "dispatch", "service", "rating", "follow_up", "archiving")

# Correctable fields (see ledger.case.CORRECTABLE) shown in the registry.
CORRECTED_COLUMNS = {
    "applicant.name": "applicant_name",
    "applicant.address": "address",
    "applicant.id_number": "id_number",
    "contact.name": "contact_name",
    "contact.phone": "contact_phone",
    "needs": "needs",
    "referral.body": "referral_body",
    "referral.how_to_reach": "referral_contact",
    "opinion.place": "service_place",
    "opinion.content": "service_content",
    "opinion.findings": "findings",
    "opinion.advice": "advice",
}

# derived from the class: a module renamed by mistake fails here, loudly
CASE_TOPIC_PREFIX = get_topic(GuidanceCase) + "."
SEP = "、"


def iso(value: datetime | None) -> str | None:
    return value.astimezone(CST).isoformat() if value is not None else None


def _names(people: Any) -> str:
    return SEP.join(p.name for p in people)


def _number(n: FormNumber | None) -> str | None:
    return str(n) if n is not None else None


def _on_time(row: Row) -> int | None:
    if row["served_at"] is None or row["due_limit"] is None:
        return None
    return int(datetime.fromisoformat(row["served_at"]) <= datetime.fromisoformat(row["due_limit"]))


def _set_due(row: Row, due: Any) -> None:
    row["deadline_class"] = due.deadline_class.value
    row["due_target"] = iso(due.target)
    row["due_limit"] = iso(due.limit)
    row["provisional"] = int(due.provisional)
    row["on_time"] = _on_time(row)


_EMPTY_ROW: Row = {c: None for c in REGISTRY.column_names} | dict.fromkeys(
    ("redispatches", "follow_ups", "reversals", "corrections", "annotations", "rectification_open"), 0
)


def _set_referral(row: Row) -> None:
    if row["referral_body"] is not None:
        row["referral"] = f"{row['referral_body']}（{row['referral_contact']}）"


def new_row(case_id: str) -> Row:
    return {**_EMPTY_ROW, "case_id": case_id}


def fold(row: Row | None, event: Any, recorded_at: str) -> Row:
    """The registry row after ``event`` (a GuidanceCase event); pure."""
    return fold_into(dict(row) if row is not None else new_row(str(event.originator_id)), event, recorded_at)


def fold_into(row: Row, event: Any, recorded_at: str) -> Row:
    """``fold``, changing ``row`` in place (the runner owns its rows)."""
    name = type(event).__name__
    row["version"] = event.originator_version
    row["updated_at"] = recorded_at
    env = event.envelope
    at = iso(env.business_time)
    if name == "Applied":
        a, c = event.applicant, event.contact
        row.update(
            state=CaseState.APPLIED.value,
            applied_at=at,
            applicant_name=a.name,
            applicant_kind=a.kind.value,
            id_number=a.id_number,
            address=a.address,
            contact_name=c.name,
            contact_phone=c.phone,
            service_types=",".join(t.value for t in event.service_types),
            needs=event.needs,
            channel=event.channel.value,
            urgency=event.urgency.value,
        )
    elif name == "Accepted":
        n = event.form_number
        row.update(
            state=CaseState.ACCEPTED.value,
            accepted_at=at,
            form_number=str(n),
            form_unit=n.unit,
            form_year=n.year,
            form_seq=n.seq,
        )
        _set_due(row, event.due)
    elif name == "DeadlineRecomputed":
        _set_due(row, event.due)
    elif name == "Refused":
        row.update(
            state=CaseState.REFUSED.value,
            refused_at=at,
            refusal_reason=event.reason,
            referral_body=event.referral.body,
            referral_contact=event.referral.how_to_reach,
        )
        _set_referral(row)
    elif name == "Dispatched":
        row.update(
            state=CaseState.DISPATCHED.value,
            dispatched_at=at,
            units=SEP.join(a.unit for a in event.assignments),
            lead_unit=event.lead_unit,
            service_form=event.form.value,
            staff=SEP.join(_names(a.staff) for a in event.assignments),
            redispatches=row["redispatches"] + (1 if event.redispatch_reason else 0),
        )
    elif name == "Served":
        o = event.opinion
        served = o.service_time.astimezone(CST)
        row.update(
            state=CaseState.SERVED.value,
            served_at=served.isoformat(),
            served_month=f"{served.year}-{served.month:02d}",
            served_quarter=f"{served.year}-Q{(served.month - 1) // 3 + 1}",
            opinion_number=str(o.number),
            service_place=o.place,
            service_content=o.content,
            findings=o.findings,
            advice=o.advice,
            service_staff=_names(o.staff),
            on_site=int(o.on_site),
        )
        row["on_time"] = _on_time(row)
    elif name == "Rated":
        r = event.rating
        row.update(
            state=CaseState.RATED.value,
            rated_at=at,
            rating_number=str(r.number),
            response_score=r.response.score,
            attitude_score=r.attitude.score,
            usefulness_score=r.usefulness.score,
            result_score=r.result.score,
            phone_follow_up=int(r.method.value == "phone_follow_up"),
        )
    elif name == "FollowedUp":
        f = event.follow_up
        row["follow_ups"] += 1
        row["last_follow_up"] = f"{f.on.isoformat()} {f.method.label}：{f.findings}"
    elif name == "RectificationTracked":
        # per penalty decision [done, total]; a later tracking of the same
        # decision replaces the earlier one (as in the aggregate)
        state = json.loads(row["rectification_state"] or "{}")
        items = event.rectification.items
        ref = event.rectification.penalty_decision or "整改事项"
        state[ref] = [sum(1 for i in items if i.status.value == "done"), len(items)]
        row["rectification_state"] = json.dumps(state, ensure_ascii=False, sort_keys=True)
        row["rectification_open"] = sum(total - done for done, total in state.values())
        row["rectification"] = "；".join(f"{k}：{d}/{t}项已整改" for k, (d, t) in sorted(state.items()))
    elif name in ("PenaltyRevoked", "PenaltyRemade"):
        rv = event.reversal
        verb = "撤销" if name == "PenaltyRevoked" else "重新作出"
        text = f"{verb}{rv.decision.number}（{rv.cited.list.label}{rv.cited.catalogue_version}第{rv.cited.item_number}项）：{rv.outcome}"
        row["reversals"] += 1
        row["reversal"] = text if not row["reversal"] else f"{row['reversal']}；{text}"
    elif name == "Withdrawn":
        row.update(state=CaseState.WITHDRAWN.value, withdrawn_at=at, withdrawal_reason=event.reason)
    elif name == "Archived":
        row.update(state=CaseState.ARCHIVED.value, archived_at=at, archive_number=_number(event.archive_number))
    elif name == "Corrected":
        row["corrections"] += 1
        for change in event.changes:
            column = CORRECTED_COLUMNS.get(change.field)
            if column:
                row[column] = change.new
        _set_referral(row)
    elif name == "Annotated":
        row["annotations"] += 1
    return row


def queue_row(row: Row) -> Row | None:
    """The case's row in the work queues, or None when nothing is left to do."""
    state = row["state"]
    due_target = due_at = None
    if state == "applied":
        stage = "acceptance"
    elif state == "accepted":
        stage, due_target, due_at = "dispatch", row["due_target"], row["due_limit"]
    elif state == "dispatched":
        stage, due_target, due_at = "service", row["due_target"], row["due_limit"]
    elif state == "served":
        stage = "rating"
    elif state == "rated":
        stage = "follow_up" if not row["follow_ups"] else "archiving"
    elif state in ("refused", "withdrawn"):
        stage = "archiving"
    else:
        return None
    since = {
        "acceptance": row["applied_at"],
        "dispatch": row["accepted_at"],
        "service": row["dispatched_at"],
        "rating": row["served_at"],
        "follow_up": row["rated_at"],
        "archiving": row["rated_at"] or row["refused_at"] or row["withdrawn_at"],
    }[stage]
    return {
        "case_id": row["case_id"],
        "stage": stage,
        "since": since,
        "units": f"|{row['units'].replace(SEP, '|')}|" if row["units"] else None,
        "lead_unit": row["lead_unit"],
        "staff": row["staff"],
        "applicant_name": row["applicant_name"],
        "form_number": row["form_number"],
        "urgency": row["urgency"],
        "due_target": due_target,
        "due_at": due_at,
        "provisional": row["provisional"] if due_at else None,
    }


class CasesProjection:
    """Registry, unit/type rows and work queues, maintained together."""

    name = "cases"
    tables = TABLES
    # a row is the fold of its own case's events: a rebuild may fold the cases in
    # partitions, each case's events together (projections/partitioned.py)
    topic_prefix = CASE_TOPIC_PREFIX

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(CASE_TOPIC_PREFIX)

    def fold_all(self, rows: dict[str, Row], items: list[tuple[int, str, Any]],
                 versions: list[tuple[str, int, str | None, str]] | None = None) -> set[str]:
        """Fold a batch into ``rows`` (case id → row); return the ids touched.
        ``versions`` collects the history's rows: each row after each event."""
        touched: set[str] = set()
        for position, recorded_at, event in items:
            case_id = str(event.originator_id)
            row = rows.get(case_id)
            if row is None:
                row = rows[case_id] = new_row(case_id)
            fold_into(row, event, recorded_at)
            touched.add(case_id)
            if versions is not None:
                versions.append((case_id, position, row["applied_at"], encode_version(_REGISTRY_VALUES(row))))
        return touched

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        ids = sorted({e.originator_id for _, _, e in items})
        ids = [str(i) for i in ids]
        if not ids:
            return
        rows: dict[str, Row] = {}
        for chunk in _chunks(ids, 5000):
            clause, params = where_in(cur.db, "case_id", chunk)
            for r in cur.dicts(f"SELECT * FROM registry{suffix} WHERE {clause}", params):
                rows[r["case_id"]] = r
        existing = sorted(rows)
        versions: list[tuple[str, int, str | None, str]] = []
        self.fold_all(rows, items, versions)
        # only cases already in the view have rows to replace
        for chunk in _chunks(existing, 5000):
            clause, params = where_in(cur.db, "case_id", chunk)
            for table in CURRENT:
                cur.execute(f"DELETE FROM {table.name}{suffix} WHERE {clause}", params)
        self.write_folded(cur, [rows[i] for i in ids], versions, suffix)

    def write_folded(self, cur: Cursor, rows: list[Row], versions: list[tuple[str, int, str | None, str]],
                     suffix: str = "") -> None:
        """Write folded rows (no earlier row of theirs in the tables) and their versions."""
        self.write(cur, rows, suffix)
        REGISTRY_HISTORY.write(cur, versions, suffix)

    def write(self, cur: Cursor, rows: list[Row], suffix: str = "") -> None:
        cur.insert_rows(REGISTRY, list(map(_REGISTRY_VALUES, rows)), suffix)
        cur.insert_rows(
            REGISTRY_UNIT,
            [
                (r["case_id"], u, r["applied_at"], r["served_at"])
                for r in rows if r["units"] for u in dict.fromkeys(r["units"].split(SEP))
            ],
            suffix,
        )
        cur.insert_rows(
            REGISTRY_TYPE,
            [(r["case_id"], t, r["applied_at"]) for r in rows if r["service_types"] for t in r["service_types"].split(",")],
            suffix,
        )
        queue = [q for q in map(queue_row, rows) if q is not None]
        cur.insert_rows(QUEUE, list(map(_QUEUE_VALUES, queue)), suffix)
        cur.insert_rows(
            QUEUE_UNIT,
            [(q["case_id"], u, q["stage"], q["due_at"], q["since"])
             for q in queue if q["units"] for u in dict.fromkeys(q["units"].strip("|").split("|"))],
            suffix,
        )


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


GRADE_BY_SCORE = {g.score: g for g in Grade}  # read for four cells of every exported row


def grade_label(scale: str, score: int | None) -> str | None:
    from ledger.case.values import SCALE_LABELS

    if score is None:
        return None
    return SCALE_LABELS[scale][GRADE_BY_SCORE[score]]


def service_type_labels(codes: str | None) -> str:
    return SEP.join(ServiceType(c).label for c in codes.split(",")) if codes else ""
