"""Commands use a cached case without asking the store only while no other
process has written it (ledger/store/freshness.py), over a real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import AnnotateCase
from ledger.settings import Settings
from tests.builders import REGISTRAR, book_cmd, ctx, fixed_clock


@pytest.fixture
def two(pg_settings: Settings) -> Iterator[tuple[Ledger, Ledger]]:
    """Two ledgers on one store, as two server processes would be."""
    a, b = Ledger(pg_settings, clock=fixed_clock()), Ledger(pg_settings, clock=fixed_clock())
    yield a, b
    a.close()
    b.close()


class Queries:
    """Counts the ledger's reads of one aggregate's events from the store."""

    def __init__(self, ledger: Ledger) -> None:
        self.count = 0
        recorder = ledger.recorder
        original = recorder.select_events

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        recorder.select_events = counted  # type: ignore[method-assign]


def annotate(ledger: Ledger, case_id, note: str, expected_version: int | None = None):
    return ledger.annotate(ctx(REGISTRAR), AnnotateCase(case_id=case_id, note=note, expected_version=expected_version))


def wait_listening(freshness, timeout: float = 5.0) -> bool:
    """Whether the listener got to LISTEN within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not freshness._listening:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def wait_heard(ledger: Ledger, before: int) -> None:
    deadline = time.monotonic() + 10
    while ledger.freshness.notifications <= before:
        assert time.monotonic() < deadline, "the other process's notification never arrived"
        time.sleep(0.01)


def test_a_case_this_process_saved_is_used_from_its_cache(two):
    a, _ = two
    case_id = a.book(ctx(REGISTRAR), book_cmd()).case_id
    annotate(a, case_id, "先登记一条")  # starts the listener
    assert wait_listening(a.freshness)
    annotate(a, case_id, "再登记一条")  # after LISTEN: known current from here
    queries = Queries(a)
    for i in range(3):
        annotate(a, case_id, f"批注{i}")
    assert queries.count == 0, "no query for a case only this process writes"
    assert a.get_case(case_id).version == 6


def test_a_case_another_process_wrote_is_read_from_the_store_again(two):
    a, b = two
    case_id = a.book(ctx(REGISTRAR), book_cmd()).case_id
    annotate(a, case_id, "甲登记")
    assert wait_listening(a.freshness)
    annotate(a, case_id, "甲再登记")  # a's cache: version 3, known current
    heard = a.freshness.notifications
    annotate(b, case_id, "乙登记")  # version 4, written by the other process
    wait_heard(a, heard)
    queries = Queries(a)
    result = annotate(a, case_id, "甲看到乙的批注后登记", expected_version=4)
    assert result.version == 5, "decided on the store's version 4, not the stale cached 3"
    assert queries.count >= 1
    notes = [e.note for e in a.history(case_id) if type(e).__name__ == "Annotated"]
    assert notes == ["甲登记", "甲再登记", "乙登记", "甲看到乙的批注后登记"]


def test_a_stale_copy_used_before_the_notification_arrives_is_a_conflict_not_a_lost_write(two, monkeypatch):
    """The window freshness cannot close: another process's commit whose
    notification is still on its way. The command decides on the stale copy;
    its save conflicts on the version and it gets 409, and nothing is lost."""
    a, b = two
    case_id = a.book(ctx(REGISTRAR), book_cmd()).case_id
    annotate(a, case_id, "甲登记")
    assert wait_listening(a.freshness)
    annotate(a, case_id, "甲再登记")
    monkeypatch.setattr(a.freshness, "_heard", lambda text: None)  # the notification is "late"
    annotate(b, case_id, "乙登记")
    from ledger.errors import Conflict

    with pytest.raises(Conflict) as raised:
        annotate(a, case_id, "甲基于旧版本的批注")
    assert raised.value.current_version == 4
    notes = [e.note for e in a.history(case_id) if type(e).__name__ == "Annotated"]
    assert notes == ["甲登记", "甲再登记", "乙登记"]
    # and the retry, which the conflict brought up to date, succeeds
    assert annotate(a, case_id, "甲刷新后的批注").version == 5


def test_a_calendar_another_process_recorded_is_used_once_notified(two):
    """The working-day calendar is read from the cache too (every acceptance
    needs it); a year recorded by another process is used as soon as its
    notification has arrived."""
    from datetime import date, datetime

    from ledger.values import CST, DeadlineClass
    from ledger.workdays import Holiday, YearSchedule
    from tests.builders import ADMIN

    a, b = two
    a.ensure_calendar()
    start = datetime(2026, 12, 30, 10, tzinfo=CST)
    case_id = a.book(ctx(REGISTRAR), book_cmd()).case_id
    annotate(a, case_id, "启动监听")
    assert wait_listening(a.freshness)
    before = a.due(start, DeadlineClass.GENERAL)
    assert before.provisional and before.target.date() == date(2027, 1, 5)  # 1 Jan 元旦 rests anyway
    queries = Queries(a)
    assert a.due(start, DeadlineClass.GENERAL) == before
    assert queries.count == 0, "the calendar known current is not asked for again"

    heard = a.freshness.notifications
    schedule = YearSchedule(
        year=2027,
        holidays=tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in (1, 2, 3, 4)),  # a test bridge on the 4th
        makeup_workdays=(),
        source="国办发明电〔2026〕（测试）",
    )
    b.record_year_schedule(ctx(ADMIN), RecordYearSchedule(schedule=schedule, basis="国务院办公厅通知"))
    wait_heard(a, heard)
    after = a.due(start, DeadlineClass.GENERAL)
    assert not after.provisional and after.target.date() == date(2027, 1, 6)
