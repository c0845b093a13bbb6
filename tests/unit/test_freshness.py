"""Freshness bookkeeping (ledger/store/freshness.py), without a listener thread:
the notifications are fed to it as the listener would."""

from __future__ import annotations

from uuid import uuid4

from ledger.store.freshness import MAX_TRACKED, Freshness, payload


def listening() -> Freshness:
    f = Freshness("postgresql://unused", "ledger_events", writer="me")
    f._everything_written(listening=True)  # what the listener does once LISTEN is in place
    return f


def test_a_copy_known_current_is_fresh_until_another_writer_names_it():
    f = listening()
    a, b = uuid4(), uuid4()
    f.known_current([a, b], f.generation)
    assert f.is_fresh(a) and f.is_fresh(b)
    f._heard(payload("other", {a}))
    assert not f.is_fresh(a), "another process wrote it"
    assert f.is_fresh(b), "not named: still fresh"
    f.known_current([a], f.generation)  # loaded from the store after that notification
    assert f.is_fresh(a)


def test_a_copy_made_while_a_write_is_notified_is_not_fresh():
    """The generation is read before the query; a notification arriving
    before the copy is marked leaves it unfresh (the query may predate it)."""
    f = listening()
    a = uuid4()
    before_query = f.generation
    f._heard(payload("other", {a}))
    f.known_current([a], before_query)
    assert not f.is_fresh(a)


def test_own_notifications_change_nothing():
    f = listening()
    a = uuid4()
    f.known_current([a], f.generation)
    f._heard(payload("me", {a}))
    assert f.is_fresh(a) and f.notifications == 0


def test_a_notification_that_names_nothing_makes_every_copy_unfresh():
    f = listening()
    a = uuid4()
    for note in ("", "other:", "other:*", ":"):
        f.known_current([a], f.generation)
        assert f.is_fresh(a)
        f._heard(note)
        assert not f.is_fresh(a), repr(note)


def test_nothing_is_fresh_unless_listening():
    f = Freshness("postgresql://unused", "ledger_events", writer="me")
    a = uuid4()
    f.known_current([a], f.generation)
    assert not f.is_fresh(a), "never listened"
    f._everything_written(listening=True)
    assert not f.is_fresh(a), "known current before LISTEN"
    f.known_current([a], f.generation)
    assert f.is_fresh(a)
    f._everything_written(listening=False)  # connection lost
    assert not f.is_fresh(a)


def test_a_group_too_big_to_name_is_notified_as_everything():
    ids = {uuid4() for _ in range(300)}
    assert payload("w", ids) == "w:*"
    small = {uuid4() for _ in range(3)}
    writer, _, names = payload("w", small).partition(":")
    assert writer == "w" and {n for n in names.split(",")} == {i.hex for i in small}


def test_the_tables_are_bounded():
    f = listening()
    kept = uuid4()
    f.known_current([kept], f.generation)
    for _ in range(MAX_TRACKED // 1000 + 1):
        f._heard("other:" + ",".join(uuid4().hex for _ in range(1000)))
    assert len(f._written) < MAX_TRACKED
    assert not f.is_fresh(kept), "starting afresh forgets what was known current"
