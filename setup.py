"""Packages are found, not listed, so that a new slice cannot be forgotten.

pyproject.toml holds everything else; only the package list lives here,
because two top-level folders are installed under other import names, which
setuptools' declarative ``find`` cannot express:

- ``http/`` as ``ledger_http`` (no ``__init__.py`` at its top, so that it can
  never shadow the standard library's ``http``);
- ``migrations/`` as ``ledger_migrations`` (the SQL files the program applies).
"""

from setuptools import find_packages, setup

RENAMED = {"ledger_http": "http", "ledger_migrations": "migrations"}


def renamed(name: str, folder: str) -> list[str]:
    return [name, *(f"{name}.{sub}" for sub in find_packages(where=folder))]


setup(
    packages=[
        *find_packages(include=["ledger", "ledger.*", "projections", "projections.*"]),
        *(p for name, folder in RENAMED.items() for p in renamed(name, folder)),
    ],
    package_dir=RENAMED,
)
