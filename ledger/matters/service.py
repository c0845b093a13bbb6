"""The catalogue of guidance matters' commands and the reads other slices
use: an authority's catalogue, its methods, the matter a guidance cites."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from eventsourcing.application import AggregateNotFoundError

from ledger.commanding import LedgerBase, Result
from ledger.commands import Command, Context
from ledger.directory import Unit
from ledger.errors import InvalidInput, NotFound
from ledger.guidance.values import SEED_METHODS, Matter
from ledger.inputs import blank
from ledger.matters import GuidanceMatterCatalogue, authority_of
from ledger.matters.commands import (
    AmendMatterItem,
    PublishMatterEdition,
    RepealMatterEdition,
    RepealMatterItem,
    SetGuidanceMethods,
)
from ledger.values import CST, Envelope, Role


class MatterCommands(LedgerBase):
    def matter_catalogue(self, authority: str, *, for_update: bool = True) -> GuidanceMatterCatalogue | None:
        """``authority``'s catalogue of guidance matters, or None if it has none.
        Read-only callers pass ``for_update=False`` and share the cached instance."""
        try:
            return self.repository.get(GuidanceMatterCatalogue.create_id(authority), deepcopy_from_cache=for_update)
        except AggregateNotFoundError:
            return None

    def authority_methods(self, authority: str) -> tuple[str, ...]:
        """The authority's list of guidance methods (the seeds' until it sets its own)."""
        catalogue = self.matter_catalogue(authority, for_update=False)
        return catalogue.methods if catalogue is not None else SEED_METHODS

    def cited_matter(self, envelope: Envelope, matter: Matter) -> Matter:
        """The matter a guidance starts with: free text as given; a catalogue
        citation checked against the item in force on the start day, stored
        with the catalogue's wording and the full reference (版本/编号)."""
        if blank(matter.catalogue_ref) or envelope.actor.role is not Role.UNIT_STAFF:
            return matter  # anyone but an officer is refused by the guidance itself, before any field
        authority = authority_of(envelope.actor.unit)
        catalogue = self.matter_catalogue(authority, for_update=False)
        if catalogue is None or not catalogue.editions:
            raise InvalidInput.one(
                "matter", "no_catalogue", f"{authority}尚未发布行政指导事项目录，请直接填写指导事项"
            )
        found = catalogue.cite(matter.catalogue_ref, matter.text, envelope.business_time.astimezone(CST).date())
        return Matter(text=found.item.matter, catalogue_ref=found.ref)

    # ------------------------------------------------------------ commands

    def publish_matter_edition(self, ctx: Context, cmd: PublishMatterEdition) -> Result:
        return self._on_matters(ctx, cmd, lambda cat, env: cat.publish(env, cmd.edition), create=True)

    def amend_matter_item(self, ctx: Context, cmd: AmendMatterItem) -> Result:
        return self._on_matters(ctx, cmd, lambda cat, env: cat.amend_item(env, cmd.version, cmd.item, cmd.effective_from))

    def repeal_matter_item(self, ctx: Context, cmd: RepealMatterItem) -> Result:
        return self._on_matters(
            ctx, cmd, lambda cat, env: cat.repeal_item(env, cmd.version, cmd.number, cmd.effective_from, cmd.reason)
        )

    def repeal_matter_edition(self, ctx: Context, cmd: RepealMatterEdition) -> Result:
        return self._on_matters(
            ctx, cmd, lambda cat, env: cat.repeal_edition(env, cmd.version, cmd.effective_from, cmd.reason)
        )

    def set_guidance_methods(self, ctx: Context, cmd: SetGuidanceMethods) -> Result:
        # an authority may set its methods before it publishes any matter
        return self._on_matters(ctx, cmd, lambda cat, env: cat.set_methods(env, cmd.methods), create=True)

    def _on_matters(
        self,
        ctx: Context,
        cmd: Command,
        change: Callable[[GuidanceMatterCatalogue, Envelope], None],
        *,
        create: bool = False,
    ) -> Result:
        authority: str = cmd.authority  # type: ignore[attr-defined]
        envelope = self._envelope(ctx, cmd)
        catalogue = self.matter_catalogue(authority)
        if catalogue is None:
            if not create:
                raise NotFound(f"{authority}尚未发布行政指导事项目录", code="matters_not_found")
            if not self.exists(Unit.create_id(authority)):
                raise InvalidInput.one("authority", "unknown_unit", f"没有名为“{authority}”的单位，请先登记单位")
            catalogue = GuidanceMatterCatalogue(envelope=envelope, authority=authority)
        change(catalogue, envelope)
        return msgspec.structs.replace(self._saved(None, catalogue), record_id=catalogue.id)


HANDLERS = {
    PublishMatterEdition: MatterCommands.publish_matter_edition,
    AmendMatterItem: MatterCommands.amend_matter_item,
    RepealMatterItem: MatterCommands.repeal_matter_item,
    RepealMatterEdition: MatterCommands.repeal_matter_edition,
    SetGuidanceMethods: MatterCommands.set_guidance_methods,
}
