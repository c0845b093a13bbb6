"""The four lists' commands: publishing, amending, repealing an authority's catalogue."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from eventsourcing.application import AggregateNotFoundError

from ledger.catalogue import FourListsCatalogue
from ledger.catalogue.commands import (
    AmendListItem,
    FileListsWithJustice,
    PublishCatalogueEdition,
    RepealCatalogueEdition,
    RepealListItem,
    SetLegalReviewPolicy,
)
from ledger.commanding import LedgerBase, Result
from ledger.commands import Command, Context
from ledger.directory import Unit
from ledger.errors import InvalidInput, NotFound
from ledger.values import Envelope


class CatalogueCommands(LedgerBase):
    def catalogue(self, authority: str) -> FourListsCatalogue | None:
        """``authority``'s four-lists catalogue, or None if it published none."""
        try:
            return self.repository.get(FourListsCatalogue.create_id(authority))
        except AggregateNotFoundError:
            return None

    def publish_catalogue_edition(self, ctx: Context, cmd: PublishCatalogueEdition) -> Result:
        def change(catalogue: FourListsCatalogue, env: Envelope) -> None:
            catalogue.publish(env, cmd.edition)

        return self._on_catalogue(ctx, cmd, cmd.authority, change, create=True)

    def amend_list_item(self, ctx: Context, cmd: AmendListItem) -> Result:
        return self._on_catalogue(
            ctx, cmd, cmd.authority, lambda cat, env: cat.amend_item(env, cmd.version, cmd.item, cmd.effective_from)
        )

    def repeal_list_item(self, ctx: Context, cmd: RepealListItem) -> Result:
        return self._on_catalogue(
            ctx,
            cmd,
            cmd.authority,
            lambda cat, env: cat.repeal_item(env, cmd.version, cmd.list_code, cmd.number, cmd.effective_from, cmd.reason),
        )

    def repeal_catalogue_edition(self, ctx: Context, cmd: RepealCatalogueEdition) -> Result:
        return self._on_catalogue(
            ctx, cmd, cmd.authority, lambda cat, env: cat.repeal_edition(env, cmd.version, cmd.effective_from, cmd.reason)
        )

    def set_legal_review_policy(self, ctx: Context, cmd: SetLegalReviewPolicy) -> Result:
        return self._on_catalogue(ctx, cmd, cmd.authority, lambda cat, env: cat.set_legal_review(env, cmd.required))

    def file_lists_with_justice(self, ctx: Context, cmd: FileListsWithJustice) -> Result:
        return self._on_catalogue(ctx, cmd, cmd.authority,
                                  lambda cat, env: cat.file_with_justice(env, cmd.filed_on, cmd.reference))

    def _on_catalogue(
        self,
        ctx: Context,
        cmd: Command,
        authority: str,
        change: Callable[[FourListsCatalogue, Envelope], None],
        *,
        create: bool = False,
    ) -> Result:
        envelope = self._envelope(ctx, cmd)
        catalogue = self.catalogue(authority)
        if catalogue is None:
            if not create:
                raise NotFound(f"{authority}尚未发布四张清单", code="catalogue_not_found")
            if not self.exists(Unit.create_id(authority)):
                raise InvalidInput.one("authority", "unknown_unit", f"没有名为“{authority}”的单位，请先登记单位")
            catalogue = FourListsCatalogue(authority=authority)
        change(catalogue, envelope)
        return msgspec.structs.replace(self._saved(None, catalogue), record_id=catalogue.id)


HANDLERS = {
    PublishCatalogueEdition: CatalogueCommands.publish_catalogue_edition,
    AmendListItem: CatalogueCommands.amend_list_item,
    RepealListItem: CatalogueCommands.repeal_list_item,
    RepealCatalogueEdition: CatalogueCommands.repeal_catalogue_edition,
    SetLegalReviewPolicy: CatalogueCommands.set_legal_review_policy,
    FileListsWithJustice: CatalogueCommands.file_lists_with_justice,
}
