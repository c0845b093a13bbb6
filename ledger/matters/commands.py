"""The catalogue of guidance matters' commands (行政指导事项目录清单)."""

from __future__ import annotations

from datetime import date

from ledger.commands import Command
from ledger.matters.values import MatterEdition, MatterItem


class PublishMatterEdition(Command, frozen=True, kw_only=True):
    """发布 an edition of ``authority``'s catalogue of guidance matters."""

    authority: str
    edition: MatterEdition


class AmendMatterItem(Command, frozen=True, kw_only=True):
    """修订 (or add) an item from ``effective_from``."""

    authority: str
    version: str
    item: MatterItem
    effective_from: date


class RepealMatterItem(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    number: str
    effective_from: date
    reason: str


class RepealMatterEdition(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    effective_from: date
    reason: str


class SetGuidanceMethods(Command, frozen=True, kw_only=True):
    """The authority's list of guidance methods (行政指导方式), in its order."""

    authority: str
    methods: tuple[str, ...]
