"""The demo's typical case: the market regulator's head proposes the demo's
accepted written guidance (the licence renewal) as a 典型案例; the year's round
stays open for proposals, so the reviewer's steps are left to the visitor."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.commands import Context
from ledger.errors import LedgerError
from ledger.guidance import AdministrativeGuidance
from ledger.guidance.values import GuidanceState
from ledger.typical_cases.commands import ProposeTypicalCase
from ledger.typical_cases.values import Distinction, RecordKind
from ledger.values import Actor, Role


def seed_typical_cases_demo(ledger: Any, guidance_ids: list[UUID], unit: str) -> list[UUID]:
    """Propose the accepted ones of ``guidance_ids`` (given by ``unit``) as its head, 王磊; returns the proposals' ids."""
    head = Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=unit)
    proposed = []
    for gid in guidance_ids:
        guidance = ledger.repository.get(gid)
        if not isinstance(guidance, AdministrativeGuidance) or guidance.state is not GuidanceState.ACCEPTED:
            continue
        try:
            result = ledger.execute(Context(actor=head, request_id="demo-typical-case"), ProposeTypicalCase(
                kind=RecordKind.GUIDANCE, record_id=gid, distinction=Distinction.TYPICAL,
                reason="许可证到期前主动提示、书面指导，企业按期延续许可，避免无证经营，做法可在餐饮行业推广"))
        except LedgerError:  # the year's round already under review (a demo re-seeded late in the year)
            continue
        proposed.append(result.record_id)
    return proposed
