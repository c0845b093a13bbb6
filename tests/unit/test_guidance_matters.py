"""The catalogue of guidance matters (行政指导事项目录清单) and the methods
list, per authority:

- which matter a guidance may cite: the item in force on the day it starts
  (edition dates, amendments, item and edition repeals, supersession), on
  both sides of each boundary day;
- the authority's list of guidance methods: the seeds' until its editors set
  their own, what a guidance may use, what a matter may name;
- who may edit an authority's catalogue;
- importing an edition from CSV (UTF-8, GBK) or XLSX, all or nothing, with
  every bad row and column named in Chinese.

Every refused command is checked to have appended nothing to the log.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from importlib.resources import files

import msgspec
import pytest
from openpyxl import Workbook

from ledger.errors import InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.guidance.values import SEED_METHODS, Matter
from ledger.matters import GuidanceMatterCatalogue
from ledger.matters.commands import (
    AmendMatterItem,
    PublishMatterEdition,
    RepealMatterEdition,
    RepealMatterItem,
    SetGuidanceMethods,
)
from ledger.matters.importing import parse_matters
from ledger.matters.values import MatterEdition, MatterItem
from ledger.values import CST, Actor, Role
from tests.builders import ADMIN, FIRE, MARKET, REGISTRAR, ctx
from tests.guidance_builders import SUN, WANG, seed_directory, start_cmd

SAMPLES = files("ledger").joinpath("samples")
SAMPLE_CSV = SAMPLES.joinpath("guidance_matters_sample.csv").read_bytes()
HEADER = ["编号", "指导事项", "实施主体", "指导依据", "指导内容", "指导方式", "相对人权利", "备注"]
RIGHTS = "自愿接受、可拒绝，拒绝不影响其合法权益"


@pytest.fixture
def app(memory_ledger):
    """The directory and the market's and fire brigade's 2026版 (from 2026-01-01, the sample's seven matters)."""
    seed_directory(memory_ledger)
    return memory_ledger


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def log_position(app) -> int:
    return app.recorder.max_notification_id() or 0


def refused(app, call, error: type[LedgerError], code: str) -> LedgerError:
    before = log_position(app)
    with pytest.raises(error) as raised:
        call()
    codes = {e.code for e in raised.value.errors} if isinstance(raised.value, InvalidInput) else {raised.value.code}
    assert code in codes, raised.value
    assert log_position(app) == before
    return raised.value


def fields(error: LedgerError) -> set[str]:
    assert isinstance(error, InvalidInput)
    return {e.field for e in error.errors}


def item(number: str = "8", **over) -> MatterItem:
    values = dict(number=number, matter="消防安全管理制度建设指导", implementers=("防火监督科",),
                  basis="《中华人民共和国消防法》第十六条", content="指导单位建立消防安全责任制和防火检查制度",
                  methods=("意见建议", "行政约谈"), rights=RIGHTS)
    values.update(over)
    return MatterItem(**values)


def start(app, on: date, *, ref: str = "2026版/3", text: str = "食品经营许可事项指导", **over):
    cmd = start_cmd(business_time=at(on), matter=Matter(text=text, catalogue_ref=ref), **over)
    return app.execute(ctx(WANG), cmd)


def amend(app, new_item: MatterItem, from_: date, actor: Actor = WANG, version: str = "2026版"):
    return app.execute(ctx(actor), AmendMatterItem(authority=MARKET, version=version, item=new_item, effective_from=from_))


def repeal(app, number: str, from_: date, actor: Actor = WANG, version: str = "2026版"):
    return app.execute(ctx(actor), RepealMatterItem(authority=MARKET, version=version, number=number,
                                                    effective_from=from_, reason="职能调整"))


def catalogue(app, authority: str = MARKET) -> GuidanceMatterCatalogue:
    found = app.matter_catalogue(authority)
    assert found is not None
    return found


def sample_item(app, number: str = "3") -> MatterItem:
    return catalogue(app).editions["2026版"].items[int(number) - 1]


# ------------------------------------------------ citing a matter when a guidance starts


def test_a_guidance_citing_a_matter_keeps_the_catalogues_wording_and_the_full_reference(app):
    gid = start(app, date(2026, 11, 2), ref="3", text="").case_id  # the number alone, no wording: both filled in
    g = app.get_guidance(gid)
    assert (g.matter.text, g.matter.catalogue_ref) == ("食品经营许可事项指导", "2026版/3")


def test_a_free_text_matter_needs_no_catalogue(app):
    gid = start(app, date(2026, 11, 2), ref="", text="劳动合同签订指导", method="政策指引").case_id
    assert app.get_guidance(gid).matter == Matter(text="劳动合同签订指导", catalogue_ref="")


@pytest.mark.parametrize(
    ("ref", "code"),
    [("2026版/99", "unknown_item"), ("2030版/3", "unknown_version"), ("99", "unknown_item")],
)
def test_citing_a_matter_the_catalogue_does_not_have_is_refused_on_the_matter(app, ref, code):
    e = refused(app, lambda: start(app, date(2026, 11, 2), ref=ref), InvalidInput, code)
    assert fields(e) == {"matter"}


def test_the_wording_of_a_cited_matter_must_be_the_catalogues(app):
    e = refused(app, lambda: start(app, date(2026, 11, 2), text="食品许可"), InvalidInput, "not_the_catalogues")
    assert fields(e) == {"matter.text"} and "食品经营许可事项指导" in e.errors[0].message


def test_citing_a_matter_of_a_unit_without_a_catalogue_is_refused_but_free_text_is_not(memory_ledger):
    from ledger.directory import UnitKind
    from ledger.directory.commands import RegisterUnit, RegisterUser

    memory_ledger.execute(ctx(ADMIN), RegisterUnit(name=MARKET, kind=UnitKind.ENFORCEMENT))
    memory_ledger.execute(ctx(ADMIN), RegisterUser(username=WANG.id, display_name=WANG.name, role=WANG.role, unit=MARKET))
    cmd = start_cmd(officers=("wanglei",))
    e = refused(memory_ledger, lambda: memory_ledger.execute(ctx(WANG), cmd), InvalidInput, "no_catalogue")
    assert fields(e) == {"matter"}
    free = msgspec.structs.replace(cmd, matter=Matter(text="食品经营许可事项指导"))
    assert memory_ledger.execute(ctx(WANG), free).case_id is not None


def test_a_matter_is_cited_from_the_first_day_of_its_edition_and_not_the_day_before(app):
    later = MatterEdition(version="2027版", title="2027版", effective_from=date(2026, 11, 10),
                          items=(msgspec.structs.replace(sample_item(app), matter="食品经营许可和备案指导"),))
    app.execute(ctx(WANG), PublishMatterEdition(authority=MARKET, edition=later))
    e = refused(app, lambda: start(app, date(2026, 11, 9), ref="2027版/3", text=""), InvalidInput, "not_yet_in_force")
    assert fields(e) == {"matter"} and "2026-11-10" in e.errors[0].message
    gid = start(app, date(2026, 11, 10), ref="2027版/3", text="").case_id
    assert app.get_guidance(gid).matter.text == "食品经营许可和备案指导"
    # two editions in force that day both have a 3: the number alone is ambiguous
    refused(app, lambda: start(app, date(2026, 11, 10), ref="3", text=""), InvalidInput, "ambiguous")


def test_an_amended_matter_is_cited_in_its_old_wording_before_the_amendment_and_its_new_one_from_that_day(app):
    amend(app, msgspec.structs.replace(sample_item(app), matter="食品经营许可（含延续）指导"), date(2026, 11, 10))
    assert app.get_guidance(start(app, date(2026, 11, 9), text="").case_id).matter.text == "食品经营许可事项指导"
    assert app.get_guidance(start(app, date(2026, 11, 10), text="").case_id).matter.text == "食品经营许可（含延续）指导"
    # the old wording is no longer the catalogue's from that day
    refused(app, lambda: start(app, date(2026, 11, 10)), InvalidInput, "not_the_catalogues")


def test_a_repealed_matter_is_cited_up_to_the_day_before_its_repeal_and_refused_on_the_matter_from_that_day(app):
    repeal(app, "3", date(2026, 11, 10))
    assert start(app, date(2026, 11, 9)).case_id is not None
    e = refused(app, lambda: start(app, date(2026, 11, 10)), InvalidInput, "repealed")
    assert fields(e) == {"matter"} and "2026-11-10起废止" in e.errors[0].message
    assert [i.item.number for i in catalogue(app).items_on(date(2026, 11, 10))] == ["1", "2", "4", "5", "6", "7"]


def test_a_repealed_and_superseded_edition_ends_the_day_before(app):
    app.execute(ctx(WANG), RepealMatterEdition(authority=MARKET, version="2026版", effective_from=date(2026, 11, 10),
                                               reason="机构改革"))
    assert start(app, date(2026, 11, 9)).case_id is not None
    e = refused(app, lambda: start(app, date(2026, 11, 10)), InvalidInput, "no_longer_in_force")
    assert fields(e) == {"matter"}
    fire = catalogue(app, FIRE)
    app.execute(ctx(SUN), PublishMatterEdition(authority=FIRE, edition=MatterEdition(
        version="2026修订版", title="修订版", effective_from=date(2026, 7, 1), items=(item(),), supersedes="2026版")))
    fire = catalogue(app, FIRE)
    assert fire.ends["2026版"] == date(2026, 6, 30)
    assert {i.version for i in fire.items_on(date(2026, 6, 30))} == {"2026版"}
    assert [i.ref for i in fire.items_on(date(2026, 7, 1))] == ["2026修订版/8"]


def test_an_edition_with_an_end_date_is_in_force_on_that_day_and_not_the_next(app):
    app.execute(ctx(SUN), PublishMatterEdition(authority=FIRE, edition=MatterEdition(
        version="专项版", title="专项", effective_from=date(2026, 11, 1), effective_until=date(2026, 11, 30),
        items=(item(),))))
    fire = catalogue(app, FIRE)
    assert fire.find("专项版/8", date(2026, 11, 30)).item.number == "8"
    with pytest.raises(InvalidInput) as e:
        fire.find("专项版/8", date(2026, 12, 1))
    assert e.value.errors[0].code == "no_longer_in_force"
    with pytest.raises(InvalidInput):
        fire.find("专项版/8", date(2026, 10, 31))


# ------------------------------------------------------------------ amending and repealing


def test_amending_or_repealing_inside_the_past_of_a_text_is_refused(app):
    new = msgspec.structs.replace(sample_item(app), content="新内容")
    refused(app, lambda: amend(app, new, date(2025, 12, 31)), InvalidInput, "before_edition")
    refused(app, lambda: amend(app, new, date(2026, 1, 1)), InvalidInput, "not_after_revision")
    refused(app, lambda: amend(app, sample_item(app), date(2026, 3, 1)), InvalidInput, "unchanged")
    refused(app, lambda: repeal(app, "3", date(2026, 1, 1)), InvalidInput, "not_after_revision")
    refused(app, lambda: repeal(app, "99", date(2026, 3, 1)), InvalidInput, "unknown_item")
    repeal(app, "3", date(2026, 6, 1))
    refused(app, lambda: repeal(app, "3", date(2026, 7, 1)), InvalidInput, "already_repealed")
    # reviving it inside its repealed past would rewrite what was in force then
    refused(app, lambda: amend(app, new, date(2026, 5, 31)), InvalidInput, "item_repealed")  # its last day in force
    amend(app, new, date(2026, 6, 1))  # from the first day out: in force again at once
    refused(app, lambda: amend(app, new, date(2026, 6, 1)), InvalidInput, "not_after_revision")
    matters = catalogue(app)
    assert matters.find("2026版/3", date(2026, 5, 31)).item.content == sample_item(app).content
    assert matters.find("2026版/3", date(2026, 6, 1)).item.content == "新内容"


def test_a_matter_repealed_and_later_reinstated_is_refused_in_the_gap_naming_its_repeal(app):
    repeal(app, "3", date(2026, 6, 1))
    amend(app, msgspec.structs.replace(sample_item(app), content="新内容"), date(2026, 9, 1))
    matters = catalogue(app)
    assert matters.find("2026版/3", date(2026, 9, 1)).item.content == "新内容"
    assert matters.find("2026版/3", date(2026, 5, 31)).item.content == sample_item(app).content
    with pytest.raises(InvalidInput) as gap:
        matters.find("2026版/3", date(2026, 8, 31))
    assert gap.value.errors[0].code == "repealed" and "2026-06-01起废止" in gap.value.errors[0].message


def test_changes_need_a_published_catalogue_and_a_registered_unit(app):
    cmd = AmendMatterItem(authority="生态环境局", version="2026版", item=item(), effective_from=date(2026, 3, 1))
    refused(app, lambda: app.execute(ctx(ADMIN), cmd), NotFound, "matters_not_found")
    edition = MatterEdition(version="2026版", title="x", effective_from=date(2026, 1, 1), items=(item(),))
    refused(app, lambda: app.execute(ctx(ADMIN), PublishMatterEdition(authority="无此单位", edition=edition)),
            InvalidInput, "unknown_unit")


def test_an_edition_with_bad_items_names_each_field_and_publishes_nothing(app):
    bad = MatterEdition(version="2027版", title="", effective_from=date(2027, 1, 1), items=(
        item("1", matter=" ", methods=("罚款",)), item("1", rights="", implementers=()), item("a/b")))
    e = refused(app, lambda: app.execute(ctx(SUN), PublishMatterEdition(authority=FIRE, edition=bad)),
                InvalidInput, "unknown_method")
    assert fields(e) == {"title", "items[0].matter", "items[0].methods", "items[1].number", "items[1].rights",
                         "items[1].implementers", "items[2].number"}
    assert set(catalogue(app, FIRE).editions) == {"2026版"}


@pytest.mark.parametrize("actor", [REGISTRAR, SUN, Actor(id="x", name="周涛", role=Role.SUPERVISOR, unit=MARKET)])
def test_only_the_authoritys_own_staff_or_an_administrator_edit_its_catalogue(app, actor):
    new = msgspec.structs.replace(sample_item(app), content="新内容")
    refused(app, lambda: amend(app, new, date(2026, 3, 1), actor=actor), NotAllowed, "matters_editor_only")
    refused(app, lambda: repeal(app, "3", date(2026, 3, 1), actor=actor), NotAllowed, "matters_editor_only")
    refused(app, lambda: app.execute(ctx(actor), SetGuidanceMethods(authority=MARKET, methods=("提示提醒",))),
            NotAllowed, "matters_editor_only")
    amend(app, new, date(2026, 3, 1), actor=WANG)
    repeal(app, "3", date(2026, 4, 1), actor=ADMIN)


# -------------------------------------------------------------------- the methods list


def test_an_authority_without_a_list_of_its_own_has_the_seeds_methods(app):
    assert app.guidance_methods(MARKET) == SEED_METHODS
    assert app.guidance_methods("没有目录的单位") == SEED_METHODS


def test_an_authoritys_own_methods_are_what_its_guidance_may_use(app):
    methods = ("政策指引", "意见建议", "提示提醒", "劝导警示", "示范引领", "案件回访", "行政约谈", "行政走（回）访")
    app.execute(ctx(ADMIN), SetGuidanceMethods(authority=MARKET, methods=methods, basis="局务会议决定"))
    assert app.guidance_methods(MARKET) == methods and app.guidance_methods(FIRE) == SEED_METHODS
    e = refused(app, lambda: start(app, date(2026, 11, 2), method="规劝"), InvalidInput, "unknown_method")
    assert fields(e) == {"method"}
    assert start(app, date(2026, 11, 2), method="提示提醒").case_id is not None
    # a new matter may name only the authority's methods
    e = refused(app, lambda: amend(app, item(methods=("辅导",)), date(2026, 12, 1)), InvalidInput, "unknown_method")
    assert fields(e) == {"item.methods"}


def test_a_method_that_a_matter_in_force_names_cannot_be_dropped_until_the_matter_is_repealed(app):
    without = tuple(m for m in SEED_METHODS if m != "示范引领")  # item 6 names 示范引领
    cmd = SetGuidanceMethods(authority=MARKET, methods=without, business_time=at(date(2026, 11, 2)))
    e = refused(app, lambda: app.execute(ctx(WANG), cmd), InvalidInput, "method_in_use")
    assert "2026版第6项（示范引领）" in e.errors[0].message
    repeal(app, "6", date(2026, 11, 2))
    app.execute(ctx(WANG), cmd)
    assert "示范引领" not in app.guidance_methods(MARKET)


@pytest.mark.parametrize(
    ("methods", "code"),
    [((), "required"), (("提示提醒", "提示提醒"), "duplicate"), (("提示、提醒",), "separator"),
     (("很" * 21,), "too_long"), (SEED_METHODS, "unchanged")],
)
def test_a_bad_methods_list_is_refused(app, methods, code):
    refused(app, lambda: app.execute(ctx(ADMIN), SetGuidanceMethods(authority=MARKET, methods=methods)),
            InvalidInput, code)


def test_an_authority_may_set_its_methods_before_publishing_any_matter(memory_ledger):
    from ledger.directory import UnitKind
    from ledger.directory.commands import RegisterUnit

    memory_ledger.execute(ctx(ADMIN), RegisterUnit(name="区人社局", kind=UnitKind.ENFORCEMENT))
    memory_ledger.execute(ctx(ADMIN), SetGuidanceMethods(authority="区人社局", methods=("行政约谈", "行政调解")))
    assert memory_ledger.guidance_methods("区人社局") == ("行政约谈", "行政调解")


# ------------------------------------------------------------------------- importing


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def sample_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE_CSV.decode("utf-8"))))[1:]


