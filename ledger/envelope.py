"""Building the audit envelope of an event (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ledger.errors import InvalidInput
from ledger.inputs import blank
from ledger.values import CST, Actor, Envelope, Role, check_instant

# The actor of what the ledger does by itself (seeding the calendar, set-up).
SYSTEM_ACTOR = Actor(id="system", name="系统", role=Role.SYSTEM, unit="system")

# Clocks of clerks' machines drift; a business time a little ahead of the
# server is tolerated, a service "given" tomorrow is not.
CLOCK_SKEW = timedelta(minutes=5)


def make_envelope(
    actor: Actor, request_id: str, now: datetime, business_time: datetime | None = None, basis: str | None = None
) -> Envelope:
    """The envelope for an act by ``actor``; the business time defaults to now."""
    if business_time is None:
        business_time = now
    check_instant("business_time", business_time)
    if business_time > now + CLOCK_SKEW:
        raise InvalidInput.one("business_time", "in_future", "办理时间不能晚于当前时间")
    for field, value in (("actor.id", actor.id), ("actor.name", actor.name), ("actor.unit", actor.unit)):
        if blank(value):
            raise InvalidInput.one(field, "required", "操作人信息不完整")
    if not request_id:
        raise InvalidInput.one("request_id", "required", "缺少请求编号")
    basis = None if blank(basis) else basis.strip()
    return Envelope(
        actor=actor, request_id=request_id, business_time=business_time.astimezone(CST), basis=basis or None
    )
