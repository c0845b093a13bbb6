"""The catalogue of guidance matters on real stores (SQLite and PostgreSQL):
an edition imported, amended, repealed, its methods set, saved and decoded
equal by a fresh process; a guidance citing it validated against what the
store holds; the audit view naming the catalogue so that it is listed."""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files

import msgspec
import pytest

from ledger.application import Ledger
from ledger.errors import InvalidInput
from ledger.guidance.values import SEED_METHODS, Matter
from ledger.matters import GuidanceMatterCatalogue
from ledger.matters.commands import AmendMatterItem, PublishMatterEdition, RepealMatterItem, SetGuidanceMethods
from ledger.matters.importing import parse_matters
from ledger.matters.values import MatterEdition
from ledger.scope import Reach, scope_for
from ledger.values import CST, Role
from projections.audit import AuditProjection
from projections.views import Views
from tests.builders import ADMIN, FIRE, MARKET, ctx, fixed_clock
from tests.guidance_builders import SUN, WANG, seed_directory, start_cmd
from tests.integration.test_guidance_view import project

SAMPLE = files("ledger").joinpath("samples/guidance_matters_sample.xlsx").read_bytes()


def state(catalogue: GuidanceMatterCatalogue) -> tuple:
    return (catalogue.authority, catalogue.own_methods, catalogue.editions, catalogue.ends, catalogue.revisions,
            catalogue.version)


def test_a_catalogue_imported_amended_repealed_and_its_methods_set_reloads_equal(ledger, store_settings):
    seed_directory(ledger)  # the market's and the fire brigade's 2026版
    items = parse_matters(SAMPLE, ledger.guidance_methods(FIRE))
    ledger.execute(ctx(SUN), PublishMatterEdition(authority=FIRE, basis="局务会议审议通过", edition=MatterEdition(
        version="2027版", title="消防救援支队行政指导事项目录清单（2027版）", effective_from=date(2026, 11, 1),
        items=items, supersedes="2026版")))
    amended = msgspec.structs.replace(items[3], content="指导落实食品安全自查并报告")
    ledger.execute(ctx(SUN), AmendMatterItem(authority=FIRE, version="2027版", item=amended, effective_from=date(2026, 11, 10)))
    ledger.execute(ctx(ADMIN), RepealMatterItem(authority=FIRE, version="2027版", number="7",
                                                effective_from=date(2026, 11, 15), reason="职能划转"))
    own = tuple(m for m in SEED_METHODS if m not in ("引导", "示范"))
    ledger.execute(ctx(ADMIN), SetGuidanceMethods(authority=FIRE, methods=own))
    before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput):  # refused: appends nothing
        ledger.execute(ctx(SUN), RepealMatterItem(authority=FIRE, version="2027版", number="7",
                                                  effective_from=date(2026, 11, 20), reason="再次废止"))
    assert ledger.recorder.max_notification_id() == before

    reopened = Ledger(store_settings, clock=fixed_clock())  # decoded from the stored JSON, not the cache
    try:
        fire = reopened.matter_catalogue(FIRE)
        assert fire is not None and state(fire) == state(ledger.matter_catalogue(FIRE))
        topics = [type(e).__qualname__ for e in reopened.events.get(GuidanceMatterCatalogue.create_id(FIRE))]
        assert topics == ["GuidanceMatterCatalogue.Started", "GuidanceMatterCatalogue.EditionPublished",
                          "GuidanceMatterCatalogue.EditionPublished", "GuidanceMatterCatalogue.ItemAmended",
                          "GuidanceMatterCatalogue.ItemRepealed", "GuidanceMatterCatalogue.MethodsSet"]
        assert reopened.guidance_methods(FIRE) == own and reopened.guidance_methods(MARKET) == SEED_METHODS
        assert fire.ends["2026版"] == date(2026, 10, 31)
        assert fire.find("4", date(2026, 11, 9)).item.content == items[3].content
        assert fire.find("4", date(2026, 11, 10)).item.content == "指导落实食品安全自查并报告"
        assert [i.item.number for i in fire.items_on(date(2026, 11, 15))] == ["1", "2", "3", "4", "5", "6"]
    finally:
        reopened.close()


def test_a_guidance_is_checked_against_the_item_the_store_holds_on_its_start_day(ledger, store_settings):
    seed_directory(ledger)
    ledger.execute(ctx(WANG), RepealMatterItem(authority=MARKET, version="2026版", number="3",
                                               effective_from=date(2026, 11, 10), reason="并入第4项"))
    reopened = Ledger(store_settings, clock=fixed_clock())
    try:
        day_before = start_cmd(business_time=datetime(2026, 11, 9, 16, tzinfo=CST), matter=Matter(text="", catalogue_ref="3"))
        gid = reopened.execute(ctx(WANG), day_before).case_id
        assert reopened.get_guidance(gid).matter == Matter(text="食品经营许可事项指导", catalogue_ref="2026版/3")
        head = reopened.recorder.max_notification_id()
        with pytest.raises(InvalidInput) as refused:
            reopened.execute(ctx(WANG), start_cmd(business_time=datetime(2026, 11, 10, 9, tzinfo=CST)))
        assert [(e.field, e.code) for e in refused.value.errors] == [("matter", "repealed")]
        assert reopened.recorder.max_notification_id() == head
    finally:
        reopened.close()


def test_the_audit_view_names_the_catalogues_so_they_are_listed_and_the_administrator_reads_their_changes(
    ledger, store_settings
):
    seed_directory(ledger)
    project(store_settings, AuditProjection(), batch_size=50)
    views = Views(store_settings)
    try:
        ids = set(views.aggregate_ids("guidance_matters"))
        assert ids == {str(GuidanceMatterCatalogue.create_id(u)) for u in (MARKET, FIRE)}
        # the administrator reads who changed the catalogues (published law), as for the four lists
        admin_rows = views.audit(scope_for(Role.ADMINISTRATOR, ADMIN.unit, Reach.AUDIT), limit=500)
        published = [(r["actor_id"], r["action"]) for r in admin_rows if r["aggregate"] == "guidance_matters"]
        assert published == [(ADMIN.id, "Started"), (ADMIN.id, "EditionPublished")] * 2
    finally:
        views.close()
