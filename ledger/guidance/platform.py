"""Exports of guidance acts for the municipal platform (seed 001 三(三): entry
into the 涉企检查网络备案系统 "行政指导专区").

The platform takes a file; the ledger keeps, as one event per export, which
acts went out at which of their versions, in which layout and format, the
file's SHA-256, who exported them and when — so the office sees what has not
been sent yet (never exported, or changed since) and can prove what was.
The file itself is not stored: the same rows give the same bytes.

The module's import name and the class name are stored topics: never move them.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed
from ledger.values import Envelope, Role, Struct

# The platform layout's version (docs/PLATFORM-EXPORT.md): a changed layout is a new version.
LAYOUT_VERSION = "1"
FORMATS = ("csv", "xlsx")
# Who exports: a unit's staff their unit's acts; the office's registrar and
# dispatcher and the supervisors any unit's (the reads' rule, ``Reach.CASES``).
EXPORTERS = (Role.UNIT_STAFF, Role.REGISTRAR, Role.DISPATCHER, Role.SUPERVISOR)
SHA256 = re.compile(r"[0-9a-f]{64}")


class ExportedAct(Struct):
    """One guidance act in an export, at the version it was exported at."""

    guidance_id: UUID
    version: int
    unit: str


class PlatformExport(CopiedByContainers, Aggregate):
    """One export of guidance acts to the platform (its file described, not kept)."""

    @classmethod
    def record(
        cls, envelope: Envelope, *, unit: str | None, acts: tuple[ExportedAct, ...], format: str, sha256: str
    ) -> PlatformExport:
        """``unit``: the unit whose acts were selected (None: every unit's)."""
        actor = envelope.actor
        if actor.role not in EXPORTERS:
            raise NotAllowed(f"{actor.role.label}不能导出报送行政指导", code="role_not_allowed")
        if actor.role is Role.UNIT_STAFF and (unit != actor.unit or any(a.unit != actor.unit for a in acts)):
            raise NotAllowed("只能导出报送本单位的行政指导", code="unit_scope")
        if not acts:
            raise InvalidInput.one("acts", "nothing_to_export", "没有需要报送的行政指导")
        ids = [a.guidance_id for a in acts]
        if len(set(ids)) != len(ids):
            raise InvalidInput.one("acts", "duplicate", "同一行政指导在一次报送中出现两次")
        if format not in FORMATS:
            raise InvalidInput.one("format", "unknown_format", "格式应为 csv 或 xlsx")
        if not SHA256.fullmatch(sha256):
            raise InvalidInput.one("sha256", "invalid", "文件摘要应为64位小写十六进制")
        return cls(envelope=envelope, unit=unit, acts=acts, format=format, sha256=sha256, layout=LAYOUT_VERSION)

    @event("Recorded")
    def __init__(
        self, envelope: Envelope, unit: str | None, acts: tuple[ExportedAct, ...], format: str, sha256: str, layout: str
    ) -> None:
        self.unit = unit
        self.acts = acts
        self.format = format
        self.sha256 = sha256
        self.layout = layout
        self.exported_at = envelope.business_time
        self.exported_by = envelope.actor.name

    def summary(self) -> dict[str, Any]:
        return {"id": str(self.id), "unit": self.unit, "count": len(self.acts), "format": self.format,
                "sha256": self.sha256, "layout": self.layout, "exported_at": self.exported_at.isoformat(),
                "exported_by": self.exported_by}
