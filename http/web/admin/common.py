"""What the administration pages share: a line for the next page, paging, the command context."""

from __future__ import annotations

from ledger.errors import InvalidInput
from ledger_http.web.pages import AnyRequest, field_errors


def flash(request: AnyRequest, text: str) -> None:
    """A line for the next page (POST → redirect → GET)."""
    request.set_session({**request.session, "flash": text})


def take_flash(request: AnyRequest) -> str | None:
    text = request.session.get("flash")
    if text:
        request.set_session({k: v for k, v in request.session.items() if k != "flash"})
    return text


def offset_of(request: AnyRequest) -> int:
    text = str(request.query_params.get("offset") or "")
    return int(text) if text.isdigit() else 0


def form_errors(error: InvalidInput) -> dict[str, str]:
    """Field errors beside their fields (see ``plain_key_error``)."""
    return plain_key_error(field_errors(error))


def plain_key_error(errors: dict[str, str]) -> dict[str, str]:
    """A form sent again with other contents under the key of one already
    done is refused by the idempotency store rather than acted on twice;
    said in the clerk's words."""
    if errors.pop("Idempotency-Key", None):
        errors[""] = "这份表单已经提交过（可能是从浏览器返回后改了内容再提交）；请重新打开本页填写后提交"
    return errors
