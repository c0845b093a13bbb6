"""The views of one store, as one object (what the HTTP app and the CLI
hold): each slice's queries (``projections/<slice>/queries.py``) and the
audit log's. Queries only; nothing here changes a view."""

from __future__ import annotations

from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.audit import AUDIT, AuditProjection
from projections.cases import CasesProjection
from projections.cases.queries import CaseQueries
from projections.runner import ensure_tables
from projections.seal import SealProjection, case_positions
from projections.supervision import SupervisionProjection
from projections.supervision.queries import SupervisionQueries


class Views(CaseQueries, SupervisionQueries):
    """Queries over the views of one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = ViewDB(settings)
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                ensure_tables(cur, CasesProjection())
                ensure_tables(cur, AuditProjection())
                ensure_tables(cur, SupervisionProjection())
                ensure_tables(cur, SealProjection())
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()

    def audit(
        self,
        scope: Scope,
        *,
        actor_id: str | None = None,
        unit: str | None = None,
        case_id: str | None = None,
        action: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if scope.aggregates is not None:
            where.append(f"aggregate IN ({', '.join(['%s'] * len(scope.aggregates))})")
            params += list(scope.aggregates)
        for column, value in (("actor_id", actor_id), ("unit", unit), ("case_id", case_id), ("action", action)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if recorded_from:
            where.append("recorded_at >= %s")
            params.append(self.db.utc_key(recorded_from))
        if recorded_to:
            where.append("recorded_at < %s")
            params.append(self.db.utc_key(recorded_to))
        with self.db.reading() as cur:
            return cur.dicts(
                f"SELECT * FROM {AUDIT.name} WHERE {' AND '.join(where)} "
                f"ORDER BY notification_id{' DESC' if newest_first else ''} LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )

    def case_chain(self, case_id: Any) -> dict[int, tuple[int, str]]:
        """A case's events' positions in the sealed chain (``projections.seal``);
        the caller has checked the case is visible to the reader."""
        with self.db.reading() as cur:
            return case_positions(cur, case_id)

    def aggregate_ids(self, aggregate: str) -> list[str]:
        """Ids of the aggregates of one kind (e.g. ``unit``, ``user``) the log has seen."""
        with self.db.reading() as cur:
            return [r[0] for r in cur.execute(
                f"SELECT DISTINCT aggregate_id FROM {AUDIT.name} WHERE aggregate = %s ORDER BY aggregate_id",
                (aggregate,),
            ).fetchall()]