def test_the_csv_and_xlsx_samples_import_to_the_same_seven_matters():
    from_csv = parse_matters(SAMPLE_CSV, SEED_METHODS)
    from_xlsx = parse_matters(SAMPLES.joinpath("guidance_matters_sample.xlsx").read_bytes(), SEED_METHODS)
    assert from_csv == from_xlsx and [i.number for i in from_csv] == [str(n) for n in range(1, 8)]
    assert from_csv[3].methods == ("意见建议", "劝导警示", "行政约谈")
    assert from_csv[3].implementers == ("食品经营监管科", "各市场监管所")


def test_a_gbk_csv_from_excel_imports_like_utf8():
    assert parse_matters(csv_bytes(sample_rows(), "gb18030"), SEED_METHODS) == parse_matters(SAMPLE_CSV, SEED_METHODS)


def test_one_bad_row_imports_nothing_and_each_error_names_the_row_and_column_in_chinese():
    rows = sample_rows()
    rows[1][3] = ""  # spreadsheet row 3: no 指导依据
    rows[2][5] = "提示提醒；罚款"  # row 4: a method not in the list
    rows[4][0] = "1"  # row 6: the number of row 2 again
    with pytest.raises(InvalidInput) as e:
        parse_matters(csv_bytes(rows), SEED_METHODS)
    found = {(x.field, x.code) for x in e.value.errors}
    assert found == {("rows[3].指导依据", "required"), ("rows[4].指导方式", "unknown_method"), ("rows[6].编号", "duplicate")}
    messages = {x.field: x.message for x in e.value.errors}
    assert messages["rows[3].指导依据"] == "第3行“指导依据”：指导依据不能为空"
    assert messages["rows[4].指导方式"].startswith("第4行“指导方式”：“罚款”不在本单位的行政指导方式之中")
    assert messages["rows[6].编号"] == "第6行“编号”：与第2行的编号重复"


