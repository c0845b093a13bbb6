"""Value types of the catalogue of guidance matters (行政指导事项目录清单;
seed 001 附件1, seed 004 二(四)): one item, an edition, an item's text over
time. Their names are unique among the stored value types (docs/EVENTS.md
lists value types by bare name), hence the ``Matter`` prefix."""

from __future__ import annotations

from datetime import date

from ledger.values import Struct

# The party's rights as the seeds state them (seed 001 二(一), seed 004 二(一)):
# what an item says when its authority has nothing more specific to add.
VOLUNTARY_RIGHTS = "自愿接受、可拒绝，拒绝不影响其合法权益"


class MatterItem(Struct):
    """One guidance matter as published: what the public page shows (seed 004
    二(四): 事项、依据、内容、方法 and the party's rights) and who gives it.
    ``methods`` are names from the authority's list of guidance methods."""

    number: str  # 编号, unique in its edition; cited as ``{version}/{number}``
    matter: str  # 指导事项
    implementers: tuple[str, ...]  # 实施主体: the authority, or its 科室/units
    basis: str  # 指导依据
    content: str  # 指导内容
    methods: tuple[str, ...]  # 指导方式
    rights: str  # 相对人权利
    remarks: str = ""  # 备注


class MatterEdition(Struct):
    """A published version of an authority's catalogue (e.g. ``2026版``)."""

    version: str
    title: str
    effective_from: date
    items: tuple[MatterItem, ...]
    document_number: str = ""
    effective_until: date | None = None
    supersedes: str | None = None


class MatterRevision(Struct):
    """An item's text valid from ``valid_from`` to ``valid_until`` (inclusive)."""

    item: MatterItem
    valid_from: date
    valid_until: date | None


class MatterInForce(Struct):
    """What the catalogue shows for one item on one day."""

    version: str
    item: MatterItem
    valid_from: date
    valid_until: date | None

    @property
    def ref(self) -> str:
        """How a guidance cites it (``Matter.catalogue_ref``)."""
        return f"{self.version}/{self.item.number}"
