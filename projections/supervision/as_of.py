"""The review list of reversed penalties as the ledger knew it at a cut-off:
from the view's stored history once the view has reached the cut-off (one
indexed query, rows decoded one at a time), else folded from the log."""

from __future__ import annotations

from collections.abc import Iterator

from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.history import history_reaches, rows_as_of
from projections.rebuild import fold_as_of
from projections.supervision import REVIEW, REVIEW_HISTORY, Row, SupervisionProjection


def reviews_as_of(settings: Settings, cutoff: int) -> Iterator[Row]:
    """Every review row at ``cutoff`` ordered by (reversed_at, review id),
    unscoped; rows without a reversal yet (a review's own events first) too."""
    db = ViewDB(settings)
    try:
        if history_reaches(db, SupervisionProjection.name, REVIEW_HISTORY, cutoff):
            yield from rows_as_of(db, REVIEW_HISTORY, REVIEW.column_names, cutoff)
            return
    finally:
        db.close()
    reviews = fold_as_of(settings, SupervisionProjection(), cutoff).get("reviews", {}).values()
    yield from sorted(reviews, key=lambda r: (r["reversed_at"] or "", r["review_id"]))
