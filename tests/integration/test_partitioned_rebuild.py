"""The cases view rebuilt in partitions (projections/partitioned.py, PostgreSQL):
each process folds a range of case ids case by case, and the tables equal the
view kept up event by event in log order — with more partitions than cases,
with batches so small that a case runs over several of them, with other
aggregates' events between the cases' — and a partition that dies fails the
rebuild and leaves the live view as it was."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.scope import Reach, console_scope, scope_for
from ledger.settings import Settings
from ledger.values import Role
from ledger.workdays import Holiday, YearSchedule
from projections import partitioned
from projections.cases import CasesProjection, as_of
from projections.cases.export import registry_csv
from projections.partitioned import bounds
from projections.rebuild import rebuild
from tests.builders import ADMIN, FIRE, MARKET, ctx, fixed_clock
from tests.integration.test_projections import dump, history_of_several_cases, log_count_and_head, project, query

pytestmark = pytest.mark.postgres


@pytest.fixture
def ledger(pg_settings: Settings) -> Iterator[Ledger]:
    """The application on PostgreSQL only: SQLite is rebuilt in log order."""
    app = Ledger(pg_settings, clock=fixed_clock())
    yield app
    app.close()


def test_the_uuid_space_is_cut_into_adjacent_ranges_that_cover_it() -> None:
    parts = bounds(3)
    assert parts[0][0] is None and parts[-1][1] is None
    assert [high for _, high in parts[:-1]] == [low for low, _ in parts[1:]]
    assert parts[1][0] == UUID(int=2**128 // 3)
    assert bounds(1) == [(None, None)]


@pytest.mark.parametrize(("processes", "batch"), [(1, 5000), (3, 3), (8, 2)])
def test_a_rebuild_in_partitions_equals_the_view_kept_in_log_order(
    ledger: Any, pg_settings: Settings, monkeypatch: pytest.MonkeyPatch, processes: int, batch: int
) -> None:
    ledger_ids = history_of_several_cases(ledger)
    schedule = YearSchedule(year=2027, holidays=(Holiday(day=date(2027, 1, 1), name="元旦"),), makeup_workdays=(),
                            source="国办发明电（测试）")
    ledger.record_year_schedule(ctx(ADMIN), RecordYearSchedule(schedule=schedule, basis="国务院办公厅通知"))
    history_of_several_cases(ledger)  # a dozen cases, of every kind of event, a calendar's between them
    assert query(pg_settings, "SELECT count(*) FROM ledger_events WHERE topic NOT LIKE 'ledger.case%%'")[0][0] > 0
    project(pg_settings, CasesProjection(), batch_size=4)
    incremental = dump(pg_settings, CasesProjection())
    _, head = log_count_and_head(pg_settings)
    assert len(incremental["registry"]) == 12 and len(incremental["registry_versions"]) > 40

    monkeypatch.setenv("LEDGER_REBUILD_PROCESSES", str(processes))
    progress: list[tuple[int, int]] = []
    assert rebuild(pg_settings, CasesProjection(), progress=lambda d, t: progress.append((d, t)), batch_size=batch) == head
    assert dump(pg_settings, CasesProjection()) == incremental
    assert progress[-1] == (head, head) and [d for d, _ in progress] == sorted(d for d, _ in progress)
    if batch < 5000:
        assert len(progress) > 10  # reported batch by batch, from every process
    # the keys are back, under the names the swap gives them
    keys = {r[0] for r in query(pg_settings, "SELECT conname FROM pg_constraint WHERE conrelid = 'registry'::regclass")}
    assert keys == {"registry_pkey"}
    assert str(ledger_ids["demo"]) in {r["case_id"] for r in incremental["registry"]}


def test_a_partition_that_dies_fails_the_rebuild_and_the_live_view_stays(
    ledger: Any, pg_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    history_of_several_cases(ledger)
    project(pg_settings, CasesProjection())
    before = dump(pg_settings, CasesProjection())
    fold = partitioned.fold_partition

    def dying(settings: Settings, kind: type, suffix: str, upto: int, part: Any, *args: Any) -> int:
        if part[0] is not None:  # the second of two: as if killed -9 mid-way
            os.kill(os.getpid(), signal.SIGKILL)
        return fold(settings, kind, suffix, upto, part, *args)

    monkeypatch.setattr(partitioned, "fold_partition", dying)
    monkeypatch.setenv("LEDGER_REBUILD_PROCESSES", "2")
    with pytest.raises(RuntimeError, match="exit code -9"):
        rebuild(pg_settings, CasesProjection())
    assert dump(pg_settings, CasesProjection()) == before
    monkeypatch.setattr(partitioned, "fold_partition", fold)
    _, head = log_count_and_head(pg_settings)
    assert rebuild(pg_settings, CasesProjection()) == head  # the half-built tables are no obstacle
    assert dump(pg_settings, CasesProjection()) == before


@pytest.mark.parametrize("processes", [2, 3])
def test_an_as_of_export_made_in_parts_is_the_same_file(
    ledger: Any, pg_settings: Settings, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    """The as-of CSV made by forked processes, a part of the registry each
    (projections/cases/as_of.py), is byte for byte the one made in one piece —
    at every cut-off, for every reader's scope and filter — with its row count."""
    history_of_several_cases(ledger)
    history_of_several_cases(ledger)
    project(pg_settings, CasesProjection())
    _, head = log_count_and_head(pg_settings)
    monkeypatch.setattr(as_of, "PARALLEL_FROM", 1)
    monkeypatch.setenv("LEDGER_REBUILD_PROCESSES", str(processes))
    every, market = console_scope(Reach.CASES, Role.AUDITOR), scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES)
    for cutoff in (head // 3, head // 2, head):
        for scope, filters in ((every, {}), (every, {"state": "archived"}), (market, {}), (every, {"unit": FIRE})):
            whole = list(as_of.registry_as_of(pg_settings, scope, cutoff, **filters))
            data, count = as_of.registry_csv_as_of(pg_settings, scope, cutoff, **filters)
            assert data == registry_csv(whole, scope.role) and count == len(whole), (cutoff, filters)
