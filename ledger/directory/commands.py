"""The directory's commands: units, users, grants, passwords."""

from __future__ import annotations

from ledger.commands import Command
from ledger.directory import Post, UnitKind
from ledger.values import FormKind, Role


class RegisterUnit(Command, frozen=True, kw_only=True):
    name: str
    kind: UnitKind


class SetNumberFormat(Command, frozen=True, kw_only=True):
    """A unit's format of one series of numbers, e.g. 临人社行指〔{year}〕{seq}号
    (empty: back to {year}年第{seq}号)."""

    unit: str
    kind: FormKind
    pattern: str


class RegisterUser(Command, frozen=True, kw_only=True):
    username: str
    display_name: str
    role: Role
    unit: str


class AssignUser(Command, frozen=True, kw_only=True):
    username: str
    role: Role
    unit: str


class RecordPasswordSet(Command, frozen=True, kw_only=True):
    """A password was set (its hash is a credential, not in the log)."""

    username: str


class ConfirmGrant(Command, frozen=True, kw_only=True):
    """A second administrator confirms a proposed role (or a new account)."""

    username: str


class SetUserActive(Command, frozen=True, kw_only=True):
    username: str
    active: bool


class SetUserPost(Command, frozen=True, kw_only=True):
    """职务 of a user in their unit (administrator)."""

    username: str
    post: Post
