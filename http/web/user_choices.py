"""The directory's users as a page's choices (审核人, 管理人, 承办人员): a
select shows each active user with their unit, so a person is chosen as the
directory knows them instead of a username typed from memory. The ledger
still checks the choice (an unknown or disabled user, one of another unit)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.directory import User


def active_users(state: Any, unit: str | None = None, *, besides: str | None = None) -> list[dict[str, str]]:
    """Active users (of ``unit`` only, when given; without ``besides``), by
    unit then name: ``username``, ``name``, ``unit`` and the option's ``label``."""
    ledger, views = state.ledger, state.views
    out = []
    for i in views.aggregate_ids("user"):
        user = ledger.repository.get(UUID(i), deepcopy_from_cache=False)
        if not isinstance(user, User) or not user.active or user.username == besides:
            continue
        if unit is not None and user.unit != unit:
            continue
        out.append({"username": user.username, "name": user.display_name, "unit": user.unit,
                    "label": f"{user.display_name}（{user.unit}）"})
    return sorted(out, key=lambda u: (u["unit"], u["name"], u["username"]))
