"""The staff directory: units and users, each change an event.

Passwords are not here: their hashes are credentials, kept in a table of
their own (see ``ledger_http.auth``), not facts for the permanent log. The
log records *that* a password was set, by whom and when.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.numbering import LEDGER_NAMESPACE
from ledger.text import blank
from ledger.values import Envelope, LabelledEnum, Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
UNIT_NAME_SEPARATORS = frozenset("、|")


class UnitKind(LabelledEnum):
    COORDINATION = "coordination", "行政执法协调监督部门"
    ENFORCEMENT = "enforcement", "行政执法单位"
    SUPERVISION = "supervision", "执法监督部门"
    OTHER = "other", "其他"


def _require_admin(envelope: Envelope) -> None:
    if envelope.actor.role not in (Role.ADMINISTRATOR, Role.SYSTEM):
        raise NotAllowed("只有系统管理员可以管理单位和用户", code="admin_only")


class Unit(CopiedByContainers, Aggregate):
    """A unit (科室, 执法单位…), named as it appears on forms."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"unit/{name}")

    @classmethod
    def register(cls, envelope: Envelope, name: str, kind: UnitKind) -> Unit:
        _require_admin(envelope)
        if blank(name) or len(name.strip()) > 100:
            raise InvalidInput.one("name", "required", "单位名称不能为空，且不超过100个字")
        if UNIT_NAME_SEPARATORS.intersection(name):
            # the views list a case's units joined by these; a name holding one could not be told apart
            raise InvalidInput.one("name", "separator", "单位名称不能包含“、”或“|”")
        return cls(envelope=envelope, name=name.strip(), kind=kind)

    @event("Registered")
    def __init__(self, envelope: Envelope, name: str, kind: UnitKind) -> None:
        self.name = name
        self.kind = kind


class User(CopiedByContainers, Aggregate):
    """A person who uses the ledger, in one role, for one unit."""

    @staticmethod
    def create_id(username: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"user/{username}")

    @classmethod
    def register(cls, envelope: Envelope, username: str, display_name: str, role: Role, unit: str) -> User:
        _require_admin(envelope)
        if not USERNAME.match(username or ""):
            raise InvalidInput.one("username", "username_format", "用户名为2至32位小写字母、数字、点、下划线或连字符")
        if blank(display_name):
            raise InvalidInput.one("display_name", "required", "姓名不能为空")
        if role is Role.SYSTEM:
            raise InvalidInput.one("role", "reserved_role", "系统角色不能分配给用户")
        return cls(envelope=envelope, username=username, display_name=display_name.strip(), role=role, unit=unit)

    @event("Registered")
    def __init__(self, envelope: Envelope, username: str, display_name: str, role: Role, unit: str) -> None:
        self.username = username
        self.display_name = display_name
        self.role = role
        self.unit = unit
        self.active = True
        self.password_set = False

    def assign(self, envelope: Envelope, role: Role, unit: str) -> None:
        _require_admin(envelope)
        if role is Role.SYSTEM:
            raise InvalidInput.one("role", "reserved_role", "系统角色不能分配给用户")
        if (role, unit) == (self.role, self.unit):
            raise InvalidInput.one("role", "unchanged", "角色和单位没有变化")
        self._assigned(envelope=envelope, role=role, unit=unit)

    @event("Assigned")
    def _assigned(self, envelope: Envelope, role: Role, unit: str) -> None:
        self.role = role
        self.unit = unit

    def disable(self, envelope: Envelope) -> None:
        _require_admin(envelope)
        if not self.active:
            raise WrongState("该用户已停用", code="already_disabled")
        self._disabled(envelope=envelope)

    @event("Disabled")
    def _disabled(self, envelope: Envelope) -> None:
        self.active = False

    def enable(self, envelope: Envelope) -> None:
        _require_admin(envelope)
        if self.active:
            raise WrongState("该用户未停用", code="already_enabled")
        self._enabled(envelope=envelope)

    @event("Enabled")
    def _enabled(self, envelope: Envelope) -> None:
        self.active = True

    def record_password_set(self, envelope: Envelope) -> None:
        """The user (or an administrator) set a new password."""
        if envelope.actor.role not in (Role.ADMINISTRATOR, Role.SYSTEM) and envelope.actor.id != self.username:
            raise NotAllowed("只能修改自己的密码", code="own_password_only")
        self._password_set(envelope=envelope)

    @event("PasswordSet")
    def _password_set(self, envelope: Envelope) -> None:
        self.password_set = True
