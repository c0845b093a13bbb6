"""Queries over the feedback view, within the caller's scope: a collecting
unit's staff read their boxes, checks and forms; an addressed unit's staff
their letters; supervisors and auditors everything (``Reach.SUPERVISION``).

``today`` is the reader's date (China time): what is late depends on it, not
on the view, so the view never needs a clock."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.feedback.values import ActCategory, BoxKind, BoxSite, FeedbackSource, LetterSource, LetterState
from ledger.scope import Scope
from ledger.store.sql import ViewDB
from projections.feedback import BOXES, CHECKS, FORMS, LETTERS

LIMIT = 500
OPEN_LETTERS = (LetterState.ISSUED.value, LetterState.ANSWERED.value)


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    """The row with the Chinese labels of its codes (the pages and exports show these)."""
    out = dict(row)
    for column, enum in (("kind", BoxKind), ("site", BoxSite), ("source", None), ("category", ActCategory),
                         ("state", LetterState)):
        value = row.get(column)
        if value is None:
            continue
        if column == "source":
            enum = LetterSource if "letter_id" in row else FeedbackSource
        out[f"{column}_label"] = enum(value).label  # type: ignore[misc]
    return out


class FeedbackQueries:
    db: ViewDB

    def feedback_boxes(self, scope: Scope, *, unit: str | None = None) -> list[dict[str, Any]]:
        unit = scope.unit_filter(unit)
        where, params = ("WHERE collecting_unit = %s", [unit]) if unit else ("", [])
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {BOXES.name} {where} ORDER BY collecting_unit, site_name, kind", params)]

    def feedback_checks(self, scope: Scope, *, unit: str | None = None, box_id: str | None = None,
                        month: str | None = None, limit: int = LIMIT) -> list[dict[str, Any]]:
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("c.collecting_unit", unit), ("c.box_id", box_id), ("c.month", month)):
            if value:
                where.append(f"{column} = %s")
                params.append(str(value))
        with self.db.reading() as cur:
            return cur.dicts(
                f"SELECT c.*, b.site_name, b.kind, (SELECT count(*) FROM {FORMS.name} f WHERE f.box_id = c.box_id "
                f"AND f.month = c.month) AS forms FROM {CHECKS.name} c JOIN {BOXES.name} b ON b.box_id = c.box_id "
                f"WHERE {' AND '.join(where)} ORDER BY c.month DESC, b.site_name LIMIT %s", [*params, limit])

    def feedback_forms(self, scope: Scope, *, unit: str | None = None, month: str | None = None,
                       late: bool | None = None, category: str | None = None, limit: int = LIMIT,
                       offset: int = 0) -> list[dict[str, Any]]:
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("month", month), ("category", category)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if late is not None:
            where.append("late = %s")
            params.append(int(late))
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {FORMS.name} WHERE {' AND '.join(where)} ORDER BY filled_at DESC, form_id "
                "LIMIT %s OFFSET %s", [*params, limit, offset])]

    def feedback_form_row(self, scope: Scope, form_id: str) -> dict[str, Any] | None:
        rows = [r for r in self._rows(FORMS.name, "form_id", form_id) if scope.sees([r["unit"]])]
        return _labelled(rows[0]) if rows else None

    def suggestion_letters(self, scope: Scope, *, unit: str | None = None, state: str | None = None,
                           source: str | None = None, form_id: str | None = None, limit: int = LIMIT,
                           offset: int = 0) -> list[dict[str, Any]]:
        """Every 整改建议书 (newest first), the objections to reversals among them."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("state", state), ("source", source), ("form_id", form_id)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {LETTERS.name} WHERE {' AND '.join(where)} ORDER BY year DESC, seq DESC, letter_id "
                "LIMIT %s OFFSET %s", [*params, limit, offset])]

    def suggestion_letter_row(self, scope: Scope, letter_id: str) -> dict[str, Any] | None:
        rows = [r for r in self._rows(LETTERS.name, "letter_id", letter_id) if scope.sees([r["unit"]])]
        return _labelled(rows[0]) if rows else None

    def feedback_late(self, scope: Scope, today: date, *, unit: str | None = None) -> list[dict[str, Any]]:
        """What is late, per collecting unit: a box checked for a month (with
        something received) whose forms are past due with none filled in
        from it, and every form filled in after its due day."""
        unit = scope.unit_filter(unit)
        by_unit, params = ("AND c.collecting_unit = %s", [unit]) if unit else ("", [])
        f_unit, f_params = ("AND unit = %s", [unit]) if unit else ("", [])
        with self.db.reading() as cur:
            missing = cur.dicts(
                f"SELECT 'missing' AS what, c.collecting_unit AS unit, c.month, c.forms_due AS due_on, c.box_id, "
                f"b.site_name, b.kind, c.received, NULL AS form_id, NULL AS filled_on FROM {CHECKS.name} c "
                f"JOIN {BOXES.name} b ON b.box_id = c.box_id WHERE c.received > 0 AND c.forms_due < %s {by_unit} "
                f"AND NOT EXISTS (SELECT 1 FROM {FORMS.name} f WHERE f.box_id = c.box_id AND f.month = c.month)",
                [today.isoformat(), *params])
            late = cur.dicts(
                f"SELECT 'late' AS what, unit, month, due_on, box_id, source_detail AS site_name, NULL AS kind, "
                f"NULL AS received, form_id, filled_on FROM {FORMS.name} WHERE late = 1 {f_unit}", f_params)
        rows = [*missing, *late]
        rows.sort(key=lambda r: (r["unit"], r["month"], r["what"], r["box_id"] or "", r["form_id"] or ""))
        return rows

    def feedback_dashboard(self, scope: Scope, today: date) -> dict[str, Any]:
        """The supervision department's desk: the month's feedback still due
        (boxes checked, forms not yet in), what is late, letters waiting for an
        answer (overdue marked) and answers waiting to be verified. Other
        slices add their lists beside these (reviews, filings, terms)."""
        unit = scope.unit
        by_unit, params = ("AND c.collecting_unit = %s", [unit]) if unit else ("", [])
        l_unit, l_params = ("AND unit = %s", [unit]) if unit else ("", [])
        month_start = today.replace(day=1).isoformat()
        with self.db.reading() as cur:
            due = cur.dicts(
                f"SELECT c.*, b.site_name, b.kind FROM {CHECKS.name} c JOIN {BOXES.name} b ON b.box_id = c.box_id "
                f"WHERE c.received > 0 AND c.forms_due >= %s {by_unit} AND NOT EXISTS (SELECT 1 FROM {FORMS.name} f "
                "WHERE f.box_id = c.box_id AND f.month = c.month) ORDER BY c.forms_due, c.collecting_unit",
                [min(month_start, today.isoformat()), *params])
            letters = cur.dicts(
                f"SELECT * FROM {LETTERS.name} WHERE state IN (%s, %s) {l_unit} ORDER BY reply_due, letter_id "
                f"LIMIT {LIMIT}", [*OPEN_LETTERS, *l_params])
        for r in letters:
            r["overdue"] = r["state"] == LetterState.ISSUED.value and r["reply_due"] < today.isoformat()
        return {
            "due": due,
            "late": self.feedback_late(scope, today),
            "awaiting_answer": [_labelled(r) for r in letters if r["state"] == LetterState.ISSUED.value],
            "awaiting_verification": [_labelled(r) for r in letters if r["state"] == LetterState.ANSWERED.value],
        }

    def _rows(self, table: str, key: str, value: str) -> list[dict[str, Any]]:
        with self.db.reading() as cur:
            return cur.dicts(f"SELECT * FROM {table} WHERE {key} = %s", (value,))
