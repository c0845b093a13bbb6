"""Units and users: registering a unit; creating a user with an initial
password, assigning a role and unit, confirming a grant another
administrator proposed, disabling and enabling (each behind a confirmation
page that needs no JavaScript) and resetting a password. The directory's
commands decide; a refusal is shown with the ledger's own words."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.commands import Command
from ledger.directory import Post, UnitKind, User
from ledger.directory.commands import AssignUser, ConfirmGrant, RegisterUnit, RegisterUser, SetUserActive, SetUserPost
from ledger.envelope import make_envelope
from ledger.errors import FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser, change_password, check_password
from ledger_http.common.commanding import run_command
from ledger_http.directory import directory_units, directory_users
from ledger_http.web.admin.common import flash, form_errors, offset_of, take_flash
from ledger_http.web.pages import PAGE, AnyRequest, caught_up, form_key, in_thread, page, page_user, remember

ROLES = [r for r in Role if r is not Role.SYSTEM]
STATUSES = {"active": "启用", "disabled": "停用", "pending": "待确认"}
# the status filter: 待确认 finds every grant waiting for a second administrator, not only new accounts
STATUS_FILTERS = {"active": "启用", "disabled": "停用", "pending": "有待确认的授权"}
# Unambiguous characters for a suggested temporary password (no 0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def suggested_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def user_row(u: Any) -> dict[str, Any]:
    """A user as the table shows it; ``status`` is one of STATUSES."""
    waiting = u.pending is not None and u.pending.initial
    status = "pending" if waiting else "active" if u.active else "disabled"
    return {"user": u, "status": status, "status_label": STATUSES[status], "pending": u.pending,
            "must_change": u.must_change_password, "no_password": not u.password_set}


class DirectoryPages(Controller):
    """单位管理 and 用户管理."""

    path = "/"

    @get("/units")
    async def units(self, request: AnyRequest) -> Template:
        return await self._units_page(request, {}, {})

    async def _units_page(self, request: AnyRequest, values: dict[str, Any], errors: dict[str, str],
                          status: int = 200) -> Template:
        user = page_user(request)
        await caught_up(request, "audit")
        units = await in_thread(directory_units, request.app.state, user.role)
        people = await in_thread(directory_users, request.app.state, user.role)
        counts = {u.name: sum(1 for p in people if p.unit == u.name) for u in units}
        return page(request, user, "admin_units.html", status=status, units=units, counts=counts, kinds=list(UnitKind),
                    values=values, errors=errors, key=values.get("idempotency_key") or uuid.uuid4(),
                    notice=take_flash(request))

    @post("/units")
    async def register_unit(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("name", "kind", "idempotency_key")}
        try:
            if values["kind"] not in UnitKind._value2member_map_:
                problems = [FieldError("kind", "required", "请选择单位类别")]
                if not values["name"].strip():
                    problems.append(FieldError("name", "required", "单位名称不能为空，且不超过100个字"))
                raise InvalidInput(problems)
            command = RegisterUnit(name=values["name"], kind=UnitKind(values["kind"]))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._units_page(request, values, form_errors(e), status=422)
        except LedgerError as e:
            return await self._units_page(request, values, {"": e.message}, status=403)
        flash(request, f"已登记单位“{values['name'].strip()}”")
        return Redirect(path="/w/admin/units")

    # --------------------------------------------------------------- users

    @get("/users")
    async def users(self, request: AnyRequest) -> Template:
        user = page_user(request)
        q = request.query_params
        filters = {k: str(q.get(k) or "") for k in ("role", "unit", "status")}
        offset = offset_of(request)
        await caught_up(request, "audit")
        units = await in_thread(directory_units, request.app.state, user.role)
        rows = [user_row(u) for u in await in_thread(directory_users, request.app.state, user.role)]
        rows = [r for r in rows
                if (not filters["role"] or r["user"].role.value == filters["role"])
                and (not filters["unit"] or r["user"].unit == filters["unit"])
                and (not filters["status"] or r["status"] == filters["status"]
                     or filters["status"] == "pending" and r["pending"] is not None)]
        query = urlencode({k: v for k, v in filters.items() if v})
        return page(request, user, "admin_users.html", rows=rows[offset:offset + PAGE], total=len(rows), offset=offset,
                    page_size=PAGE, more=len(rows) > offset + PAGE, filters=filters, query=query, roles=ROLES,
                    units=units, statuses=STATUS_FILTERS, notice=take_flash(request), key=uuid.uuid4())

    @get("/users/new")
    async def new_user_form(self, request: AnyRequest) -> Template:
        return await self._new_user_page(request, {"password": suggested_password()}, {})

    async def _new_user_page(self, request: AnyRequest, values: dict[str, Any], errors: dict[str, str],
                             status: int = 200) -> Template:
        user = page_user(request)
        units = await in_thread(directory_units, request.app.state, user.role)
        return page(request, user, "admin_user_new.html", status=status, values=values, errors=errors, roles=ROLES,
                    units=units, key=values.get("idempotency_key") or uuid.uuid4())

    @post("/users/new")
    async def create_user(self, request: AnyRequest) -> Template | Redirect:
        """RegisterUser, then the initial password as an administrator's reset
        (the user chooses their own at the first sign-in). The password is
        checked first, so a refused form writes nothing."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("username", "display_name", "role", "unit", "password", "idempotency_key")}
        values["username"] = values["username"].strip()
        try:
            problems = []
            if values["role"] not in Role._value2member_map_:
                problems.append(FieldError("role", "required", "请选择角色"))
            if not values["unit"]:
                problems.append(FieldError("unit", "required", "请选择单位"))
            try:
                check_password(values["password"])
            except InvalidInput as e:
                problems += [FieldError("password", f.code, f.message) for f in e.errors]
            if problems:
                raise InvalidInput(problems + user_problems(user, values))
            command = RegisterUser(username=values["username"], display_name=values["display_name"],
                                   role=Role(values["role"]), unit=values["unit"])
            key = form_key(form)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, key))
            await in_thread(reset_password, request, user, values["username"], values["password"], key + "|password")
        except InvalidInput as e:
            return await self._new_user_page(request, values, form_errors(e), status=422)
        except LedgerError as e:
            return await self._new_user_page(request, values, {"": e.message}, status=403)
        waiting = "，该账户须由另一名系统管理员确认后方可登录" if result.get("pending") else ""
        flash(request, f"已创建用户 {values['username']}（{values['display_name'].strip()}）{waiting}；"
                       "初始密码请当面或电话告知本人，首次登录须设置新密码")
        return Redirect(path="/w/admin/users")

    async def _user(self, request: AnyRequest, username: str) -> Any:
        """The user named in the path, or None (the page then says so)."""
        try:
            return await in_thread(request.app.state.ledger.get_user, username, for_update=False)
        except NotFound:
            return None

    def _no_user(self, request: AnyRequest, username: str) -> Template:
        return page(request, page_user(request), "message.html", status=404, title="用户不存在",
                    message=f"没有用户“{username}”。")

    async def _user_step(self, request: AnyRequest, username: str, template: str, values: dict[str, Any],
                         errors: dict[str, str], status: int = 200, **context: Any) -> Template:
        user = page_user(request)
        target = await self._user(request, username)
        if target is None:
            return self._no_user(request, username)
        units = await in_thread(directory_units, request.app.state, user.role)
        return page(request, user, template, status=status, target=user_row(target), values=values, errors=errors,
                    roles=ROLES, units=units, key=values.get("idempotency_key") or uuid.uuid4(), **context)

    async def _run_user_step(self, request: AnyRequest, username: str, template: str, form: FormMultiDict,
                             values: dict[str, Any], build: Callable[[], Command], done: str,
                             **context: Any) -> Template | Redirect:
        """Run the directory's command for one user; the ledger decides (four
        eyes, one's own account…) and its refusal is shown on the same form."""
        user = page_user(request)
        try:
            result = remember(request, await in_thread(run_command, request.app.state, user, build(), form_key(form)))
        except InvalidInput as e:
            return await self._user_step(request, username, template, values, form_errors(e), status=422, **context)
        except NotFound as e:
            return page(request, user, "message.html", status=404, title="用户不存在", message=e.message)
        except LedgerError as e:
            return await self._user_step(request, username, template, {**values, "idempotency_key": None},
                                         {"": e.message}, status=403 if isinstance(e, NotAllowed) else 409, **context)
        flash(request, done if not result.get("pending") else f"{done}：已提出，待另一名系统管理员确认后生效")
        return Redirect(path="/w/admin/users")

    @get("/users/{username:str}/assign")
    async def assign_form(self, request: AnyRequest, username: FromPath[str]) -> Template:
        target = await self._user(request, username)
        values = {"role": target.role.value, "unit": target.unit} if target else {}
        return await self._user_step(request, username, "admin_user_assign.html", values, {})

    @post("/users/{username:str}/assign")
    async def assign(self, request: AnyRequest, username: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("role", "unit", "basis", "idempotency_key")}

        def build() -> AssignUser:
            if values["role"] not in Role._value2member_map_:
                raise InvalidInput.one("role", "required", "请选择角色")
            return AssignUser(username=username, role=Role(values["role"]), unit=values["unit"],
                              basis=values["basis"].strip() or None)

        return await self._run_user_step(request, username, "admin_user_assign.html", form, values, build,
                                         f"已调整 {username} 的角色和单位")

    @get("/users/{username:str}/post")
    async def post_form(self, request: AnyRequest, username: FromPath[str]) -> Template:
        target = await self._user(request, username)
        values = {"post": target.post.value} if target else {}
        return await self._user_step(request, username, "admin_user_post.html", values, {}, posts=list(Post))

    @post("/users/{username:str}/post")
    async def set_post(self, request: AnyRequest, username: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("post", "idempotency_key")}

        def build() -> SetUserPost:
            if values["post"] not in Post._value2member_map_:
                raise InvalidInput.one("post", "required", "请选择职务")
            return SetUserPost(username=username, post=Post(values["post"]))

        return await self._run_user_step(request, username, "admin_user_post.html", form, values, build,
                                         f"已设置 {username} 的职务", posts=list(Post))

    @get("/users/{username:str}/confirm")
    async def confirm_form(self, request: AnyRequest, username: FromPath[str]) -> Template:
        return await self._user_step(request, username, "admin_user_confirm.html", {}, {})

    @post("/users/{username:str}/confirm")
    async def confirm(self, request: AnyRequest, username: FromPath[str]) -> Template | Redirect:
        form = await request.form()
        return await self._run_user_step(request, username, "admin_user_confirm.html", form, {},
                                         lambda: ConfirmGrant(username=username), f"已确认 {username} 的授权")

    @get("/users/{username:str}/{action:str}")
    async def active_form(self, request: AnyRequest, username: FromPath[str], action: FromPath[str]) -> Template:
        """停用 or 启用: a confirmation page (the step works without JavaScript)."""
        if action not in ("disable", "enable"):
            return page(request, page_user(request), "message.html", status=404, title="页面不存在", message="没有该操作。")
        return await self._user_step(request, username, "admin_user_active.html", {}, {}, action=action)

    @post("/users/{username:str}/{action:str}")
    async def set_active(self, request: AnyRequest, username: FromPath[str], action: FromPath[str]) -> Template | Redirect:
        if action not in ("disable", "enable"):
            return page(request, page_user(request), "message.html", status=404, title="页面不存在", message="没有该操作。")
        form = await request.form()
        values = {"basis": str(form.get("basis", "")), "idempotency_key": str(form.get("idempotency_key", ""))}
        done = f"已停用 {username}，其已登录的会话立即失效" if action == "disable" else f"已启用 {username}"
        return await self._run_user_step(
            request, username, "admin_user_active.html", form, values,
            lambda: SetUserActive(username=username, active=action == "enable", basis=values["basis"].strip() or None),
            done, action=action)

    @get("/users/{username:str}/password")
    async def password_form(self, request: AnyRequest, username: FromPath[str]) -> Template:
        return await self._user_step(request, username, "admin_user_password.html",
                                     {"new_password": suggested_password()}, {})

    @post("/users/{username:str}/password")
    async def reset(self, request: AnyRequest, username: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("new_password", "idempotency_key")}
        try:
            await in_thread(reset_password, request, user, username, values["new_password"][:256], form_key(form))
        except InvalidInput as e:
            errors = form_errors(e)
            if "current_password" in errors:  # one's own password is changed with the current one, elsewhere
                errors = {"": "修改自己的密码请使用页首的“修改密码”（须输入当前密码）"}
            return await self._user_step(request, username, "admin_user_password.html", values, errors, 422)
        except NotFound:
            return self._no_user(request, username)
        except LedgerError as e:
            return await self._user_step(request, username, "admin_user_password.html", values, {"": e.message}, 403)
        flash(request, f"已重置 {username} 的密码：其已登录的会话立即失效，下次登录须先设置新密码")
        return Redirect(path="/w/admin/users")


