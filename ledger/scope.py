"""Who may read which data: the one rule every read (and every command's
visibility check) applies, so that no handler computes a scope by hand.

A ``Scope`` is what a reader may see of one kind of data (``Reach``): every
unit, or one unit's rows only; and whether resident ID numbers are shown in
full. The views take a ``Scope`` as a required argument and apply it
themselves, so a read cannot compute a scope and then forget to use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum

from ledger.errors import NotAllowed
from ledger.values import Role

# Roles that need full resident ID numbers: the registrar phones and files
# applicants; the supervisor inspects files. Everyone else sees them masked.
UNMASKED_ROLES = frozenset({Role.REGISTRAR, Role.SUPERVISOR})

# The audit log's aggregates that are no case data: an administrator reads
# who changed units, users, the calendar, the four lists, the catalogue of
# guidance matters and the risk-point registers (published lists, like the
# four lists), nothing more.
ADMIN_AUDIT_AGGREGATES = ("unit", "user", "admin_roster", "calendar", "catalogue", "guidance_matters", "risk_points")


class Disclosure:
    """What one response showed in full: set by ``Scope.masks_ids`` each time
    it decides *not* to mask, read by the HTTP layer (ledger_http.common.
    request_log), which records the response in the access log
    (ledger/store/access_log.py). The one masking rule is the one hook: no
    handler reports a disclosure by hand."""

    __slots__ = ("role", "unit")

    def __init__(self) -> None:
        self.role: str | None = None
        self.unit: str | None = None

    @property
    def shown(self) -> bool:
        return self.role is not None


# The current request's Disclosure (None outside a request: the console).
# A mutable holder, so that a decision taken in a worker thread (which runs
# in a copy of the context) reaches the request that set it.
DISCLOSURE: ContextVar[Disclosure | None] = ContextVar("ledger_disclosure", default=None)


class Reach(Enum):
    """The kinds of data a read returns."""

    CASES = "cases"  # cases, registry, 登记簿, queues, statistics
    SUPERVISION = "supervision"  # reversals, reviews, major-decision filings
    AUDIT = "audit"  # who did what, when, on what basis
    INTEGRITY = "integrity"  # the seal's digest and the consistency check (no case data)
    ACCESS = "access"  # who saw resident IDs in full (the access log)


ALL, OWN, DIRECTORY = "all", "own", "directory"

# Per kind of data: which roles read it, and how far.
READERS: dict[Reach, dict[Role, str]] = {
    Reach.CASES: {
        Role.REGISTRAR: ALL,
        Role.DISPATCHER: ALL,
        Role.SUPERVISOR: ALL,
        Role.AUDITOR: ALL,
        Role.UNIT_STAFF: OWN,
    },
    Reach.SUPERVISION: {Role.SUPERVISOR: ALL, Role.AUDITOR: ALL, Role.UNIT_STAFF: OWN},
    Reach.AUDIT: {Role.SUPERVISOR: ALL, Role.AUDITOR: ALL, Role.ADMINISTRATOR: DIRECTORY},
    # The digest is kept outside the system by those who oversee it, so that
    # a later check can prove the log was not rewritten behind them.
    Reach.INTEGRITY: {Role.SUPERVISOR: ALL, Role.AUDITOR: ALL},
    Reach.ACCESS: {Role.SUPERVISOR: ALL, Role.AUDITOR: ALL},
}

REFUSALS = {
    Reach.CASES: "系统管理员不查阅案件数据",
    Reach.SUPERVISION: "{role}不能查阅执法监督信息",
    Reach.AUDIT: "只有执法监督、审计人员和系统管理员可以查阅审计日志",
    Reach.INTEGRITY: "只有执法监督和审计人员可以获取账本摘要",
    Reach.ACCESS: "只有执法监督和审计人员可以查阅个人信息访问记录",
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What one reader sees of one kind of data."""

    role: Role
    reach: Reach
    unit: str | None  # None: every unit
    aggregates: tuple[str, ...] | None = None  # audit only: None = every aggregate

    @property
    def masks_ids(self) -> bool:
        """Resident ID numbers are shown masked to this reader. Deciding not
        to mask marks the current response as a disclosure (``DISCLOSURE``)."""
        if self.role in UNMASKED_ROLES:
            disclosure = DISCLOSURE.get()
            if disclosure is not None:
                disclosure.role, disclosure.unit = self.role.value, self.unit or ""
            return False
        return True

    def reads_stored_events(self, individual: bool) -> bool:
        """Whether a case's events may be handed over as stored (its offline-
        verifiable bundle): they hold a person's resident ID in full, and
        masking them would break their hashes; an organisation's have none."""
        return not (individual and self.masks_ids)  # an organisation's bundle discloses no one

    def unit_filter(self, requested: str | None) -> str | None:
        """The unit a query filters on: the one asked for, within the scope."""
        if self.unit is None:
            return requested or None
        if requested and requested != self.unit:
            raise NotAllowed("只能查看本单位的数据", code="unit_scope")
        return self.unit

    def sees(self, units: Iterable[str]) -> bool:
        """Whether a record of these units (a case's assigned units, a
        reversal's issuing unit) is visible in this scope."""
        return self.unit is None or self.unit in set(units)


def masks_ids_for(role: Role) -> bool:
    """``Scope.masks_ids`` for a reader known by role only (a row's display in
    a list or an export): the same rule, the same disclosure mark. Ask it only
    for a row that holds a person's ID, so a list of organisations discloses
    no one."""
    return Scope(role, Reach.CASES, None).masks_ids


def scope_for(role: Role, unit: str, reach: Reach) -> Scope:
    """The scope of a user in ``role`` of ``unit`` over ``reach``; raises
    ``NotAllowed`` for a role that reads none of it."""
    how = READERS[reach].get(role)
    if how is None:
        raise NotAllowed(REFUSALS[reach].format(role=role.label), code="role_not_allowed")
    if how == OWN:
        return Scope(role, reach, unit)
    if how == DIRECTORY:
        return Scope(role, reach, None, ADMIN_AUDIT_AGGREGATES)
    return Scope(role, reach, None)


def sees(role: Role, unit: str, reach: Reach, units: Iterable[str]) -> bool:
    """Whether a user may know that a record of ``units`` exists (reads and
    commands alike: what a user may not read, a command answers as unknown)."""
    try:
        return scope_for(role, unit, reach).sees(units)
    except NotAllowed:
        return False


def sees_case(role: Role, unit: str, case_units: Iterable[str]) -> bool:
    """Whether a user may know that a case (dispatched to ``case_units``) exists."""
    return sees(role, unit, Reach.CASES, case_units)


def console_scope(reach: Reach, role: Role = Role.SUPERVISOR) -> Scope:
    """The scope of the operator at the server's console (``ledger registry``,
    ``ledger audit``…): every unit; ID numbers masked as for ``role``."""
    return Scope(role, reach, None)
