"""Every stored event has its words for the clerks (timeline, audit log,
exports), and a name two aggregates share is told apart by its aggregate."""

from __future__ import annotations

from ledger.contract import event_classes
from ledger.history import action_choices, event_label
from projections.audit import action_label


def test_every_stored_event_has_chinese_words() -> None:
    missing = []
    for cls in event_classes():
        aggregate, _, name = cls.__qualname__.rpartition(".")
        label = event_label(name, aggregate)
        if label == name or not any("\u4e00" <= ch <= "\u9fff" for ch in label):
            missing.append(cls.__qualname__)
    assert missing == []


def test_a_shared_event_name_is_labelled_by_its_aggregate() -> None:
    assert event_label("Submitted", "RegisterReport") == "报送登记簿"
    assert event_label("Submitted", "RiskAssessmentReport") == "报送风险评估报告"
    assert event_label("Started", "AdministrativeGuidance") == "启动行政指导"
    assert event_label("Started", "AdministrativeMediation") == "启动行政调解"
    assert action_label("Ended", "mediation") == "终止调解"  # the audit log's short aggregate names
    assert action_label("Ended", "AdministrativeGuidance") == "行政指导结束"


def test_the_audit_filter_offers_every_event_name_once() -> None:
    names = [name for name, _ in action_choices()]
    assert len(names) == len(set(names))
    assert {cls.__qualname__.rpartition(".")[2] for cls in event_classes()} <= set(names)



def test_every_aggregate_of_the_contract_has_a_short_name_in_the_audit_log():
    from ledger.contract import AGGREGATES
    from projections.audit import AGGREGATE_NAMES

    assert {a.__name__ for a in AGGREGATES} - set(AGGREGATE_NAMES) == set()
    assert len(set(AGGREGATE_NAMES.values())) == len(AGGREGATE_NAMES)  # one class per short name
