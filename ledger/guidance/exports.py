"""Recording a platform export (``ledger.guidance.platform``): each act's
unit and version are taken from the ledger, never as sent, and an act the
exporter may not read, or a version the act never had, refuses the whole
record."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.commanding import Result
from ledger.commands import Context
from ledger.directory.service import DirectoryCommands
from ledger.errors import InvalidInput
from ledger.guidance import AdministrativeGuidance
from ledger.guidance.commands import RecordPlatformExport
from ledger.guidance.platform import ExportedAct, PlatformExport
from ledger.values import Role


class PlatformExportCommands(DirectoryCommands):
    def record_platform_export(self, ctx: Context, cmd: RecordPlatformExport) -> Result:
        envelope = self._envelope(ctx, cmd)
        acts, errors = [], []
        for i, act in enumerate(cmd.acts):
            try:
                guidance = self.repository.get(UUID(str(act.guidance_id)), deepcopy_from_cache=False)
            except (AggregateNotFoundError, ValueError):
                guidance = None
            if not isinstance(guidance, AdministrativeGuidance) or (
                ctx.actor.role is Role.UNIT_STAFF and guidance.unit != ctx.actor.unit
            ):
                errors.append(InvalidInput.one(f"acts[{i}].guidance_id", "unknown", f"没有编号为{act.guidance_id}的行政指导"))
                continue
            if not 1 <= act.version <= guidance.version:
                errors.append(InvalidInput.one(f"acts[{i}].version", "unknown_version",
                                               f"该行政指导没有第{act.version}版（当前为第{guidance.version}版）"))
                continue
            acts.append(ExportedAct(guidance_id=guidance.id, version=act.version, unit=guidance.unit))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        export = PlatformExport.record(envelope, unit=cmd.unit, acts=tuple(acts), format=cmd.format,
                                       sha256=cmd.sha256.lower())
        recordings = self.save(export)
        return Result(case_id=export.id, version=export.version, notification_id=recordings[-1].notification.id)


HANDLERS = {RecordPlatformExport: PlatformExportCommands.record_platform_export}
