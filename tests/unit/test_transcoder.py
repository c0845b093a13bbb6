"""The stored encoding of events (``ledger.store.transcoder.MsgspecMapper``).

The encoding is kept forever, so these are properties rather than examples:
every event class of every aggregate, filled with arbitrary values of its
declared types, must come back from its stored form with exactly the same
values of exactly the same types; old class versions must be upcast; bad
bytes must fail loudly; and the stored bytes must be plain, readable JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.case import GuidanceCase
from ledger.case.commands import CorrectRecord, RecordFollowUp, RevokePenalty, TrackRectification
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Channel,
    Contact,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Referral,
    ServiceForm,
    ServiceType,
    Urgency,
)
from ledger.numbering import FormCounter
from ledger.store.transcoder import MsgspecMapper
from ledger.values import CST, DeadlineClass, Envelope, FormKind
from ledger.workcalendar import ProvisionalDeadlines, WorkCalendar
from ledger.workdays import WorkCalendarView, known_schedules_from_package
from tests.builders import (
    DISPATCHER,
    MARKET_STAFF,
    REGISTRAR,
    T0,
    VALID_USCC,
    ctx,
    envelope,
    joint_assignments,
    rated_case,
    reversal,
    single_assignment,
)

MAPPER = MsgspecMapper()

# ----------------------------------------------------------------- strategies

# Whole-minute UTC offsets: what ISO 8601 / RFC 3339 can write. Named ones are
# always tried first; the rest come from the whole range (-23:59..+23:59).
NAMED_OFFSETS = (
    timezone.utc,
    CST,
    timezone(timedelta(0)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-9, minutes=-30)),
    timezone(timedelta(hours=14)),
)
offsets = st.sampled_from(NAMED_OFFSETS) | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31, 23, 59, 59, 999999), timezones=offsets
)
texts = st.text(max_size=30)  # any Unicode except lone surrogates (not encodable as UTF-8)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for any value of a declared field type of the domain."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(a) for a in typing.get_args(tp)))
    if origin is tuple:
        item, ellipsis = typing.get_args(tp)
        assert ellipsis is Ellipsis, tp
        return st.lists(strategy_for(item), max_size=3).map(tuple)
    if tp is type(None):
        return st.none()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        hints = typing.get_type_hints(tp)
        return st.builds(tp, **{name: strategy_for(hints[name]) for name in tp.__struct_fields__})
    simple = {
        bool: st.booleans(),
        int: ints,
        str: texts,
        datetime: aware_datetimes,
        date: st.dates(),
        uuid.UUID: st.uuids(),
        Decimal: st.decimals(allow_nan=False, allow_infinity=False),
    }
    if tp in simple:
        return simple[tp]
    raise NotImplementedError(f"no strategy for {tp!r}")


def event_classes() -> list[type]:
    """Every event class of every aggregate of the ledger that carries data."""
    found = []
    for aggregate in (GuidanceCase, FormCounter, WorkCalendar, ProvisionalDeadlines):
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, DomainEvent) and value.__name__ != "Event":
                found.append(value)
    return found


def events_of(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {
        f.name: strategy_for(hints[f.name])
        for f in dataclasses.fields(cls)
        if f.name not in ("originator_id", "originator_version")
    }
    return st.builds(cls, originator_id=st.uuids(), originator_version=st.integers(1, 2**31), **fields)


# ------------------------------------------------------------------ assertion


def assert_identical(original: Any, decoded: Any, path: str = "event") -> None:
    """Equal values of the same types all the way down (``==`` alone would let
    an ``int`` pass for a ``bool``, a ``str`` for an enum, a list for a tuple,
    or 09:00+08:00 for 01:00Z)."""
    assert type(decoded) is type(original), f"{path}: {type(decoded).__name__} != {type(original).__name__}"
    if isinstance(original, msgspec.Struct):
        for name in original.__struct_fields__:
            assert_identical(getattr(original, name), getattr(decoded, name), f"{path}.{name}")
    elif isinstance(original, tuple):
        assert len(decoded) == len(original), path
        for i, (a, b) in enumerate(zip(original, decoded, strict=True)):
            assert_identical(a, b, f"{path}[{i}]")
    elif isinstance(original, datetime):
        assert decoded == original, path
        assert decoded.utcoffset() == original.utcoffset(), f"{path}: {decoded.utcoffset()} != {original.utcoffset()}"
        assert decoded.replace(tzinfo=None) == original.replace(tzinfo=None), f"{path}: wall-clock time differs"
    elif isinstance(original, enum.Enum):
        assert decoded is original, path
    else:
        assert decoded == original, path


def assert_round_trips(event: Any, mapper: MsgspecMapper = MAPPER) -> Any:
    stored = mapper.to_stored_event(event)
    decoded = mapper.to_domain_event(stored)
    assert type(decoded) is type(event)
    assert decoded.__dict__ == event.__dict__
    assert decoded.__dict__.keys() == event.__dict__.keys()
    for key, value in event.__dict__.items():
        assert_identical(value, decoded.__dict__[key], key)
    return decoded


# ------------------------------------------------------------- round trips


EVENT_CLASSES = event_classes()


def test_the_property_covers_every_event_class_of_every_aggregate():
    names = {cls.__qualname__ for cls in EVENT_CLASSES}
    assert {
        "GuidanceCase.Applied",
        "GuidanceCase.Accepted",
        "GuidanceCase.Dispatched",
        "GuidanceCase.Served",
        "GuidanceCase.Rated",
        "GuidanceCase.RectificationTracked",
        "GuidanceCase.PenaltyRevoked",
        "GuidanceCase.Corrected",
        "GuidanceCase.Annotated",
        "FormCounter.NumberIssued",
        "WorkCalendar.YearScheduleRecorded",
        "ProvisionalDeadlines.CasesResolved",
    } <= names


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_every_event_class_round_trips_any_values_of_its_declared_types_exactly(cls, data):
    event = data.draw(events_of(cls))
    assert_round_trips(event)


@settings(max_examples=60, deadline=None)
@given(moment=aware_datetimes)
def test_an_aware_datetime_keeps_its_instant_and_its_utc_offset(moment):
    event = GuidanceCase.Annotated(
        originator_id=uuid.uuid4(),
        originator_version=3,
        timestamp=moment,
        envelope=envelope(REGISTRAR, at=moment),
        note="批注",
        about_version=None,
    )
    decoded = assert_round_trips(event)
    assert decoded.envelope.business_time.utcoffset() == moment.utcoffset()
    assert decoded.timestamp.isoformat() == moment.isoformat()


@pytest.mark.parametrize("tz", NAMED_OFFSETS, ids=str)
def test_named_offsets_including_utc_and_china_standard_time_round_trip(tz):
    moment = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=tz)
    event = FormCounter.NumberIssued(
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=moment,
        envelope=envelope(REGISTRAR, at=moment),
        seq=1,
        case_id=uuid.uuid4(),
    )
    decoded = assert_round_trips(event)
    assert decoded.timestamp.utcoffset() == tz.utcoffset(None)
    assert decoded.envelope.business_time.microsecond == 123456


@settings(max_examples=40, deadline=None)
@given(
    needs=st.text(min_size=1, max_size=40).filter(str.strip),
    minutes=st.integers(0, 60 * 24 * 10),
    service_types=st.lists(st.sampled_from(list(ServiceType)), min_size=1, max_size=4, unique=True).map(tuple),
    channel=st.sampled_from(list(Channel)),
    urgency=st.sampled_from(list(Urgency)),
)
def test_events_triggered_on_real_aggregates_round_trip_exactly(needs, minutes, service_types, channel, urgency):
    at = T0 + timedelta(minutes=minutes)
    case = GuidanceCase.book(
        envelope(REGISTRAR, at=at),
        applicant=Applicant(kind=ApplicantKind.ORGANISATION, name="鲁味轩餐饮有限公司", id_number=VALID_USCC, address="人民西路88号"),
        contact=Contact(name="刘芳", phone="0533-2345678"),
        service_types=service_types,
        needs=needs,
        channel=channel,
        urgency=urgency,
    )
    calendar = WorkCalendarView({s.year: s for s in known_schedules_from_package()})
    counter = FormCounter(unit=REGISTRAR.unit, kind=FormKind.APPLICATION, year=at.year)
    case.accept(envelope(REGISTRAR, at=at + timedelta(minutes=5)), DeadlineClass.GENERAL, counter, calendar)
    case.dispatch(
        envelope(DISPATCHER, at=at + timedelta(hours=1)),
        joint_assignments(),
        ServiceForm.JOINT_VISIT,
        lead_unit=MARKET_STAFF.unit,
        agreed_time=at + timedelta(days=1),
    )
    case.dispatch(
        envelope(DISPATCHER, at=at + timedelta(hours=2)),
        single_assignment(),
        ServiceForm.BY_PHONE,
        redispatch_reason="改为电话回复",
    )
    case.annotate(envelope(REGISTRAR, at=at + timedelta(hours=3)), "已电话联系")
    events = [*case.collect_events(), *counter.collect_events()]
    assert [type(e).__name__ for e in events] == [
        "Applied",
        "Accepted",
        "Dispatched",
        "Dispatched",
        "Annotated",
        "Started",
        "NumberIssued",
    ]
    for event in events:
        assert_round_trips(event)


def test_events_of_a_full_lifecycle_read_back_from_the_store_encode_to_the_same_bytes(memory_ledger):
    case_id = rated_case(memory_ledger, joint=True)
    memory_ledger.follow_up(
        ctx(MARKET_STAFF),
        RecordFollowUp(
            case_id=case_id,
            business_time=T0 + timedelta(days=3),
            follow_up=FollowUp(
                on=date(2026, 11, 5),
                method=FollowUpMethod.PHONE,
                findings="已建立台账",
                rectification_status=RectificationStatus.DONE,
            ),
        ),
    )
    memory_ledger.track_rectification(
        ctx(MARKET_STAFF),
        TrackRectification(
            case_id=case_id,
            business_time=T0 + timedelta(days=3, hours=1),
            rectification=Rectification(
                penalty_decision=None,
                items=(RectificationItem(description="建立进货台账", due_on=date(2026, 12, 1)),),
            ),
        ),
    )
    memory_ledger.revoke_penalty(
        ctx(MARKET_STAFF),
        RevokePenalty(case_id=case_id, business_time=T0 + timedelta(days=3, hours=2), reversal=reversal()),
    )
    memory_ledger.correct(
        ctx(REGISTRAR),
        CorrectRecord(
            case_id=case_id,
            business_time=T0 + timedelta(days=3, hours=3),
            basis="申请人来电更正地址",
            corrects_version=1,
            changes=(FieldChange(field="applicant.address", old="", new="人民西路99号"),),
        ),
    )
    notifications = memory_ledger.recorder.select_notifications(start=None, limit=1000)
    topics = {n.topic.rsplit(".", 1)[-1] for n in notifications}
    assert {"Applied", "Accepted", "Dispatched", "Served", "Rated", "FollowedUp", "RectificationTracked",
            "PenaltyRevoked", "Corrected", "NumberIssued", "YearScheduleRecorded"} <= topics
    for stored in notifications:
        event = MAPPER.to_domain_event(stored)
        again = MAPPER.to_stored_event(event)
        assert again.state == stored.state, stored.topic
        assert again.topic == stored.topic
        assert (again.originator_id, again.originator_version) == (stored.originator_id, stored.originator_version)
    # and the case replayed from those events is the case we know
    case = memory_ledger.get_case(case_id)
    assert case.applicant.address == "人民西路99号"
    assert case.reversals == (reversal(),)


def test_an_originator_id_stored_as_text_is_decoded_as_a_uuid():
    event = ProvisionalDeadlines.CaseAdded(
        originator_id=uuid.uuid4(), originator_version=2, timestamp=datetime.now(timezone.utc), case_id=uuid.uuid4()
    )
    stored = MAPPER.to_stored_event(event)
    as_text = StoredEvent(
        originator_id=str(stored.originator_id),
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
    )
    decoded = MAPPER.to_domain_event(as_text)
    assert type(decoded.originator_id) is uuid.UUID
    assert decoded.__dict__ == event.__dict__


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_round_trips_hold_with_compression_too(data):
    event = data.draw(events_of(GuidanceCase.Served))
    mapper = MsgspecMapper(compressor=ZlibCompressor())
    stored = mapper.to_stored_event(event)
    assert stored.state != MAPPER.to_stored_event(event).state  # really compressed
    assert_round_trips(event, mapper)


# --------------------------------------------------------------- upcasting


class ContactRecorded(Aggregate.Event):
    """A test event whose v1 stored a bare phone and a contact name; v2
    stores a ``Contact`` and the channel."""

    class_version = 2

    envelope: Envelope
    contact: Contact
    channel: Channel

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["contact"] = {"name": state.pop("contact_name"), "phone": state.pop("phone")}
        state["channel"] = "phone"


class FeeRecorded(Aggregate.Event):
    """v1 stored yuan, v2 fen (same shape, new meaning), v3 adds a currency."""

    class_version = 3

    amount: int
    currency: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["amount"] = state["amount"] * 100

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["currency"] = "CNY"


def _stored(cls: type, payload: dict[str, Any], version: int = 4) -> StoredEvent:
    return StoredEvent(
        originator_id=uuid.uuid4(),
        originator_version=version,
        topic=get_topic(cls),
        state=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
    )


ENVELOPE_V1 = {
    "actor": {"id": "r1", "name": "张敏", "role": "registrar", "unit": "司法局协调监督科"},
    "request_id": "req-1",
    "business_time": "2024-03-05T09:30:00+08:00",
    "basis": None,
}


def test_an_old_v1_payload_is_upcast_into_the_current_shape_and_types():
    stored = _stored(
        ContactRecorded,
        {"timestamp": "2024-03-05T01:31:00Z", "envelope": ENVELOPE_V1, "contact_name": "刘芳", "phone": "+8613953312345"},
    )
    event = MAPPER.to_domain_event(stored)
    assert type(event) is ContactRecorded
    assert event.contact == Contact(name="刘芳", phone="+8613953312345")
    assert type(event.contact) is Contact
    assert event.channel is Channel.PHONE
    assert event.envelope.business_time == datetime(2024, 3, 5, 9, 30, tzinfo=CST)
    assert event.envelope.business_time.utcoffset() == timedelta(hours=8)
    assert event.timestamp == datetime(2024, 3, 5, 1, 31, tzinfo=timezone.utc)
    assert event.originator_version == 4
    assert set(event.__dict__) == {
        "originator_id", "originator_version", "timestamp", "envelope", "contact", "channel"
    }


@settings(max_examples=40, deadline=None)
@given(name=texts, phone=texts, moment=aware_datetimes)
def test_any_v1_payload_upcasts_to_the_same_event_as_its_v2_form(name, phone, moment):
    v1 = _stored(
        ContactRecorded,
        {"timestamp": moment.isoformat(), "envelope": ENVELOPE_V1, "contact_name": name, "phone": phone},
    )
    upcast = MAPPER.to_domain_event(v1)
    current = ContactRecorded(
        originator_id=v1.originator_id,
        originator_version=v1.originator_version,
        timestamp=moment,
        envelope=upcast.envelope,
        contact=Contact(name=name, phone=phone),
        channel=Channel.PHONE,
    )
    assert upcast.__dict__ == current.__dict__
    for key, value in current.__dict__.items():
        assert_identical(value, upcast.__dict__[key], key)


def test_the_current_version_is_stored_with_its_class_version_and_not_upcast_again():
    event = FeeRecorded(
        originator_id=uuid.uuid4(),
        originator_version=1,
        timestamp=datetime.now(timezone.utc),
        amount=1200,
        currency="CNY",
    )
    stored = MAPPER.to_stored_event(event)
    assert json.loads(stored.state)["class_version"] == 3
    decoded = assert_round_trips(event)
    assert "class_version" not in decoded.__dict__
    assert decoded.amount == 1200


def test_a_v1_payload_that_fits_the_current_schema_is_still_upcast():
    # {"amount": 12} is valid for v3's ``amount: int`` apart from the missing
    # currency; the yuan must still become fen.
    v1 = _stored(FeeRecorded, {"timestamp": "2020-01-01T00:00:00Z", "amount": 12})
    event = MAPPER.to_domain_event(v1)
    assert (event.amount, event.currency) == (1200, "CNY")


def test_a_v1_payload_with_every_current_field_is_upcast_by_its_missing_version():
    # Same shape as v3 in every field, but no class_version: it is v1 and
    # its yuan must become fen (the typed decode succeeds; the version decides).
    v1 = _stored(FeeRecorded, {"timestamp": "2020-01-01T00:00:00Z", "amount": 12, "currency": "CNY"})
    assert MAPPER.to_domain_event(v1).amount == 1200


def test_a_v2_payload_is_upcast_only_by_the_steps_it_lacks():
    v2 = _stored(FeeRecorded, {"timestamp": "2020-01-01T00:00:00Z", "amount": 1200, "class_version": 2})
    event = MAPPER.to_domain_event(v2)
    assert (event.amount, event.currency) == (1200, "CNY")


# ------------------------------------------------------------------ bad bytes


def _valid_stored() -> StoredEvent:
    event = FormCounter.NumberIssued(
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc),
        envelope=envelope(REGISTRAR),
        seq=7,
        case_id=uuid.uuid4(),
    )
    return MAPPER.to_stored_event(event)


def _with_state(stored: StoredEvent, state: bytes) -> StoredEvent:
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=state,
    )


@pytest.mark.parametrize(
    "state",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b"null",
        b'{"seq": 7}',
        b'{"timestamp": "yesterday", "envelope": {}, "seq": 7, "case_id": "x"}',
    ],
    ids=["empty", "text", "binary", "array", "null", "missing-fields", "wrong-types"],
)
def test_corrupted_bytes_raise_a_mapper_deserialisation_error(state):
    stored = _with_state(_valid_stored(), state)
    with pytest.raises(MapperDeserialisationError) as info:
        MAPPER.to_domain_event(stored)
    assert stored.topic in str(info.value)
    assert str(stored.originator_id) in str(info.value)


def test_a_field_of_the_wrong_type_raises_a_mapper_deserialisation_error():
    good = _valid_stored()
    payload = json.loads(good.state)
    payload["seq"] = "七"
    with pytest.raises(MapperDeserialisationError):
        MAPPER.to_domain_event(_with_state(good, json.dumps(payload).encode()))
    payload["seq"] = 7
    payload["envelope"]["actor"]["role"] = "janitor"  # not a Role
    with pytest.raises(MapperDeserialisationError):
        MAPPER.to_domain_event(_with_state(good, json.dumps(payload).encode()))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_truncated_stored_event_fails_loudly_and_a_flipped_byte_fails_loudly_or_still_decodes_typed(data):
    good = _valid_stored()
    cut = data.draw(st.integers(0, len(good.state) - 1), label="cut")
    with pytest.raises(MapperDeserialisationError):
        MAPPER.to_domain_event(_with_state(good, good.state[:cut]))
    i = data.draw(st.integers(0, len(good.state) - 1), label="position")
    flipped = bytearray(good.state)
    flipped[i] ^= data.draw(st.integers(1, 255), label="mask")
    try:
        event = MAPPER.to_domain_event(_with_state(good, bytes(flipped)))
    except MapperDeserialisationError:
        return
    # A flip inside a string or digit may still be valid JSON of the right
    # shape; then every field must still have its declared type.
    assert type(event.seq) is int
    assert type(event.case_id) is uuid.UUID
    assert type(event.envelope) is Envelope
    assert type(event.timestamp) is datetime and event.timestamp.tzinfo is not None


class Orphan(Aggregate.Event):
    """A v2 event class that forgot its ``upcast_v1_v2``."""

    class_version = 2

    amount: int


def test_a_missing_upcaster_raises_a_mapper_deserialisation_error():
    with pytest.raises(MapperDeserialisationError) as info:
        MAPPER.to_domain_event(_stored(Orphan, {"timestamp": "2020-01-01T00:00:00Z", "amount": 1}))
    assert "upcast_v1_v2" in str(info.value)


# --------------------------------------------------------- readable stored JSON


def test_the_stored_state_is_plain_readable_json_with_chinese_kept_as_utf8():
    event = GuidanceCase.Refused(
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=datetime(2026, 11, 2, 1, 10, tzinfo=timezone.utc),
        envelope=envelope(REGISTRAR, basis="不属于指导服务范围"),
        reason="属于劳动争议",
        notice="请携带劳动合同前往仲裁委",
        referral=Referral(body="劳动人事争议仲裁委员会", how_to_reach="0533-1234567"),
    )
    stored = MAPPER.to_stored_event(event)
    assert isinstance(stored.state, bytes)
    text = stored.state.decode("utf-8")
    assert "劳动人事争议仲裁委员会" in text  # raw UTF-8, not \u escapes
    assert "\\u" not in text
    assert "_type_" not in text and "_data_" not in text
    data = json.loads(stored.state)
    assert data == {
        "timestamp": "2026-11-02T01:10:00Z",
        "envelope": {
            "actor": {"id": "r1", "name": "张敏", "role": "registrar", "unit": "司法局协调监督科"},
            "request_id": event.envelope.request_id,
            "business_time": "2026-11-02T09:00:00+08:00",
            "basis": "不属于指导服务范围",
        },
        "reason": "属于劳动争议",
        "notice": "请携带劳动合同前往仲裁委",
        "referral": {"body": "劳动人事争议仲裁委员会", "how_to_reach": "0533-1234567"},
    }
    # the sequence fields live in their own columns, not in the state
    assert "originator_id" not in data and "originator_version" not in data


def test_stored_enums_uuids_dates_and_tuples_are_plain_json_values():
    case_id = uuid.uuid4()
    event = GuidanceCase.RectificationTracked(
        originator_id=case_id,
        originator_version=6,
        timestamp=datetime(2026, 11, 5, 2, 0, tzinfo=timezone.utc),
        envelope=envelope(MARKET_STAFF),
        rectification=Rectification(
            penalty_decision=None,
            items=(
                RectificationItem(
                    description="清理通道", due_on=date(2026, 12, 1), status=RectificationStatus.DONE, evidence="照片"
                ),
            ),
        ),
    )
    data = json.loads(MAPPER.to_stored_event(event).state)
    assert data["rectification"] == {
        "penalty_decision": None,
        "items": [{"description": "清理通道", "due_on": "2026-12-01", "status": "done", "evidence": "照片"}],
    }
    issued = json.loads(
        MAPPER.to_stored_event(
            FormCounter.NumberIssued(
                originator_id=uuid.uuid4(), originator_version=2, timestamp=event.timestamp,
                envelope=envelope(REGISTRAR), seq=3, case_id=case_id,
            )
        ).state
    )
    assert issued["case_id"] == str(case_id)
    assert issued["seq"] == 3
