"""Valid risk-point registers, editions and citations for tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec

from ledger.demo.risk_points import SAMPLE_POINTS, SAMPLE_SOLICITATION, draft_cmd
from ledger.risk_points.commands import CiteRiskPoints, PublishRiskEdition, SolicitRiskOpinion
from ledger.risk_points.values import RecordKind, RiskPoint, RiskPublication
from ledger.values import CST
from tests.builders import MARKET, ctx
from tests.guidance_builders import WANG, seed_directory, start_cmd

__all__ = ["SAMPLE_POINTS", "at", "cite", "draft_cmd", "guidance", "point", "publish", "published", "seed_directory"]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def point(code: str = "SP-01", **over) -> RiskPoint:
    base = next(p for p in SAMPLE_POINTS if p.code == code)
    return msgspec.structs.replace(base, **over)


def publish(ledger, version: str = "2026版", *, who=WANG, authority: str = MARKET, on: date = date(2026, 1, 25)) -> None:
    ledger.execute(ctx(who), SolicitRiskOpinion(authority=authority, version=version, solicitation=SAMPLE_SOLICITATION))
    ledger.execute(ctx(who), PublishRiskEdition(authority=authority, version=version, publication=RiskPublication(
        published_on=on, channels=("门户网站", "微信公众号"))))


def published(ledger, *, who=WANG, authority: str = MARKET, **over) -> None:
    """The market regulator's sample 2026版, in force from 2026-02-01."""
    ledger.execute(ctx(who), draft_cmd(authority, **over))
    publish(ledger, over.get("version", "2026版"), who=who, authority=authority)


def guidance(ledger, who=WANG):
    """A guidance of the market regulator (started 2026-11-02)."""
    return ledger.execute(ctx(who), start_cmd()).case_id


def cite(ledger, record_id, codes: tuple[str, ...], day: date, *, kind: RecordKind = RecordKind.GUIDANCE, who=WANG):
    return ledger.execute(ctx(who), CiteRiskPoints(record_kind=kind, record_id=record_id, codes=codes,
                                                   business_time=at(day)))


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]
