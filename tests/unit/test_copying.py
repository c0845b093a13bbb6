"""The aggregates' fast deep copy (ledger/copying.py) is as good as a real
one only while every value they hold is immutable, directly or inside a
top-level dict, list or set. Checked here on every aggregate the demo records
(cases in all stages, counters, the calendar, users, units, a catalogue, a
review objected to and answered, a major-decision filing)."""

from __future__ import annotations

import copy
import dataclasses
import enum
import sqlite3
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import msgspec
import pytest

from ledger.application import Ledger
from ledger.case import GuidanceCase
from ledger.commands import Context
from ledger.copying import CONTAINERS
from ledger.demo import seed_demo
from ledger.store.credentials import CredentialStore
from ledger.supervision import ReversalReview
from ledger.supervision.commands import AnswerObjection, ObjectToReversal
from ledger.values import Actor, Role
from tests.builders import envelope

LEAVES = (str, int, float, bool, bytes, type(None), Decimal, date, datetime, time, timedelta, UUID, enum.Enum)


def mutable_parts(value, path: str) -> list[str]:
    """Where, inside ``value``, something could be changed in place."""
    if isinstance(value, LEAVES):
        return []
    if isinstance(value, (tuple, frozenset)):
        return [p for i, v in enumerate(value) for p in mutable_parts(v, f"{path}[{i}]")]
    if isinstance(value, msgspec.Struct):
        if not type(value).__struct_config__.frozen:
            return [f"{path} ({type(value).__name__} is not frozen)"]
        return [p for f in value.__struct_fields__ for p in mutable_parts(getattr(value, f), f"{path}.{f}")]
    if dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen:
        return [p for f in dataclasses.fields(value) for p in mutable_parts(getattr(value, f.name), f"{path}.{f.name}")]
    return [f"{path} ({type(value).__name__})"]


@pytest.fixture(scope="module")
def aggregates(tmp_path_factory):
    from ledger.settings import Settings
    from ledger.store.migrate import migrate

    path = tmp_path_factory.mktemp("copying") / "ledger.sqlite3"
    settings = Settings(backend="sqlite", sqlite_path=str(path))
    migrate(settings)
    ledger = Ledger(settings)
    credentials = CredentialStore(settings)
    try:
        ledger.ensure_calendar()
        seed_demo(ledger, credentials)
        with sqlite3.connect(path) as db:
            ids = [UUID(r[0]) if isinstance(r[0], str) else UUID(bytes=r[0]) if isinstance(r[0], bytes) else r[0]
                   for r in db.execute("SELECT DISTINCT originator_id FROM stored_events")]
        found = [ledger.repository.get(i) for i in ids]
        review = next(a for a in found if isinstance(a, ReversalReview))
        supervisor = Actor(id="wujian", name="吴监", role=Role.SUPERVISOR, unit="市司法局执法监督科")
        staff = Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=review.issuing_unit)
        ledger.object_to_reversal(Context(actor=supervisor, request_id="t"), ObjectToReversal(
            review_id=review.id, problems="书面说明不完整", suggestions="补充认定依据", reply_due=date(2026, 12, 31)))
        ledger.answer_objection(Context(actor=staff, request_id="t"), AnswerObjection(
            review_id=review.id, reply="已补充", measures="今后附认定材料"))
        return [ledger.repository.get(i) for i in ids] + [ledger.repository.get(review.id)]
    finally:
        credentials.close()
        ledger.close()


def test_the_demo_records_every_kind_of_aggregate(aggregates) -> None:
    kinds = {type(a).__name__ for a in aggregates}
    assert {"GuidanceCase", "FormCounter", "WorkCalendar", "User", "Unit", "FourListsCatalogue",
            "ReversalReview", "MajorDecisionFiling"} <= kinds


def test_every_value_an_aggregate_holds_is_immutable_below_its_top_level_containers(aggregates) -> None:
    problems = []
    for aggregate in aggregates:
        for name, value in vars(aggregate).items():
            where = f"{type(aggregate).__name__}.{name}"
            if type(value) in CONTAINERS:
                items = value.items() if isinstance(value, dict) else enumerate(value)
                if name == "_pending_events":
                    continue  # events are the library's frozen objects; the list is copied
                for key, item in items:
                    problems += mutable_parts(key, f"{where} key") + mutable_parts(item, f"{where}[{key!r}]")
            else:
                problems += mutable_parts(value, where)
    assert problems == []


def test_a_copy_is_equal_and_changing_it_leaves_the_original_alone(aggregates) -> None:
    for aggregate in aggregates:
        clone = copy.deepcopy(aggregate)
        assert type(clone) is type(aggregate) and vars(clone) == vars(aggregate)
        for name, value in vars(aggregate).items():
            if type(value) in CONTAINERS:
                assert getattr(clone, name) is not value, f"{type(aggregate).__name__}.{name} is shared"
    case = next(a for a in aggregates if isinstance(a, GuidanceCase))
    before = copy.deepcopy(vars(case))  # the field-by-field copy, for comparison
    clone = copy.deepcopy(case)
    registrar = Actor(id="zhangmin", name="张敏", role=Role.REGISTRAR, unit="市司法局行政执法协调监督科")
    clone.annotate(envelope(registrar), "批注", None)  # a real change on the copy
    assert clone.version == case.version + 1 and vars(case) == before
