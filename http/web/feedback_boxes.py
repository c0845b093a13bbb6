"""Suggestion boxes and mailboxes in the workbench (seed 003 四): where the
司法局 installs a 建议箱 or 电子信箱 with its collecting unit and keeper, and
where the 司法局 or the collecting unit changes the keeper (另行安排专人).

- ``/w/feedback/boxes``: the boxes within the reader's scope with their
  collecting unit and keeper; for a supervisor the install form; beside
  each box the keeper's select (the 司法局, or the collecting unit's staff);
- ``POST /w/feedback/boxes``: ``InstallBox``; ``POST /w/feedback/boxes/{id}/keeper``:
  ``ChangeBoxKeeper``. A refused form comes back with the error beside its
  field (the box's own keeper select for a change) and nothing written.

People are chosen from the directory (``ledger_http.web.user_choices``): the
keeper select lists active users with their unit; the ledger checks that the
keeper belongs to the collecting unit and that the unit is the one the seed
assigns (``ledger.feedback.SuggestionBox.install``)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.feedback.commands import ChangeBoxKeeper, InstallBox
from ledger.feedback.values import BoxKind, BoxSite
from ledger.scope import Reach
from ledger.values import Role
from ledger_http.common.commanding import run_command
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)
from ledger_http.web.registry import unit_names
from ledger_http.web.user_choices import active_users

VIEW = "feedback"
INSTALL_FIELDS = ("kind", "site", "site_name", "address", "collecting_unit", "keeper")


def _install_command(values: dict[str, str]) -> InstallBox:
    """The form as the command; the choices the page itself can judge (none
    made) are refused together, beside their fields."""
    errors = []
    kind = values.get("kind", "")
    site = values.get("site", "")
    if kind not in BoxKind._value2member_map_:
        errors.append(FieldError("kind", "required", "请选择建议箱或电子信箱"))
    if site not in BoxSite._value2member_map_:
        errors.append(FieldError("site", "required", "请选择设置地点的类型"))
    if not values.get("collecting_unit", "").strip():
        errors.append(FieldError("collecting_unit", "required", "请选择收集处理单位"))
    if not values.get("keeper", "").strip():
        errors.append(FieldError("keeper", "required", "请选择管理人"))
    if not values.get("site_name", "").strip():
        errors.append(FieldError("site_name", "required", "设置地点（中心名称）不能为空"))
    if errors:
        raise InvalidInput(errors)
    return InstallBox(kind=BoxKind(kind), site=BoxSite(site), site_name=values["site_name"].strip(),
                      address=values.get("address", "").strip(), collecting_unit=values["collecting_unit"].strip(),
                      keeper=values["keeper"].strip())


def _page_data(request: AnyRequest, user: Any) -> dict[str, Any]:
    scope = page_scope(user, Reach.SUPERVISION)
    state = request.app.state
    boxes = state.views.feedback_boxes(scope)
    supervisor = user.role is Role.SUPERVISOR
    people = active_users(state) if supervisor else active_users(state, user.unit)
    for b in boxes:
        # who may change this box's keeper: the 司法局, or the collecting unit's own staff
        b["changeable"] = supervisor or (user.role is Role.UNIT_STAFF and user.unit == b["collecting_unit"])
        b["choices"] = [p for p in people if p["unit"] == b["collecting_unit"]]
    return {"boxes": boxes, "supervisor": supervisor, "people": people,
            "units": unit_names(request) if supervisor else [], "kinds": list(BoxKind), "sites": list(BoxSite)}


class FeedbackBoxPages(Controller):
    path = "/w/feedback/boxes"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def boxes(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._page(request, user, {}, {})

    async def _page(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                    status: int = 200, box_errors: dict[str, dict[str, str]] | None = None) -> Template:
        page_scope(user, Reach.SUPERVISION)  # refused for the roles that read none of it
        await caught_up(request, VIEW)
        data = await in_thread(_page_data, request, user)
        done = request.session.pop("boxes_done", None) if request.session else None
        if done:
            request.set_session(dict(request.session))
        return page(request, user, "feedback_boxes.html", status=status, values=values, errors=errors,
                    box_errors=box_errors or {}, key=uuid.uuid4(), done=done, **data)

    @post("/")
    async def install(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in (*INSTALL_FIELDS, "idempotency_key")}
        try:
            command = _install_command(values)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._page(request, user, values, field_errors(e), status=422)
        except NotAllowed as e:
            return await self._page(request, user, values, {"": e.message}, status=403)
        except LedgerError as e:
            return await self._page(request, user, values, {"": e.message}, status=409)
        request.set_session({**request.session, "boxes_done": f"已设置{command.site_name}{command.kind.label}"})
        return Redirect(path="/w/feedback/boxes")

    @post("/{box_id:uuid}/keeper")
    async def keeper(self, request: AnyRequest, box_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        keeper = str(form.get("keeper", "")).strip()
        try:
            if not keeper:
                raise InvalidInput.one("keeper", "required", "请选择新的管理人")
            remember(request, await in_thread(run_command, request.app.state, user,
                                              ChangeBoxKeeper(box_id=box_id, keeper=keeper), form_key(form)))
        except InvalidInput as e:
            return await self._page(request, user, {}, {}, status=422, box_errors={str(box_id): field_errors(e)})
        except NotAllowed as e:
            return await self._page(request, user, {}, {"": e.message}, status=403)
        except LedgerError as e:
            return await self._page(request, user, {}, {"": e.message}, status=404 if isinstance(e, NotFound) else 409)
        request.set_session({**request.session, "boxes_done": "已更换管理人"})
        return Redirect(path="/w/feedback/boxes")
