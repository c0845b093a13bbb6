"""Reading the views: registry (with CSV export and masking by role), the
行政指导事项登记簿 with its quarterly cut, work queues, the audit log and
statistics. Queries only; nothing here changes a view."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from ledger.case.values import CaseState, Channel, ServiceType
from ledger.identifiers import mask_id_number
from ledger.scope import UNMASKED_ROLES, Scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from ledger.supervision import ReviewStatus
from ledger.values import CST, FourList, Role
from projections.audit import AUDIT, AuditProjection
from projections.cases import STAGES, CasesProjection, Row, grade_label, service_type_labels
from projections.runner import ensure_tables
from projections.spreadsheet import csv_bytes
from projections.supervision import FILING, REVIEW, SupervisionProjection

REGISTRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("form_number", "申请表编号"),
    ("applicant_name", "申请单位/个人"),
    ("id_number", "统一社会信用代码/身份证号"),
    ("service_types", "服务类型"),
    ("channel", "预约方式"),
    ("applied_at", "申请时间"),
    ("accepted_at", "受理时间"),
    ("due_limit", "办结时限"),
    ("provisional", "时限暂定"),
    ("served_at", "服务时间"),
    ("on_time", "按时办结"),
    ("units", "服务单位"),
    ("staff", "服务人员"),
    ("opinion_number", "意见书编号"),
    ("response", "服务响应"),
    ("attitude", "服务态度"),
    ("usefulness", "服务内容"),
    ("result", "服务结果"),
    ("phone_follow_up", "电话回访"),
    ("last_follow_up", "回访情况"),
    ("rectification", "整改情况"),
    ("reversal", "处罚撤销/重新作出"),
    ("archive_number", "归档编号"),
    ("archived_at", "归档时间"),
    ("state", "状态"),
    ("case_id", "案件ID"),
)

QUEUE_LIMIT = 500  # rows of each list of the supervision queue


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern with ESCAPE '!': its %, _ and ! match themselves."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


REGISTER_COLUMNS = (("seq", "序号"), ("time", "时间"), ("matter", "指导事项"), ("result", "指导结果"), ("staff", "指导人员"))


def _yes_no(value: Any) -> str:
    return "" if value is None else ("是" if value else "否")


def display_registry_row(row: Row, role: Role) -> dict[str, Any]:
    """A registry row as clerks read it (labels; ID numbers masked by role)."""
    out = {k: row.get(k) for k, _ in REGISTRY_COLUMNS if k in row}
    if row.get("applicant_kind") == "individual" and role not in UNMASKED_ROLES and row.get("id_number"):
        out["id_number"] = mask_id_number(row["id_number"])
    out["service_types"] = service_type_labels(row.get("service_types"))
    out["channel"] = Channel(row["channel"]).label if row.get("channel") else None
    out["state"] = CaseState(row["state"]).label if row.get("state") else None
    for scale in ("response", "attitude", "usefulness", "result"):
        out[scale] = grade_label(scale, row.get(f"{scale}_score"))
    out["provisional"] = _yes_no(row.get("provisional")) if row.get("due_limit") else ""
    out["on_time"] = _yes_no(row.get("on_time"))
    out["phone_follow_up"] = _yes_no(row.get("phone_follow_up"))
    return out


def registry_csv(rows: Iterable[Row], role: Role) -> bytes:
    """The registry as a CSV file (UTF-8 with BOM, so that Excel opens it)."""
    shown = (display_registry_row(row, role) for row in rows)
    return csv_bytes([label for _, label in REGISTRY_COLUMNS], ([r.get(k) for k, _ in REGISTRY_COLUMNS] for r in shown))


def registry_order(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r["applied_at"] or "", r["case_id"]))


def guidance_register(rows: Iterable[Row], first: int = 1) -> list[dict[str, Any]]:
    """行政指导事项登记簿: one line per guidance given, in order of time;
    ``first`` is the 序号 of the first line (a page's offset + 1)."""
    served = sorted((r for r in rows if r.get("served_at")), key=lambda r: (r["served_at"], r["case_id"]))
    out = []
    for i, r in enumerate(served, start=first):
        at = datetime.fromisoformat(r["served_at"])
        out.append(
            {
                "seq": i,
                "time": f"{at.year}年{at.month}月{at.day}日",
                "matter": f"{r['applicant_name']}：{service_type_labels(r['service_types'])}（{r['service_content'] or r['needs']}）",
                "result": r["advice"] or "",
                "staff": r["service_staff"] or r["staff"] or "",
            }
        )
    return out


def quarter_bounds(year: int, quarter: int) -> tuple[str, str]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=CST)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=CST)
    return start.isoformat(), end.isoformat()