# ------------------------------------------------------------------ users


def reset_password(request: AnyRequest, user: AuthUser, username: str, password: str, key: str) -> bytes:
    """An administrator sets ``username``'s password (``change_password``: the
    user must choose their own at the next sign-in; every session opened
    before ends). Once per form: a resent form gets the first answer."""
    request.scope["user"] = user  # change_password reads the user as the API does

    def run() -> bytes:
        return str(change_password(request, username, password, None).notification_id).encode()

    # the same form sent again with another password must not answer "done" with the first one kept;
    # the key salts the (short-lived, to be changed at the next sign-in) password in the stored hash
    fingerprint = f"ResetPassword|{username}|{key}|{password}".encode()
    return request.app.state.idempotency.run(user.username, key, fingerprint, run)


def user_problems(user: AuthUser, values: dict[str, Any]) -> list[FieldError]:
    """What the directory would say of the username and name, asked on a
    user that is never saved — so a form refused for its role, unit or
    password names those problems too (the ledger stops at the first)."""
    role = Role(values["role"]) if values["role"] in Role._value2member_map_ else Role.REGISTRAR
    try:
        User.register(make_envelope(user.actor, "form-check", datetime.now(CST)), values["username"],
                      values["display_name"], role, values["unit"])
    except InvalidInput as e:
        return list(e.errors)
    except LedgerError:
        return []
    return []
