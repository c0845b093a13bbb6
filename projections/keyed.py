"""A view of several tables whose rows an event finds by key (a letter's row
and its form's, a review's and its filing's): the slice gives ``fold(state,
get, event, recorded_at)``, where ``get(table, key)`` returns the row to
change (or None) and the fold writes changed rows into ``state`` (table name
→ key → row). In memory (a rebuild's or an as-of fold) ``get`` reads the
state; incrementally it loads each row once from the view, and the batch's
rows are replaced. The same fold runs both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.store.sql import Cursor, Table, where_in

Row = dict[str, Any]
Fold = Callable[[dict[str, dict[str, Row]], Callable[[str, str], Row | None], Any, str], None]


class KeyedTablesProjection:
    name: str
    tables: tuple[Table, ...]
    fold: Fold  # set by the slice, as a staticmethod

    def fold_all(self, state: dict[str, Any], items: list[tuple[int, str, Any]]) -> None:
        """Fold into ``state`` (table name → key → row) from memory alone."""
        def get(table: str, key: str) -> Row | None:
            return state.get(table, {}).get(key)

        for _, recorded_at, event in items:
            self.fold(state, get, event, recorded_at)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        keys = {t.name: t.key[0] for t in self.tables}
        state: dict[str, dict[str, Row]] = {}
        loaded: dict[str, set[str]] = {}

        def get(table: str, key: str) -> Row | None:
            rows = state.setdefault(table, {})
            if key not in rows and key not in loaded.setdefault(table, set()):
                loaded[table].add(key)
                found = cur.dicts(f"SELECT * FROM {table}{suffix} WHERE {keys[table]} = %s", (key,))
                if found:
                    rows[key] = found[0]
            return rows.get(key)

        for _, recorded_at, event in items:
            self.fold(state, get, event, recorded_at)
        for table in self.tables:
            rows = state.get(table.name, {})
            if not rows:
                continue
            clause, params = where_in(cur.db, table.key[0], sorted(rows))
            cur.execute(f"DELETE FROM {table.name}{suffix} WHERE {clause}", params)
            cur.insert_rows(table, [tuple(r[c] for c in table.column_names) for _, r in sorted(rows.items())], suffix)
