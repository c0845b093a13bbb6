"""Queries over the risk-points view. The lists are published law: every
reader (and the public page) sees the published editions; the drafts and
solicitations are read by the signed-in. Citations and warnings are case data
(``Reach.CASES``): a unit's staff read their own unit's, others all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from ledger.risk_points.values import (
    RecordKind,
    RiskGrade,
    RiskLikelihood,
    RiskSeverity,
    WarningAction,
)
from ledger.risk_points.warnings import Citation, PointRule, raised
from ledger.scope import Scope
from ledger.store.sql import ViewDB
from ledger.values import CST
from projections.risk_points import CITATIONS, EDITIONS, HANDLED, REGISTERS, SOLICITATIONS, rule_of

LIMIT = 1000


def _today() -> date:
    return datetime.now(CST).date()


def _labelled_point(p: dict[str, Any]) -> dict[str, Any]:
    return {**p, "grade_label": RiskGrade(p["grade"]).label, "severity_label": RiskSeverity(p["severity"]).label,
            "likelihood_label": RiskLikelihood(p["likelihood"]).label,
            "overridden": p["grade"] != p["derived"]}


def _edition(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["points"] = [_labelled_point(p) for p in msgspec.json.decode(row["points"])]
    out["state_label"] = "已公布" if row["state"] == "published" else "草案（未公布）"
    return out


def _in_force(editions: list[dict[str, Any]], day: date) -> dict[str, Any] | None:
    """The published edition in force on ``day``: the latest to take effect."""
    found = [e for e in editions if e["state"] == "published" and e["effective_from"] <= day.isoformat()]
    return max(found, key=lambda e: e["effective_from"], default=None)


class RiskPointQueries:
    db: ViewDB

    def _risk_edition_rows(self, authority: str) -> list[dict[str, Any]]:
        with self.db.reading() as cur:
            return cur.dicts(f"SELECT * FROM {EDITIONS.name} WHERE authority = %s ORDER BY effective_from, version",
                             [authority])

    def risk_registers(self, scope: Scope) -> list[dict[str, Any]]:
        """Every authority with a register: its rule and its editions (summaries)."""
        with self.db.reading() as cur:
            registers = cur.dicts(f"SELECT * FROM {REGISTERS.name} ORDER BY authority")
            editions = cur.dicts(
                f"SELECT edition_id, authority, version, title, effective_from, state, point_count, high, "
                f"solicitations, published_on, channels FROM {EDITIONS.name} ORDER BY effective_from, version")
        today = _today().isoformat()
        out = []
        for r in registers:
            mine = [e for e in editions if e["authority"] == r["authority"]]
            current = max((e for e in mine if e["state"] == "published" and e["effective_from"] <= today),
                          key=lambda e: e["effective_from"], default=None)
            out.append({"authority": r["authority"], "rule_set": r["rule"] is not None, "editions": mine,
                        "in_force": current["version"] if current else None})
        return out

    def risk_rule(self, scope: Scope, *, authority: str) -> dict[str, Any]:
        """The authority's grading rule as a matrix (rows: severity; columns: likelihood)."""
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {REGISTERS.name} WHERE authority = %s", [authority])
        rule = rule_of(rows[0] if rows else None)
        return {
            "authority": authority, "own": bool(rows and rows[0]["rule"]), "note": rule.note,
            "likelihoods": [lk.label for lk in RiskLikelihood],
            "rows": [{"severity": s.value, "severity_label": s.label,
                      "grades": [rule.grade_of(s, lk).label for lk in RiskLikelihood]} for s in RiskSeverity],
            "cells": msgspec.to_builtins(rule.cells),
        }

    def risk_editions(self, scope: Scope, *, authority: str) -> list[dict[str, Any]]:
        """Every edition of the authority (drafts too), oldest first, with its points."""
        return [_edition(r) for r in self._risk_edition_rows(authority)]

    def risk_edition(self, scope: Scope, *, authority: str, version: str) -> dict[str, Any] | None:
        found = [r for r in self._risk_edition_rows(authority) if r["version"] == version]
        return _edition(found[0]) if found else None

    def risk_points(self, scope: Scope, *, authority: str, as_of: date | None = None) -> list[dict[str, Any]]:
        """The points of the authority's published list in force on ``as_of``
        (default: today): code, category, point, grade (+ label), the other
        fields, the grade's reasons, and the edition's version, effective date,
        publication date and channels."""
        edition = _in_force(self._risk_edition_rows(authority), as_of or _today())
        if edition is None:
            return []
        e = _edition(edition)
        head = {k: e[k] for k in ("version", "title", "effective_from", "document_number", "published_on", "channels")}
        return [{**p, "authority": authority, **head} for p in e["points"]]

    def risk_solicitations(self, scope: Scope, *, authority: str, version: str | None = None) -> list[dict[str, Any]]:
        where, params = ["authority = %s"], [authority]
        if version:
            where.append("version = %s")
            params.append(version)
        with self.db.reading() as cur:
            return cur.dicts(f"SELECT * FROM {SOLICITATIONS.name} WHERE {' AND '.join(where)} ORDER BY version, number",
                             params)

    def risk_citations(self, scope: Scope, *, authority: str, start: date, end: date) -> list[dict[str, Any]]:
        """Citations of the authority's points from ``start`` to ``end``
        (inclusive, by the day of citing): point_code, point, grade,
        record_kind, record_id, unit, cited_at, cited_by (a unit's staff: their unit's)."""
        unit = scope.unit_filter(None)
        where, params = ["authority = %s", "cited_on >= %s", "cited_on <= %s"], [authority, start.isoformat(),
                                                                                end.isoformat()]
        if unit:
            where.append("unit = %s")
            params.append(unit)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {CITATIONS.name} WHERE {' AND '.join(where)} "
                             f"ORDER BY cited_at, citation_id LIMIT %s", [*params, LIMIT])
        return [_citation(r) for r in rows]

    def record_risk_citations(self, scope: Scope, *, record_id: Any) -> list[dict[str, Any]]:
        """The points one record (a case, a guidance, a mediation) cites."""
        unit = scope.unit_filter(None)
        where, params = ["record_id = %s"], [str(record_id)]
        if unit:
            where.append("unit = %s")
            params.append(unit)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {CITATIONS.name} WHERE {' AND '.join(where)} ORDER BY cited_at, point_code",
                             params)
        return [_citation(r) for r in rows]

    def risk_warnings(self, scope: Scope, *, authority: str, today: date | None = None) -> list[dict[str, Any]]:
        """The warnings raised on ``today`` for the authority's points, each with
        how it was handled (latest first) — ``handled`` empty while open."""
        scope.unit_filter(authority)  # a unit's staff read their own authority's queue only
        today = today or _today()
        editions = [e for e in self._risk_edition_rows(authority) if e["state"] == "published"]
        decoded = {e["version"]: _edition(e)["points"] for e in editions}

        def points_on(day: date) -> list[PointRule]:
            e = _in_force(editions, day)
            return [PointRule(p["code"], p["point"], RiskGrade(p["grade"]), p["citation_threshold"])
                    for p in decoded[e["version"]]] if e else []

        with self.db.reading() as cur:
            cited = cur.dicts(f"SELECT point_code, record_kind, cited_on FROM {CITATIONS.name} "
                              f"WHERE authority = %s AND cited_on <= %s", [authority, today.isoformat()])
            handled = cur.dicts(f"SELECT * FROM {HANDLED.name} WHERE authority = %s ORDER BY handled_at DESC",
                                [authority])
        citations = [Citation(r["point_code"], RecordKind(r["record_kind"]), date.fromisoformat(r["cited_on"]))
                     for r in cited]
        out = []
        for w in raised(points_on, citations, today):
            done = [dict(h, action_label=WarningAction(h["action"]).label) for h in handled
                    if (h["code"], h["rule"], h["window_key"]) == (w.code, w.rule.value, w.window)]
            out.append({"authority": authority, "code": w.code, "point": w.point, "grade": w.grade.value,
                        "grade_label": w.grade.label, "rule": w.rule.value, "rule_label": w.rule.label,
                        "window": w.window, "detail": w.detail, "handled": done,
                        "state": done[0]["action"] if done else "open",
                        "state_label": done[0]["action_label"] if done else "待处理"})
        return sorted(out, key=lambda w: (w["state"] != "open", w["rule"], w["code"]))


def _citation(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "grade_label": RiskGrade(row["grade"]).label,
            "record_kind_label": RecordKind(row["record_kind"]).label}