def period_bounds(year: int | None, quarter: int | None) -> tuple[str | None, str | None]:
    """The served_at range of a quarter, a whole year, or (neither) all time."""
    if quarter is not None:
        if year is None:
            raise ValueError("a quarter needs its year")
        return quarter_bounds(year, quarter)
    if year is not None:
        return datetime(year, 1, 1, tzinfo=CST).isoformat(), datetime(year + 1, 1, 1, tzinfo=CST).isoformat()
    return None, None


REVERSAL_COLUMNS = (
    ("unit", "作出单位"),
    ("kind", "处理方式"),
    ("decision_number", "原处罚决定书文号"),
    ("decided_on", "原决定日期"),
    ("list_kind", "适用清单"),
    ("catalogue_version", "清单版本"),
    ("item_number", "事项序号"),
    ("conditions_met", "符合条件"),
    ("outcome", "处理结果"),
    ("new_sanction", "新处罚内容"),
    ("new_fine_yuan", "新罚款金额（元）"),
    ("major", "重大决定"),
    ("explanation", "书面说明"),
    ("legal_reviewer", "法制审核人"),
    ("actor_name", "承办人"),
    ("reversed_at", "办理时间"),
    ("recorded_at", "记录时间"),
    ("status", "审查状态"),
    ("letters", "整改建议书编号"),
    ("reply_due", "答复期限"),
    ("reviewer_name", "审查人"),
    ("case_id", "案件ID"),
    ("review_id", "审查ID"),
)
KIND_LABELS = {"revoked": "撤销", "remade": "重新作出"}


def display_reversal(row: Row) -> dict[str, Any]:
    """A review row with its labels (what the review list shows)."""
    out = dict(row)
    out["kind_label"] = KIND_LABELS.get(row["kind"] or "", row["kind"])
    out["list_label"] = FourList(row["list_kind"]).label if row["list_kind"] else None
    out["status_label"] = ReviewStatus(row["status"]).label
    out["major"] = bool(row["major"])
    return out


def reversals_csv(rows: Iterable[Row]) -> bytes:
    def line(r: Row) -> list[Any]:
        d = display_reversal(r)
        d.update(kind=d["kind_label"], list_kind=d["list_label"], status=d["status_label"], major=_yes_no(r["major"]))
        return [d[c] for c, _ in REVERSAL_COLUMNS]

    ordered = sorted(rows, key=lambda r: (r["reversed_at"] or "", r["review_id"]))
    return csv_bytes([label for _, label in REVERSAL_COLUMNS], map(line, ordered))


