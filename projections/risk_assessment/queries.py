"""Queries over the risk-assessment view, and the drawing of a report's first
three sections from the other views (the risk points' list and citations, the
registry, the guidance and mediation views). Scope: ``Reach.CASES`` — an
authority's staff read their own authority's reports; the office,
supervisors and auditors every authority's."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ledger.risk_assessment.values import (
    Basics,
    Comparison,
    ComparisonLine,
    MeasureLine,
    Period,
    PointLine,
    Sections,
)
from ledger.scope import Scope
from ledger.store.sql import ViewDB, where_in
from projections.risk_assessment import REPORTS, SCHEDULES

CASE_KINDS = ("case", "service")  # citations whose record is a booked case (its id is the case's)
SATISFIED = 3  # result_score 3 满意, 4 非常满意 (annex 3)


def _when(text: Any) -> str:
    return str(text)[:16].replace("T", " ") if text else ""


class RiskAssessmentQueries:
    db: ViewDB

    # ------------------------------------------------------------ the reports

    def risk_assessments(self, scope: Scope, *, authority: str | None = None, year: int | None = None,
                         late: bool | None = None) -> list[dict[str, Any]]:
        """Submitted reports, newest period first."""
        authority = scope.unit_filter(authority)
        where, params = ["1=1"], []
        for column, value in (("authority", authority), ("year", year)):
            if value is not None and value != "":
                where.append(f"{column} = %s")
                params.append(value)
        if late is not None:
            where.append("late = %s")
            params.append(int(late))
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {REPORTS.name} WHERE {' AND '.join(where)} "
                             f"ORDER BY last_day DESC, authority", params)
        for r in rows:
            r["late"] = bool(r["late"])
        return rows

    def risk_assessment_schedules(self, scope: Scope) -> dict[str, dict[str, Any]]:
        """The authorities' settings as set (an authority not here has the default)."""
        del scope  # a setting names no party and no record
        with self.db.reading() as cur:
            return {r["authority"]: r for r in cur.dicts(f"SELECT * FROM {SCHEDULES.name} ORDER BY authority")}

    # ------------------------------------------------------------ the sections

    def risk_assessment_sections(self, scope: Scope, authority: str, period: Period) -> Sections:
        """基本情况, 实施防控 and 对比分析 of ``authority``'s ``period`` as the views have them now."""
        points = self.risk_points(scope, authority=authority, as_of=period.last_day)  # type: ignore[attr-defined]
        now = self.risk_citations(scope, authority=authority, start=period.first_day,  # type: ignore[attr-defined]
                                  end=period.last_day)
        before_period = period.last_year()
        before = self.risk_citations(scope, authority=authority,  # type: ignore[attr-defined]
                                     start=before_period.first_day, end=before_period.last_day)
        cited = Counter(c["point_code"] for c in now)
        basics = Basics()
        if points:
            head = points[0]
            version = head["version"]
            solicitations = self.risk_solicitations(scope, authority=authority, version=version)  # type: ignore[attr-defined]
            channels = head.get("channels") or ""
            basics = Basics(
                edition=version, title=head.get("title") or "", effective_from=str(head.get("effective_from") or ""),
                document_number=head.get("document_number") or "", published_on=str(head.get("published_on") or ""),
                channels=channels if isinstance(channels, str) else "、".join(channels),
                solicitations=len(solicitations),
                points=tuple(PointLine(code=p["code"], category=p["category"], point=p["point"],
                                       grade=p["grade_label"], legal_basis=p["basis"], measures=p["measures"],
                                       cited=cited.get(p["code"], 0)) for p in points))
        measures = tuple(self._assessment_measures(now))
        codes = sorted({c["point_code"] for c in now} | {c["point_code"] for c in before} | {p.code for p in basics.points})
        names = {c["point_code"]: c["point"] for c in (*before, *now)} | {p.code: p.point for p in basics.points}
        earlier = Counter(c["point_code"] for c in before)
        rated_now, satisfied_now, reversals_now = self._assessment_case_figures(now)
        rated_before, satisfied_before, reversals_before = self._assessment_case_figures(before)
        comparison = Comparison(
            before_label=before_period.label,
            lines=tuple(ComparisonLine(point_code=c, point=names.get(c, ""), now=cited.get(c, 0),
                                       before=earlier.get(c, 0)) for c in codes),
            rated_now=rated_now, satisfied_now=satisfied_now, rated_before=rated_before,
            satisfied_before=satisfied_before, reversals_now=reversals_now, reversals_before=reversals_before)
        return Sections(basics=basics, measures=measures, comparison=comparison)

    def _assessment_rows(self, table: str, key: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        with self.db.reading() as cur:
            clause, params = where_in(cur.db, key, sorted(set(ids)))
            return {r[key]: r for r in cur.dicts(f"SELECT * FROM {table} WHERE {clause}", params)}

    def _assessment_measures(self, citations: list[dict[str, Any]]) -> list[MeasureLine]:
        """Each citation with its record's time, place, staff and content."""
        by_kind: dict[str, list[str]] = {}
        for c in citations:
            by_kind.setdefault("case" if c["record_kind"] in CASE_KINDS else c["record_kind"], []).append(c["record_id"])
        cases = self._assessment_rows("registry", "case_id", by_kind.get("case", []))
        guidance = self._assessment_rows("guidance", "guidance_id", by_kind.get("guidance", []))
        mediations = self._assessment_rows("mediation", "mediation_id", by_kind.get("mediation", []))
        lines = []
        for c in citations:
            kind, rid = c["record_kind"], c["record_id"]
            ref = time = place = staff = content = ""
            if kind in CASE_KINDS and rid in cases:
                r = cases[rid]
                ref = r.get("opinion_number") or r.get("form_number") or ""
                time = _when(r.get("served_at") or r.get("applied_at"))
                place, staff = r.get("service_place") or "", r.get("service_staff") or r.get("staff") or ""
                content = r.get("service_content") or r.get("needs") or ""
            elif kind == "guidance" and rid in guidance:
                r = guidance[rid]
                ref = r.get("opinion_number") or r.get("record_number") or ""
                time, staff = _when(r.get("given_at") or r.get("started_at")), r.get("officers") or ""
                content = "；".join(x for x in (r.get("method"), r.get("matter"), r.get("content")) if x)
            elif kind == "mediation" and rid in mediations:
                r = mediations[rid]
                ref, time = r.get("number") or "", _when(r.get("last_session_at") or r.get("started_at"))
                staff, content = r.get("started_by") or "", r.get("matter") or ""
            lines.append(MeasureLine(point_code=c["point_code"], point=c["point"], record_kind=c["record_kind_label"],
                                     reference=ref, time=time or _when(c["cited_at"]), place=place, staff=staff,
                                     content=content, unit=c["unit"]))
        return lines

    def _assessment_case_figures(self, citations: list[dict[str, Any]]) -> tuple[int, int, int]:
        """The cited cases: how many were rated, how many 满意 or better, penalties reversed on them."""
        cases = self._assessment_rows("registry", "case_id", [c["record_id"] for c in citations if c["record_kind"] in CASE_KINDS])
        rated = [r for r in cases.values() if r.get("rated_at")]
        return (len(rated), sum(1 for r in rated if (r.get("result_score") or 0) >= SATISFIED),
                sum(int(r.get("reversals") or 0) for r in cases.values()))
