from pathlib import Path

from ledger.contract import event_classes, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "EVENTS.md"


def test_the_stored_event_contract_matches_docs_events_md():
    # If this fails you changed an event's shape: add class_version + an upcast
    # for existing data, then regenerate with `ledger events > docs/EVENTS.md`.
    assert DOC.read_text(encoding="utf-8") == render()


def test_every_case_step_of_the_lifecycle_has_its_event():
    names = {cls.__name__ for cls in event_classes()}
    assert {
        "Applied", "Accepted", "Refused", "Dispatched", "Served", "Rated", "FollowedUp",
        "RectificationTracked", "PenaltyRevoked", "PenaltyRemade", "Withdrawn", "Archived",
        "Corrected", "Annotated", "DeadlineRecomputed", "NumberIssued", "YearScheduleRecorded",
    } <= names


def test_every_aggregate_of_the_ledger_is_in_the_contract():
    """An aggregate left out of ``AGGREGATES`` has events whose shape no test guards."""
    import importlib
    import pkgutil

    from eventsourcing.domain import Aggregate

    import ledger
    from ledger.contract import AGGREGATES

    for module in pkgutil.walk_packages(ledger.__path__, "ledger."):
        if not module.name.startswith(("ledger.cli", "ledger.demo")):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        return {s for c in cls.__subclasses__() for s in (c, *subclasses(c))}

    found = {c for c in subclasses(Aggregate) if c.__module__.startswith("ledger.")}
    assert found - set(AGGREGATES) == set()
