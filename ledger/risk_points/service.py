"""The register of legal-risk points' commands, and the citing of points by
the records that address them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from eventsourcing.application import AggregateNotFoundError

from ledger.case import GuidanceCase
from ledger.commanding import LedgerBase, Result
from ledger.commands import Command, Context
from ledger.directory import Unit
from ledger.errors import InvalidInput, NotAllowed, NotFound
from ledger.guidance import AdministrativeGuidance
from ledger.inputs import blank
from ledger.risk_points import RiskPointCitations, RiskPointRegister
from ledger.risk_points.commands import (
    CiteRiskPoints,
    DraftRiskEdition,
    HandleRiskWarning,
    PublishRiskEdition,
    SetRiskGradeRule,
    SolicitRiskOpinion,
)
from ledger.risk_points.values import RecordKind
from ledger.values import CST, Envelope, Role

# a mediation is its own slice (ledger.mediation); it is recognised by its
# module rather than imported, so that neither slice depends on the other
MEDIATION = ("ledger.mediation", "AdministrativeMediation")


class RiskPointCommands(LedgerBase):
    def risk_register(self, authority: str, *, for_update: bool = True) -> RiskPointRegister | None:
        """``authority``'s register of risk points, or None if it has none."""
        try:
            return self._get_fresh(RiskPointRegister.create_id(authority), copy=for_update)
        except AggregateNotFoundError:
            return None

    # ------------------------------------------------------------ commands

    def set_risk_grade_rule(self, ctx: Context, cmd: SetRiskGradeRule) -> Result:
        return self._on_register(ctx, cmd, lambda reg, env: reg.set_rule(env, cmd.rule), create=True)

    def draft_risk_edition(self, ctx: Context, cmd: DraftRiskEdition) -> Result:
        return self._on_register(ctx, cmd, lambda reg, env: reg.draft(env, cmd.edition), create=True)

    def solicit_risk_opinion(self, ctx: Context, cmd: SolicitRiskOpinion) -> Result:
        return self._on_register(ctx, cmd, lambda reg, env: reg.solicit(env, cmd.version, cmd.solicitation))

    def publish_risk_edition(self, ctx: Context, cmd: PublishRiskEdition) -> Result:
        return self._on_register(ctx, cmd, lambda reg, env: reg.publish(env, cmd.version, cmd.publication))

    def handle_risk_warning(self, ctx: Context, cmd: HandleRiskWarning) -> Result:
        return self._on_register(ctx, cmd, lambda reg, env: reg.handle_warning(
            env, cmd.code.strip(), cmd.rule, cmd.window, cmd.action, cmd.note))

    def cite_risk_points(self, ctx: Context, cmd: CiteRiskPoints) -> Result:
        """An officer of the record's unit names the points of the unit's list
        in force that day which the record addresses."""
        envelope = self._envelope(ctx, cmd)
        unit = self._record_unit(ctx, cmd.record_kind, cmd.record_id)
        codes = tuple(c.strip() for c in cmd.codes if not blank(c))
        if not codes:
            raise InvalidInput.one("codes", "required", "至少引用一个违法风险点")
        if len(set(codes)) != len(codes):
            raise InvalidInput.one("codes", "duplicate", "风险点编号重复")
        register = self.risk_register(unit, for_update=False)
        if register is None:
            raise InvalidInput.one("codes", "no_list", f"{unit}尚未公布违法风险点清单")
        points = register.cite(codes, envelope.business_time.astimezone(CST).date())
        cid = RiskPointCitations.create_id(cmd.record_kind, cmd.record_id)
        try:
            citations = self._get_fresh(cid)
        except AggregateNotFoundError:
            citations = RiskPointCitations(envelope=envelope, record_kind=cmd.record_kind, record_id=cmd.record_id,
                                           unit=unit)
        citations.cite(envelope, unit, points)
        return msgspec.structs.replace(self._saved(None, citations), record_id=citations.id)

    def _record_unit(self, ctx: Context, kind: RecordKind, record_id: Any) -> str:
        """The unit of the record, which must be the citing officer's; records
        the officer may not read are answered as unknown."""
        missing = NotFound(f"没有编号为{record_id}的{kind.label}记录", code="record_not_found")
        try:
            record = self._get_fresh(record_id, copy=False)
        except AggregateNotFoundError:
            raise missing from None
        if kind in (RecordKind.CASE, RecordKind.SERVICE) and isinstance(record, GuidanceCase):
            units: tuple[str, ...] = record.units
        elif kind is RecordKind.GUIDANCE and isinstance(record, AdministrativeGuidance):
            units = (record.unit,)
        elif kind is RecordKind.MEDIATION and (type(record).__module__, type(record).__name__) == MEDIATION:
            unit = getattr(record, "unit", None)
            units = (unit,) if isinstance(unit, str) else tuple(getattr(record, "units", ()))
        else:
            raise missing
        if ctx.actor.role is not Role.UNIT_STAFF:
            raise NotAllowed("只有记录所属单位的执法人员可以引用风险点", code="risk_citation_officer_only")
        if ctx.actor.unit not in units:
            raise missing
        return ctx.actor.unit

    def _on_register(
        self, ctx: Context, cmd: Command, change: Callable[[RiskPointRegister, Envelope], None], *, create: bool = False
    ) -> Result:
        authority: str = cmd.authority  # type: ignore[attr-defined]
        envelope = self._envelope(ctx, cmd)
        register = self.risk_register(authority)
        if register is None:
            if not create:
                raise NotFound(f"{authority}尚未拟定违法风险点", code="risk_points_not_found")
            if not self.exists(Unit.create_id(authority)):
                raise InvalidInput.one("authority", "unknown_unit", f"没有名为“{authority}”的单位，请先登记单位")
            register = RiskPointRegister(envelope=envelope, authority=authority)
        change(register, envelope)
        return msgspec.structs.replace(self._saved(None, register), record_id=register.id)


HANDLERS = {
    SetRiskGradeRule: RiskPointCommands.set_risk_grade_rule,
    DraftRiskEdition: RiskPointCommands.draft_risk_edition,
    SolicitRiskOpinion: RiskPointCommands.solicit_risk_opinion,
    PublishRiskEdition: RiskPointCommands.publish_risk_edition,
    HandleRiskWarning: RiskPointCommands.handle_risk_warning,
    CiteRiskPoints: RiskPointCommands.cite_risk_points,
}
