"""Dependencies point inwards: a unit test walks every import (ast) of the
three packages and fails on an arrow that points outwards.

- the kernel (flat modules of ``ledger/``) imports no slice and nothing of
  the machinery (commanding, store, cli, demo); ``application`` (the
  composition) and ``contract`` (the list of every stored event) are the two
  flat modules whose job is to know every slice;
- a slice's domain (its ``__init__``, ``values``, ``commands``, ``rules``)
  imports no machinery: only its ``service`` (and ``setup``) may stand on
  ``ledger.commanding``;
- ``ledger.commanding`` imports no slice;
- ``ledger.store`` (adapters) imports no slice and no machinery above it;
- ``ledger`` outside ``cli/`` imports neither ``projections`` nor ``ledger_http``;
- ``projections`` imports neither the application nor its machinery nor HTTP.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLICES = ("case", "catalogue", "supervision", "directory", "calendar", "matters", "register_reports", "network", "feedback",
          "legal_review", "typical_cases", "risk_assessment", "risk_points", "mediation")
MACHINERY = ("ledger.commanding", "ledger.application", "ledger.store", "ledger.cli", "ledger.demo")
COMPOSITION = {"ledger.application", "ledger.contract"}
DOMAIN_FILES = {"__init__", "values", "commands", "rules"}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "http":
        parts[0] = "ledger_http"
    if parts[0] == "migrations":
        parts[0] = "ledger_migrations"
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations() -> list[str]:
    found = []
    for folder in ("ledger", "projections", "http"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            me = module_name(path)
            parts = me.split(".")
            for target in sorted(imports_of(path)):
                why = None
                if folder == "ledger":
                    flat = len(parts) == 2 and (ROOT / "ledger" / f"{parts[1]}.py").exists()
                    slice_ = parts[1] if len(parts) > 1 and parts[1] in SLICES else None
                    if not under(me, "ledger.cli") and under(target, "projections", "ledger_http"):
                        why = "the core imports a read model or HTTP (only ledger.cli may)"
                    elif flat and me not in COMPOSITION and under(target, *(f"ledger.{s}" for s in SLICES)):
                        why = "the kernel imports a slice"
                    elif flat and me not in COMPOSITION and under(target, *MACHINERY) and not under(me, "ledger.application"):
                        why = "the kernel imports the machinery"
                    elif slice_ and (parts[-1] if len(parts) > 2 else "__init__") in DOMAIN_FILES and under(target, *MACHINERY):
                        why = "a slice's domain imports the machinery"
                    elif under(me, "ledger.commanding") and under(target, *(f"ledger.{s}" for s in SLICES)):
                        why = "the commanding base imports a slice"
                    elif under(me, "ledger.store") and under(target, *(f"ledger.{s}" for s in SLICES), *MACHINERY[:2], "ledger.cli", "ledger.demo"):
                        why = "an adapter imports a slice or the application"
                if folder == "projections" and under(target, "ledger.application", "ledger.commanding", "ledger.cli", "ledger_http"):
                    why = "a read model imports the application or HTTP"
                if why:
                    found.append(f"{me} → {target}: {why}")
    return found


def test_no_import_points_outwards() -> None:
    assert violations() == []


@pytest.mark.parametrize("source,target", [("ledger/values.py", "ledger.case.values"), ("ledger/case/__init__.py", "ledger.store.sql")])
def test_the_walker_sees_an_arrow_pointing_outwards(source: str, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    original = imports_of

    def with_extra(path: Path) -> set[str]:
        return original(path) | ({target} if path == ROOT / source else set())

    monkeypatch.setitem(globals(), "imports_of", with_extra)
    assert any(v.startswith(module_name(ROOT / source) + " → " + target) for v in violations())