def test_an_xlsx_row_is_named_as_the_spreadsheet_numbers_it_even_after_blank_rows():
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "行政指导事项", "实施单位", "法律依据", "内容", "方式", "相对人权利"])  # other usual headers
    sheet.append([1, "劳动合同指导", "劳动关系科", "《劳动合同法》第十条", "指导签订书面劳动合同", "行政约谈", RIGHTS])
    sheet.append([None] * 7)
    sheet.append([2, "工资支付指导", "", "《工资支付暂行规定》", "指导按时足额支付工资", "行政约谈", RIGHTS])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidInput) as e:
        parse_matters(out.getvalue(), ("行政约谈",))
    (error,) = e.value.errors
    assert (error.field, error.code) == ("rows[4].实施单位", "required")
    assert error.message == "第4行“实施单位”：至少填写一个实施主体，且不能为空"


def test_a_file_without_a_required_column_names_the_header_row_and_the_missing_columns():
    data = "编号,指导事项,实施主体,指导内容,指导方式\n1,a,b,c,提示提醒\n".encode()
    with pytest.raises(InvalidInput) as e:
        parse_matters(data, SEED_METHODS)
    (error,) = e.value.errors
    assert (error.field, error.code) == ("header", "missing_columns")
    assert error.message == "第1行表头缺少列：指导依据、相对人权利"


@pytest.mark.parametrize(("data", "code"), [(b"", "empty"), (",".join(HEADER).encode(), "no_items"),
                                            (b"PK\x03\x04broken", "bad_xlsx")])
def test_an_empty_or_unreadable_file_is_refused_on_the_file(data, code):
    with pytest.raises(InvalidInput) as e:
        parse_matters(data, SEED_METHODS)
    assert e.value.errors[0].code == code


def test_an_imported_edition_is_browsed_as_published(app):
    items = parse_matters(SAMPLE_CSV, app.guidance_methods(FIRE))
    edition = MatterEdition(version="2027版", title="2027", effective_from=date(2027, 1, 1), items=items,
                            supersedes="2026版")
    app.execute(ctx(SUN), PublishMatterEdition(authority=FIRE, edition=edition))
    fire = catalogue(app, FIRE)
    assert [i.ref for i in fire.items_on(date(2027, 1, 1))] == [f"2027版/{n}" for n in range(1, 8)]
    assert fire.ends["2026版"] == date(2026, 12, 31)
    assert fire.items_on(date(2026, 12, 31))[0].valid_until is None  # the item's own text has no end: the edition's
    assert fire.editions["2027版"].items == items
