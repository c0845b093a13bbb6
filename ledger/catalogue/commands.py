"""The four lists' commands (四张清单)."""

from __future__ import annotations

from datetime import date

from ledger.catalogue import Edition, ListItem
from ledger.commands import Command


class PublishCatalogueEdition(Command, frozen=True, kw_only=True):
    """发布 an edition of ``authority``'s four lists."""

    authority: str
    edition: Edition


class AmendListItem(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    item: ListItem
    effective_from: date


class RepealListItem(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    list_code: str
    number: str
    effective_from: date
    reason: str


class RepealCatalogueEdition(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    effective_from: date
    reason: str


class SetLegalReviewPolicy(Command, frozen=True, kw_only=True):
    authority: str
    required: bool


class FileListsWithJustice(Command, frozen=True, kw_only=True):
    """报司法局备案 of an authority's lists (seed 003 八: 轻罚免罚清单报司法局备案)."""

    authority: str
    filed_on: date
    reference: str
