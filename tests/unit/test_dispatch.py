"""Commands are dispatched by their type: every command class of every slice
has exactly one handler, and the handler is a method of the Ledger."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import ledger
from ledger.application import COMMANDS, Ledger, _merged
from ledger.case.commands import AcceptCase
from ledger.commands import Command, Context
from ledger.values import Actor, Role


def command_classes() -> set[type]:
    found: set[type] = set()
    for info in pkgutil.walk_packages(ledger.__path__, "ledger."):
        if info.name.endswith(".commands"):
            module = importlib.import_module(info.name)
            found |= {v for v in vars(module).values()
                      if isinstance(v, type) and issubclass(v, Command) and v.__module__ == module.__name__}
    bases = {b for c in found for b in c.__mro__[1:]}  # CaseCommand, GuidanceCommand…: no handler of their own
    return found - bases


def test_every_command_class_has_exactly_one_handler() -> None:
    classes = command_classes()
    assert len(classes) >= 30
    assert set(COMMANDS) == classes
    for command, handler in COMMANDS.items():
        assert getattr(Ledger, handler.__name__) is handler, command


def test_a_second_handler_for_a_command_fails_at_composition() -> None:
    with pytest.raises(TypeError, match="two handlers"):
        _merged({AcceptCase: Ledger.accept}, {AcceptCase: Ledger.refuse})


def test_execute_refuses_a_command_it_has_no_handler_for(memory_ledger) -> None:
    class Unknown(Command, frozen=True, kw_only=True):
        pass

    ctx = Context(actor=Actor(id="a", name="甲", role=Role.REGISTRAR, unit="某局"), request_id="r")
    with pytest.raises(TypeError, match="Unknown"):
        memory_ledger.execute(ctx, Unknown())
