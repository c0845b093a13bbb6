"""The directory's commands: units, users, grants, passwords."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from ledger.commanding import LedgerBase, Result
from ledger.commands import Context
from ledger.directory import ROSTER_ID, AdminRoster, Unit, User
from ledger.directory.commands import (
    AssignUser,
    ConfirmGrant,
    RecordPasswordSet,
    RegisterUnit,
    RegisterUser,
    SetNumberFormat,
    SetUserActive,
    SetUserPost,
)
from ledger.errors import InvalidInput, NotFound
from ledger.numbering import DEFAULT_NUMBER_FORMAT
from ledger.values import Envelope, FormKind, Role


class DirectoryCommands(LedgerBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the users that authentication read lately (see current_user)
        self.user_cache_seconds = float(os.environ.get("LEDGER_USER_CACHE_SECONDS", "1"))
        self._recent_users: dict[str, tuple[float, User]] = {}
        self._refreshing: set[str] = set()
        self._users_lock = threading.Lock()

    def register_unit(self, ctx: Context, cmd: RegisterUnit) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(Unit.create_id(cmd.name)):
            raise InvalidInput.one("name", "duplicate", f"单位“{cmd.name}”已存在")
        unit = Unit.register(envelope, cmd.name, cmd.kind)
        return self._saved(None, unit)

    def set_number_format(self, ctx: Context, cmd: SetNumberFormat) -> Result:
        envelope = self._envelope(ctx, cmd)
        unit = self.get_unit(cmd.unit)
        unit.set_number_format(envelope, cmd.kind, cmd.pattern)
        return self._saved(None, unit)

    def number_format(self, unit: str, kind: FormKind) -> str:
        """The pattern ``unit`` issues numbers of ``kind`` in now (the default
        for a unit the directory does not know)."""
        try:
            found = self.repository.get(Unit.create_id(unit), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return DEFAULT_NUMBER_FORMAT
        return found.number_format(kind) if isinstance(found, Unit) else DEFAULT_NUMBER_FORMAT

    def register_user(self, ctx: Context, cmd: RegisterUser) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(User.create_id(cmd.username)):
            raise InvalidInput.one("username", "duplicate", f"用户名“{cmd.username}”已被使用")
        self.get_unit(cmd.unit)
        roster = self._roster(envelope)
        user = User.register(
            envelope, cmd.username, cmd.display_name, cmd.role, cmd.unit,
            four_eyes=bool(roster.others_than(envelope.actor.id)),
        )
        return self._saved_user(user, roster, envelope, pending=user.pending is not None)

    def assign_user(self, ctx: Context, cmd: AssignUser) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        self.get_unit(cmd.unit)
        roster = self._roster(envelope)
        done = user.assign(envelope, cmd.role, cmd.unit, four_eyes=bool(roster.others_than(envelope.actor.id)))
        return self._saved_user(user, roster, envelope, pending=not done)

    def confirm_grant(self, ctx: Context, cmd: ConfirmGrant) -> Result:
        """A second administrator confirms a proposed grant (or a new account)."""
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        user.confirm_grant(envelope)
        return self._saved_user(user, self._roster(envelope), envelope)

    def set_user_active(self, ctx: Context, cmd: SetUserActive) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        (user.enable if cmd.active else user.disable)(envelope)
        return self._saved_user(user, self._roster(envelope), envelope)

    def set_user_post(self, ctx: Context, cmd: SetUserPost) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        user.set_post(envelope, cmd.post)
        return self._saved_user(user)

    def record_password_set(self, ctx: Context, cmd: RecordPasswordSet) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        user.record_password_set(envelope)
        return self._saved_user(user)

    def _saved_user(
        self, user: User, roster: AdminRoster | None = None, envelope: Envelope | None = None, *, pending: bool = False
    ) -> Result:
        """Save a user, and the roster of administrators brought in line with it."""
        if roster is not None and envelope is not None:
            roster.update(envelope, user)
        try:
            result = self._saved(None, user, *([roster] if roster is not None else []))
        finally:
            with self._users_lock:
                self._recent_users.pop(user.username, None)  # this process sees its own change at once
        return msgspec.structs.replace(result, version=user.version, pending=pending)

    def _roster(self, envelope: Envelope) -> AdminRoster:
        """The roster of active administrators; in a store recorded before it
        existed, made once from the users in the log."""
        try:
            return self.repository.get(ROSTER_ID)
        except AggregateNotFoundError:
            pass
        topic = get_topic(User.Registered)
        ids, start = [], 1
        while batch := self.recorder.select_notifications(start=start, limit=1000, topics=[topic]):
            ids += [n.originator_id for n in batch]
            start = batch[-1].id + 1
        users = [self.repository.get(i) for i in ids]
        admins = tuple(sorted(u.username for u in users if u.can_sign_in and u.role is Role.ADMINISTRATOR))
        return AdminRoster(envelope=envelope, admins=admins)

    def current_user(self, username: str) -> User:
        """The user for authenticating a request. Read again at most every
        ``LEDGER_USER_CACHE_SECONDS`` (default 1): authentication runs on
        every request, and a store query each time serialises the server on
        it. A change made through this process (disabling, a new role) is
        seen at once; one made by another process within that many seconds
        and the next request after them.

        An entry older than that is still answered, and read again in the
        background: authentication runs on the server's event loop, so a
        read there would hold every other request while the store is slow
        or away (each waiting out the outage bound in turn). Only a user
        never seen by this process is read while the request waits."""
        now = time.monotonic()
        hit = self._recent_users.get(username)
        if hit is not None:
            if now - hit[0] >= self.user_cache_seconds:
                self._refresh_user(username, hit)
            return hit[1]
        user = self.get_user(username, for_update=False)
        self._recent_users[username] = (now, user)
        return user

    def _refresh_user(self, username: str, hit: tuple[float, User]) -> None:
        with self._users_lock:
            if username in self._refreshing:
                return
            self._refreshing.add(username)

        def refresh() -> None:
            try:
                try:
                    user: User | None = self.get_user(username, for_update=False)
                except NotFound:
                    user = None
                except Exception:  # noqa: BLE001 - the store away: keep the last read; what needs the store fails on its own
                    return
                with self._users_lock:
                    if self._recent_users.get(username) is hit:  # not changed by this process meanwhile
                        if user is None:
                            self._recent_users.pop(username, None)
                        else:
                            self._recent_users[username] = (time.monotonic(), user)
            finally:
                with self._users_lock:
                    self._refreshing.discard(username)

        threading.Thread(target=refresh, name="user-refresh", daemon=True).start()

    def get_user(self, username: str, *, for_update: bool = True) -> User:
        """A user; read-only callers (authentication, on every request) pass
        ``for_update=False`` and share the cached instance instead of a copy."""
        try:
            return self.repository.get(User.create_id(username), deepcopy_from_cache=for_update)
        except AggregateNotFoundError:
            raise NotFound(f"没有用户“{username}”", code="user_not_found") from None

    def get_unit(self, name: str) -> Unit:
        try:
            return self.repository.get(Unit.create_id(name))
        except AggregateNotFoundError:
            raise InvalidInput.one("unit", "unknown_unit", f"没有名为“{name}”的单位，请先登记单位") from None


HANDLERS = {
    RegisterUnit: DirectoryCommands.register_unit,
    SetNumberFormat: DirectoryCommands.set_number_format,
    RegisterUser: DirectoryCommands.register_user,
    AssignUser: DirectoryCommands.assign_user,
    ConfirmGrant: DirectoryCommands.confirm_grant,
    SetUserActive: DirectoryCommands.set_user_active,
    SetUserPost: DirectoryCommands.set_user_post,
    RecordPasswordSet: DirectoryCommands.record_password_set,
}
