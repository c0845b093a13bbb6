"""Commands: what a user asks the ledger to do, as data (imperative names).
The bases live here; each slice's commands are in ``ledger/<slice>/commands.py``.

Every command on an existing case names the case and may carry the version
the client last saw (``expected_version``): if the case has moved on since,
the command is refused with a conflict instead of being merged silently.
``business_time`` is when the act happened (default: now); ``basis`` is the
legal basis or reason for the step, kept in the event's audit envelope.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from ledger.values import Actor


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Who is asking, and under which request id (for the audit envelope)."""

    actor: Actor
    request_id: str


class Command(msgspec.Struct, frozen=True, kw_only=True):
    business_time: datetime | None = None
    basis: str | None = None
