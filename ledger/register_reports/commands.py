"""The quarterly register report's commands: 报送, 更正 (the unit); 接收, 退回,
汇总, 上报 (the office).

``lines`` and ``xlsx_sha256`` of a submission are the register as the server
read it from the views and the file it drew from it (``ledger_http``), never
what a client sends: the API's bodies leave them out. ``register_sha256`` is
the hash of the register the submitter looked at; a register that changed
since is refused (409) rather than submitted unseen.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.commands import Command
from ledger.register_reports.values import RegisterLine


class SubmitRegisterReport(Command, frozen=True, kw_only=True):
    unit: str
    year: int
    quarter: int
    register_sha256: str | None = None
    lines: tuple[RegisterLine, ...] = ()
    xlsx_sha256: str = ""


class CorrectRegisterReport(Command, frozen=True, kw_only=True):
    """``corrects``: the version replaced (the latest); ``reason``: required
    unless the office returned it."""

    report_id: UUID
    corrects: int
    reason: str = ""
    expected_version: int | None = None
    register_sha256: str | None = None
    lines: tuple[RegisterLine, ...] = ()
    xlsx_sha256: str = ""


class ReceiveRegisterReport(Command, frozen=True, kw_only=True):
    """``version``: the report version the office looked at (default: the latest)."""

    report_id: UUID
    version: int | None = None
    expected_version: int | None = None


class ReturnRegisterReport(Command, frozen=True, kw_only=True):
    report_id: UUID
    reason: str
    version: int | None = None
    expected_version: int | None = None


class ConsolidateRegisterReports(Command, frozen=True, kw_only=True):
    """汇总 the quarter's received reports (every one received now);
    ``reason``: required when the quarter was consolidated before."""

    year: int
    quarter: int
    reason: str = ""


class ForwardRegisterConsolidation(Command, frozen=True, kw_only=True):
    consolidation_id: UUID
    forwarded_on: date
    platform_ref: str
    expected_version: int | None = None
