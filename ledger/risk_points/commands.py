"""The register of legal-risk points' commands (违法风险点, seed 002 第二十条,
第二十二条) and the citing of points by a record."""

from __future__ import annotations

from uuid import UUID

from ledger.commands import Command
from ledger.risk_points.values import (
    RecordKind,
    RiskEdition,
    RiskGradeRule,
    RiskPublication,
    RiskSolicitation,
    WarningAction,
    WarningRule,
)


class SetRiskGradeRule(Command, frozen=True, kw_only=True):
    """The authority's rule deriving a point's grade (危害后果 × 概率 → 等级)."""

    authority: str
    rule: RiskGradeRule


class DraftRiskEdition(Command, frozen=True, kw_only=True):
    """拟定 (or re-draft, until published) an edition of ``authority``'s risk points."""

    authority: str
    edition: RiskEdition


class SolicitRiskOpinion(Command, frozen=True, kw_only=True):
    """征求意见 on a draft edition: from whom, how, on what, and the answer."""

    authority: str
    version: str
    solicitation: RiskSolicitation


class PublishRiskEdition(Command, frozen=True, kw_only=True):
    """公布 a draft edition (date and channels)."""

    authority: str
    version: str
    publication: RiskPublication


class HandleRiskWarning(Command, frozen=True, kw_only=True):
    """Record a warning as known (知悉) or acted on (介入处置), with what was done."""

    authority: str
    code: str
    rule: WarningRule
    window: str  # e.g. 2026-11-03 (the day the threshold was passed) or 2026Q3
    action: WarningAction
    note: str


class CiteRiskPoints(Command, frozen=True, kw_only=True):
    """A record names the risk points (codes of its unit's list in force) it addresses."""

    record_kind: RecordKind
    record_id: UUID
    codes: tuple[str, ...]
