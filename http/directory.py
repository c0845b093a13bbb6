"""Login, passwords, and the administration of units and users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import JWTAuth

from ledger.directory import Post, Unit, User, require_directory_reader
from ledger.directory.commands import (
    AssignUser,
    ConfirmGrant,
    RegisterUnit,
    RegisterUser,
    SetNumberFormat,
    SetUserActive,
    SetUserPost,
)
from ledger.values import Role
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser, change_password, sign_in
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[AuthUser, Any, Any]


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", responses=ERRORS, operation_id="login", status_code=200, sync_to_thread=True, exclude_from_auth=True)
    def login(self, request: Request[Any, Any, Any], data: JSONBody[s.LoginBody]) -> s.TokenResponse:
        """Exchange a username and password for a bearer token (throttled after
        failures, per username and client address). After an administrator's
        reset, the token opens only ``/auth/password`` until a new one is chosen."""
        state = request.app.state
        user = sign_in(request, data.username, data.password)
        auth: JWTAuth = state.jwt
        expires: timedelta = auth.default_token_expiration
        token = auth.create_token(identifier=user.username, token_expiration=expires,
                                  token_extras={"gen": user.credential_generation})
        return s.TokenResponse(access_token=token, token_type="Bearer", expires_in=int(expires.total_seconds()),
                               username=user.username, role=user.role.value, unit=user.unit,
                               must_change_password=user.must_change_password)

    @post("/password", responses=ERRORS, operation_id="setPassword", status_code=200, sync_to_thread=True)
    def set_password(self, request: AnyRequest, data: JSONBody[s.PasswordBody]) -> s.CommandResult:
        """Change one's own password (the current one required), or, as
        administrator, reset another user's (who must then choose their own at
        the next sign-in; the reset is in the audit log). Either way every
        token and session issued before stops working."""
        r = change_password(request, data.username or request.user.username, data.new_password, data.current_password)
        return s.CommandResult(case_id=None, version=r.version, notification_id=r.notification_id)

    @get("/me", responses=ERRORS, operation_id="whoAmI", sync_to_thread=False)
    def me(self, request: AnyRequest) -> AuthUser:
        """The authenticated user."""
        return request.user


class UnitView(msgspec.Struct, omit_defaults=True):
    name: str
    kind: str
    # the unit's own number formats by form kind (those not listed: {year}年第{seq}号); absent when none
    number_formats: dict[str, str] = msgspec.field(default_factory=dict)


NumberFormatBody = s.command_body(SetNumberFormat, "SetNumberFormatBody", exclude=("unit",))


class UserView(msgspec.Struct):
    username: str
    display_name: str
    role: str
    unit: str
    active: bool
    post: str = Post.STAFF.value


class PostBody(msgspec.Struct):
    post: Post


def directory_units(state: Any, role: Role) -> list[Unit]:
    """Every registered unit, by name (the units the audit view has seen)."""
    require_directory_reader(role)
    units = [state.ledger.repository.get(UUID(i), deepcopy_from_cache=False) for i in state.views.aggregate_ids("unit")]
    return sorted(units, key=lambda u: u.name)


def directory_users(state: Any, role: Role) -> list[User]:
    """Every registered user, by username (what the API lists and the administration pages show)."""
    require_directory_reader(role)
    users = [state.ledger.repository.get(UUID(i), deepcopy_from_cache=False) for i in state.views.aggregate_ids("user")]
    return sorted(users, key=lambda u: u.username)


class AdminController(Controller):
    path = "/admin"
    tags = ["administration"]

    @get("/units", responses=ERRORS, operation_id="listUnits", sync_to_thread=True)
    def list_units(
        self, request: AnyRequest, wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)
    ) -> list[UnitView]:
        """Every registered unit (from the audit view; pass ``wait_for`` to see your own change)."""
        require_directory_reader(request.user.role)
        if wait_for is not None:
            wait_for_views(request.app.state.settings, ("audit",), wait_for, 5.0)
        return [UnitView(name=u.name, kind=u.kind.value, number_formats={k.value: v for k, v in u.number_formats.items()})
                for u in directory_units(request.app.state, request.user.role)]

    @get("/users", responses=ERRORS, operation_id="listUsers", sync_to_thread=True)
    def list_users(
        self, request: AnyRequest, wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)
    ) -> list[UserView]:
        """Every registered user with role, unit and whether active."""
        require_directory_reader(request.user.role)
        if wait_for is not None:
            wait_for_views(request.app.state.settings, ("audit",), wait_for, 5.0)
        return [UserView(username=u.username, display_name=u.display_name, role=u.role.value, unit=u.unit, active=u.active,
                         post=u.post.value)
                for u in directory_users(request.app.state, request.user.role)]

    @post("/units", responses=ERRORS, operation_id="registerUnit", status_code=201, sync_to_thread=True)
    def register_unit(self, request: AnyRequest, data: JSONBody[s.UnitBody]) -> Response[s.CommandResult]:
        """Register a unit (administrator)."""
        return execute(request, RegisterUnit(**msgspec.structs.asdict(data)), status=201)

    @post("/units/{name:str}/number-formats", responses=ERRORS, operation_id="setUnitNumberFormat", status_code=200,
          sync_to_thread=True)
    def set_number_format(self, request: AnyRequest, name: FromPath[str], data: JSONBody[NumberFormatBody]) -> Response[s.CommandResult]:
        """Set the unit's format of one series of document numbers (administrator): a pattern with
        ``{year}`` and ``{seq}``, e.g. ``临人社行指〔{year}〕{seq}号``; empty for ``{year}年第{seq}号``. Numbers
        already issued keep their text."""
        return execute(request, SetNumberFormat(unit=name, **msgspec.structs.asdict(data)))

    @post("/users", responses=ERRORS, operation_id="registerUser", status_code=201, sync_to_thread=True)
    def register_user(self, request: AnyRequest, data: JSONBody[s.UserBody]) -> Response[s.CommandResult]:
        """Register a user with one role in one unit (administrator)."""
        return execute(request, RegisterUser(**msgspec.structs.asdict(data)), status=201)

    @post("/users/{username:str}/assignment", responses=ERRORS, operation_id="assignUser", status_code=200, sync_to_thread=True)
    def assign(self, request: AnyRequest, username: FromPath[str], data: JSONBody[s.AssignBody]) -> Response[s.CommandResult]:
        """Change a user's role or unit (administrator)."""
        fields = msgspec.structs.asdict(data) | {"username": username}
        return execute(request, AssignUser(**fields))

    @post("/users/{username:str}/confirmation", responses=ERRORS, operation_id="confirmGrant", status_code=200, sync_to_thread=True)
    def confirm(self, request: AnyRequest, username: FromPath[str]) -> Response[s.CommandResult]:
        """Confirm a role (or a new account) another administrator proposed (four eyes)."""
        return execute(request, ConfirmGrant(username=username))

    @post("/users/{username:str}/disable", responses=ERRORS, operation_id="disableUser", status_code=200, sync_to_thread=True)
    def disable(self, request: AnyRequest, username: FromPath[str]) -> Response[s.CommandResult]:
        """Disable a user; their tokens stop working at once (administrator)."""
        return execute(request, SetUserActive(username=username, active=False))

    @post("/users/{username:str}/post", responses=ERRORS, operation_id="setUserPost", status_code=200, sync_to_thread=True)
    def set_post(self, request: AnyRequest, username: FromPath[str], data: JSONBody[PostBody]) -> Response[s.CommandResult]:
        """职务 of a user in their unit: head (单位负责人), deputy, staff (administrator)."""
        return execute(request, SetUserPost(username=username, post=data.post))

    @post("/users/{username:str}/enable", responses=ERRORS, operation_id="enableUser", status_code=200, sync_to_thread=True)
    def enable(self, request: AnyRequest, username: FromPath[str]) -> Response[s.CommandResult]:
        """Enable a disabled user (administrator)."""
        return execute(request, SetUserActive(username=username, active=True))