class Views:
    """Queries over the views of one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = ViewDB(settings)
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                ensure_tables(cur, CasesProjection())
                ensure_tables(cur, AuditProjection())
                ensure_tables(cur, SupervisionProjection())
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------- registry

    def registry_rows(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        service_type: ServiceType | None = None,
        state: str | None = None,
        applied_from: str | None = None,
        applied_to: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        # Drive the query from the index that matches the most selective
        # filter, in the order of the page, so a page costs the same however
        # rare the unit, type or state is.
        unit = scope.unit_filter(unit)
        where: list[str] = []
        params: list[Any] = []
        if unit:
            source, order = "registry_unit k JOIN registry r ON r.case_id = k.case_id", "k.applied_at, k.case_id"
            where.append("k.unit = %s")
            params.append(unit)
            if service_type:
                where.append("EXISTS (SELECT 1 FROM registry_type t WHERE t.case_id = r.case_id AND t.service_type = %s)")
                params.append(service_type.value)
        elif service_type:
            source, order = "registry_type k JOIN registry r ON r.case_id = k.case_id", "k.applied_at, k.case_id"
            where.append("k.service_type = %s")
            params.append(service_type.value)
        elif state:
            source, order = "registry r", "r.state, r.applied_at, r.case_id"
        else:
            source, order = "registry r", "r.applied_at, r.case_id"
        if state:
            where.append("r.state = %s")
            params.append(state)
        if state and not (unit or service_type):
            # row comparisons put the period into the (state, applied_at)
            # index range; a plain applied_at bound tempts the planner into
            # the applied_at index and a filter over most of the table
            where.append("(r.state, r.applied_at) >= (%s, %s)")
            params += [state, applied_from or ""]
            if applied_to:
                where.append("(r.state, r.applied_at) < (%s, %s)")
                params += [state, applied_to]
        else:
            column = "k.applied_at" if (unit or service_type) else "r.applied_at"
            if applied_from:
                where.append(f"{column} >= %s")
                params.append(applied_from)
            if applied_to:
                where.append(f"{column} < %s")
                params.append(applied_to)
        page = ""
        if limit is not None:
            page = " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with self.db.reading() as cur:
            return cur.dicts(
                f"SELECT r.* FROM {source} WHERE {' AND '.join(where) or '1=1'} ORDER BY {order}{page}", params
            )

    def registry(self, scope: Scope, **filters: Any) -> list[dict[str, Any]]:
        return [display_registry_row(r, scope.role) for r in self.registry_rows(scope, **filters)]

    def guidance_register(
        self,
        scope: Scope,
        year: int | None = None,
        quarter: int | None = None,
        *,
        unit: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """A page of the 登记簿 (of a unit; of a year or a quarter), in order
        of service time; ``序号`` counts on across pages. ``limit`` None: all."""
        unit = scope.unit_filter(unit)
        if unit:
            source, column = "registry_unit k JOIN registry r ON r.case_id = k.case_id", "k"
            where, params = ["k.unit = %s"], [unit]
        else:
            source, column = "registry r", "r"
            where, params = [], []
        start, end = period_bounds(year, quarter)
        where.append(f"{column}.served_at >= %s")
        params.append(start or "")
        if end:
            where.append(f"{column}.served_at < %s")
            params.append(end)
        page = ""
        if limit is not None:
            page = " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT r.case_id, r.served_at, r.applicant_name, r.service_types, r.service_content, r.needs, "
                f"r.advice, r.service_staff, r.staff FROM {source} WHERE {' AND '.join(where)} "
                f"ORDER BY {column}.served_at, {column}.case_id{page}",
                params,
            )
        return guidance_register(rows, first=offset + 1)

    # ------------------------------------------------------------------ queues

    def queue(
        self,
        scope: Scope,
        stage: str,
        *,
        unit: str | None = None,
        now: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}")
        unit = scope.unit_filter(unit)
        now = (now or datetime.now(CST)).astimezone(CST)
        where, params = ["stage = %s"], [stage]
        if unit:
            # units are stored as |a|b|; the name is matched as a literal,
            # never as a pattern (a unit named % must not match every unit)
            where.append("units LIKE %s ESCAPE '!'")
            params.append(f"%|{like_literal(unit)}|%")
        page = ""
        if limit is not None:
            page = " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT * FROM work_queue WHERE {' AND '.join(where)} "
                f"ORDER BY due_at IS NULL, due_at, since, case_id{page}",
                params,
            )
        soon = now + timedelta(hours=24)
        for r in rows:
            due = datetime.fromisoformat(r["due_at"]) if r["due_at"] else None
            r["overdue"] = bool(due and due < now)
            r["due_soon"] = bool(due and now <= due <= soon)
            r["units"] = r["units"].strip("|").replace("|", "、") if r["units"] else None
        return rows

    # ------------------------------------------------------------------- audit

    def audit(
        self,
        scope: Scope,
        *,
        actor_id: str | None = None,
        unit: str | None = None,
        case_id: str | None = None,
        action: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if scope.aggregates is not None:
            where.append(f"aggregate IN ({', '.join(['%s'] * len(scope.aggregates))})")
            params += list(scope.aggregates)
        for column, value in (("actor_id", actor_id), ("unit", unit), ("case_id", case_id), ("action", action)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if recorded_from:
            where.append("recorded_at >= %s")
            params.append(self.db.utc_key(recorded_from))
        if recorded_to:
            where.append("recorded_at < %s")
            params.append(self.db.utc_key(recorded_to))
        with self.db.reading() as cur:
            return cur.dicts(
                f"SELECT * FROM {AUDIT.name} WHERE {' AND '.join(where)} ORDER BY notification_id LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )

    def aggregate_ids(self, aggregate: str) -> list[str]:
        """Ids of the aggregates of one kind (e.g. ``unit``, ``user``) the log has seen."""
        with self.db.reading() as cur:
            return [r[0] for r in cur.execute(
                f"SELECT DISTINCT aggregate_id FROM {AUDIT.name} WHERE aggregate = %s ORDER BY aggregate_id",
                (aggregate,),
            ).fetchall()]

    # -------------------------------------------------------------- statistics

    def stats(self, scope: Scope, by: str, *, unit: str | None = None) -> list[dict[str, Any]]:
        """Satisfaction per scale (mean score 1–4 and share of the top two
        grades) and on-time rate, grouped by unit, service type, month or
        quarter; of the cases of one unit when the scope (or ``unit``) says so."""
        group = {
            "unit": ("u.unit", "JOIN registry_unit u ON u.case_id = r.case_id"),
            "service_type": ("t.service_type", "JOIN registry_type t ON t.case_id = r.case_id"),
            "month": ("r.served_month", ""),
            "quarter": ("r.served_quarter", ""),
        }
        if by not in group:
            raise ValueError("by must be one of unit, service_type, month, quarter")
        key, join = group[by]
        where, params = ["r.served_at IS NOT NULL"], []
        unit = scope.unit_filter(unit)
        if unit:
            if by != "unit":
                join += " JOIN registry_unit u ON u.case_id = r.case_id"
            where.append("u.unit = %s")
            params.append(unit)
        scales = ("response", "attitude", "usefulness", "result")
        means = ", ".join(f"AVG(r.{s}_score) AS {s}_mean" for s in scales)
        tops = ", ".join(f"SUM(CASE WHEN r.{s}_score >= 3 THEN 1 ELSE 0 END) AS {s}_good" for s in scales)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT {key} AS grp, COUNT(*) AS served, SUM(r.on_time) AS on_time, "
                f"COUNT(r.response_score) AS rated, {means}, {tops} "
                f"FROM registry r {join} WHERE {' AND '.join(where)} GROUP BY {key} ORDER BY {key}",
                params,
            )
        out = []
        for r in rows:
            item: dict[str, Any] = {
                by: r["grp"],
                "served": int(r["served"]),
                "on_time": int(r["on_time"] or 0),
                "on_time_rate": round(int(r["on_time"] or 0) / int(r["served"]), 4) if r["served"] else None,
                "rated": int(r["rated"]),
            }
            if by == "service_type" and r["grp"]:
                item["label"] = ServiceType(r["grp"]).label
            for s in scales:
                mean = r[f"{s}_mean"]
                item[f"{s}_mean"] = round(float(mean), 3) if mean is not None else None
                item[f"{s}_satisfied_rate"] = round(int(r[f"{s}_good"]) / int(r["rated"]), 4) if r["rated"] else None
            out.append(item)
        return out


    # ------------------------------------------------------------- supervision

    def reversals(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        list_kind: str | None = None,
        item_number: str | None = None,
        status: str | None = None,
        reversed_from: str | None = None,
        reversed_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """The review list of reversed penalties; the period filters the
        business date of the reversal (``YYYY-MM-DD``, to exclusive)."""
        unit = scope.unit_filter(unit)
        where, params = ["kind IS NOT NULL"], []
        for column, value in (("unit", unit), ("list_kind", list_kind), ("item_number", item_number), ("status", status)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if reversed_from:
            where.append("reversed_at >= %s")
            params.append(reversed_from)
        if reversed_to:
            where.append("reversed_at < %s")
            params.append(reversed_to)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE {' AND '.join(where)} "
                "ORDER BY reversed_at, review_id LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [display_reversal(r) for r in rows]

    def reversal_stats(self, scope: Scope, by: str, *, unit: str | None = None) -> list[dict[str, Any]]:
        """Reversals per unit, per list item or per month (of one unit, or all),
        with review outcomes."""
        unit = scope.unit_filter(unit)
        keys = {"unit": "unit", "item": "unit, list_kind, catalogue_version, item_number", "month": "reversed_month"}
        if by not in keys:
            raise ValueError("by must be one of unit, item, month")
        states = ", ".join(f"SUM(CASE WHEN status = '{s.value}' THEN 1 ELSE 0 END) AS {s.value}" for s in ReviewStatus)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT {keys[by]}, COUNT(*) AS reversals, "
                "SUM(CASE WHEN kind = 'revoked' THEN 1 ELSE 0 END) AS revoked, "
                "SUM(CASE WHEN kind = 'remade' THEN 1 ELSE 0 END) AS remade, "
                f"SUM(major) AS major, {states} "
                f"FROM {REVIEW.name} WHERE kind IS NOT NULL {'AND unit = %s' if unit else ''} "
                f"GROUP BY {keys[by]} ORDER BY {keys[by]}",
                [unit] if unit else [],
            )
        for r in rows:
            for k in ("reversals", "revoked", "remade", "major", *(s.value for s in ReviewStatus)):
                r[k] = int(r[k] or 0)
            if by == "item":
                r["list_label"] = FourList(r["list_kind"]).label
        return rows

    def filings(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        status: str | None = None,
        today: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Major-decision filings; ``status`` is open, overdue, filed or late."""
        unit = scope.unit_filter(unit)
        today = today or datetime.now(CST).date().isoformat()
        where, params = ["1=1"], []
        if unit:
            where.append("unit = %s")
            params.append(unit)
        conditions = {
            "open": "filed_on IS NULL",
            "overdue": "filed_on IS NULL AND due_on < %s",
            "filed": "filed_on IS NOT NULL",
            "late": "filed_on IS NOT NULL AND late = 1",
        }
        if status:
            if status not in conditions:
                raise ValueError("status must be one of open, overdue, filed, late")
            where.append(conditions[status])
            if status == "overdue":
                params.append(today)
        page = ""
        if limit is not None:
            page = " LIMIT %s OFFSET %s"
            params += [limit, offset]
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT * FROM {FILING.name} WHERE {' AND '.join(where)} ORDER BY due_on, filing_id{page}", params
            )
        for r in rows:
            r["late"] = bool(r["late"])
            r["overdue"] = r["filed_on"] is None and r["due_on"] < today
            r["days_left"] = None if r["filed_on"] else (date.fromisoformat(r["due_on"]) - date.fromisoformat(today)).days
        return rows

    def supervision_queue(
        self, scope: Scope, *, today: str | None = None, limit: int = QUEUE_LIMIT
    ) -> dict[str, list[dict[str, Any]]]:
        """What waits for supervisors: reversals to review (new or answered),
        objections whose answer is overdue, and major decisions not filed in
        time (the first ``limit`` of each; of the scope's unit only)."""
        today = today or datetime.now(CST).date().isoformat()
        unit = scope.unit_filter(None)
        only_unit, unit_params = ("AND unit = %s", [unit]) if unit else ("", [])
        with self.db.reading() as cur:
            to_review = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE kind IS NOT NULL AND status IN (%s, %s) {only_unit} "
                "ORDER BY reversed_at, review_id LIMIT %s",
                [ReviewStatus.PENDING.value, ReviewStatus.ANSWERED.value, *unit_params, limit],
            )
            unanswered = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE status = %s AND reply_due < %s {only_unit} "
                "ORDER BY reply_due, review_id LIMIT %s",
                [ReviewStatus.OBJECTED.value, today, *unit_params, limit],
            )
        return {
            "to_review": [display_reversal(r) for r in to_review],
            "answers_overdue": [display_reversal(r) for r in unanswered],
            "filings_overdue": self.filings(scope, status="overdue", today=today, limit=limit),
        }
