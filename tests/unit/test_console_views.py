"""`ledger rebuild VIEW` knows every read model (the console does not import the
read side to list them, so a new view must be named there too)."""

from __future__ import annotations

from ledger.cli import REBUILDABLE
from projections import PROJECTIONS, VIEW_ALIASES


def test_every_view_can_be_rebuilt_from_the_console() -> None:
    assert set(REBUILDABLE) <= set(VIEW_ALIASES)
    assert {VIEW_ALIASES[v] for v in REBUILDABLE} | {"seal"} >= set(PROJECTIONS)
