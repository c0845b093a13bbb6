"""The statistics charts (``ledger_http.web.charts``): what each bar says is
what the table says, the bar's length is the rate, an empty result draws no
bars, a unit's name is text whatever it contains, and the SVG carries no
script and fetches nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from ledger_http.web import charts

SVG = "{http://www.w3.org/2000/svg}"
SCALE_KEYS = [key for key, _ in charts.SCALES]


def unit_row(unit: str, rated: int, rates: tuple[float | None, ...], served: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"unit": unit, "served": served or rated, "rated": rated, "on_time": 0, "on_time_rate": None}
    row |= {f"{key}_satisfied_rate": rate for key, rate in zip(SCALE_KEYS, rates, strict=True)}
    return row


def month_row(month: str, served: int, on_time: int) -> dict[str, Any]:
    return {"month": month, "served": served, "on_time": on_time, "on_time_rate": round(on_time / served, 4)}


def by_unit(row: dict[str, Any]) -> str:
    return row["unit"]


def by_month(row: dict[str, Any]) -> str:
    return row["month"]


def tree(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)  # also proves the SVG is well-formed


def printed(svg: bytes) -> dict[int, list[str]]:
    """The text printed beside each bar, per series (serie-0 = the first
    scale), in the order pygal draws them."""
    out: dict[int, list[str]] = {}
    overlay = next(g for g in tree(svg).iter(f"{SVG}g") if "text-overlay" in g.get("class", ""))
    for series in overlay.iter(f"{SVG}g"):
        cls = series.get("class", "")
        if "serie-" in cls:
            index = int(cls.split("serie-")[1].split()[0])
            out[index] = [t.text or "" for t in series.iter(f"{SVG}text") if "value" in t.get("class", "")]
    return out


def bar_lengths(svg: bytes, attribute: str) -> dict[int, list[float]]:
    out: dict[int, list[float]] = {}
    for series in tree(svg).iter(f"{SVG}g"):
        cls = series.get("class", "")
        if cls.startswith("series serie-"):
            rects = [float(r.get(attribute, "0")) for r in series.iter(f"{SVG}rect") if "rect" in r.get("class", "")]
            if rects:
                out[int(cls.split("serie-")[1].split()[0])] = rects
    return out


def texts(svg: bytes) -> list[str]:
    return [t.text or "" for t in tree(svg).iter(f"{SVG}text")]


def test_a_rate_reads_as_a_percent_and_says_its_n_when_few_cases_stand_behind_it() -> None:
    assert charts.percent(0.9091) == "90.9%"
    assert charts.percent(1.0) == "100%"
    assert charts.percent(0.0) == "0%"
    assert charts.percent(None) == "—"
    assert charts.figure(1.0, 1) == "100%（n=1）"
    assert charts.figure(0.6667, charts.SMALL_N - 1) == f"66.7%（n={charts.SMALL_N - 1}）"
    assert charts.figure(0.6667, charts.SMALL_N) == "66.7%"
    assert charts.figure(None, 0) == "—"


def test_each_bar_of_the_satisfaction_chart_prints_the_tables_figure_and_is_as_long_as_the_rate() -> None:
    rows = [
        unit_row("市市场监督管理局", 12, (1.0, 0.5, 0.25, 0.9167)),
        unit_row("市消防救援支队", 2, (0.5, 1.0, 0.0, 1.0)),
    ]
    svg = charts.satisfaction_chart(rows, by_unit)
    # pygal draws the first group at the bottom; the chart is given the rows
    # reversed so that it reads top-down like the table.
    drawn = list(reversed(rows))
    expected = {i: [charts.figure(r[f"{key}_satisfied_rate"], r["rated"]) for r in drawn]
                for i, key in enumerate(SCALE_KEYS)}
    assert printed(svg) == expected
    assert expected[0] == ["50%（n=2）", "100%"]
    widths = bar_lengths(svg, "width")
    full = widths[0][1]  # the market regulator's 服务响应: 100%
    for i, key in enumerate(SCALE_KEYS):
        for width, row in zip(widths[i], drawn, strict=True):
            assert width == pytest.approx(row[f"{key}_satisfied_rate"] * full, abs=0.01)
    labels = texts(svg)
    assert "市市场监督管理局（12件）" in labels and "市消防救援支队（2件）" in labels
    assert [label for _, label in charts.SCALES] == [t for t in labels if t in dict(charts.SCALES).values()]


def test_a_unit_served_but_not_yet_rated_is_named_without_bars() -> None:
    rows = [unit_row("市市场监督管理局", 3, (1.0, 1.0, 2 / 3, 1.0)), unit_row("市生态环境局", 0, (None,) * 4, served=2)]
    svg = charts.satisfaction_chart(rows, by_unit)
    assert "市生态环境局（尚无评价）" in texts(svg)
    assert printed(svg)[2] == ["66.7%（n=3）"]  # one bar per scale: the unrated unit has none


@pytest.mark.parametrize("rows", [[], [unit_row("市生态环境局", 0, (None,) * 4, served=1)]], ids=["nothing", "none-rated"])
def test_with_nothing_rated_the_satisfaction_chart_says_so_and_draws_no_bar(rows: list[dict[str, Any]]) -> None:
    assert not charts.has_ratings(rows)
    svg = charts.satisfaction_chart(rows, by_unit)
    assert "尚无已评价的案件" in texts(svg)
    assert bar_lengths(svg, "width") == {}


def test_with_nothing_served_the_on_time_chart_says_so() -> None:
    assert not charts.has_served([])
    svg = charts.on_time_chart([], by_month)
    assert "尚无已服务的案件" in texts(svg)
    assert bar_lengths(svg, "height") == {}


def test_the_on_time_chart_prints_each_months_rate_with_its_n_and_sizes_the_bars_by_it() -> None:
    rows = [month_row("2026-10", 3, 2), month_row("2026-11", 12, 12), month_row("2026-12", 20, 10)]
    svg = charts.on_time_chart(rows, lambda r: f"{r['month'][:4]}年{int(r['month'][5:])}月")
    assert printed(svg) == {0: ["66.7%（n=3）", "100%", "50%"]}
    assert [charts.figure(r["on_time_rate"], r["served"]) for r in rows] == printed(svg)[0]
    heights = bar_lengths(svg, "height")[0]
    assert heights[0] / heights[1] == pytest.approx(0.6667, abs=0.001)
    assert heights[2] / heights[1] == pytest.approx(0.5, abs=0.001)
    assert "2026年10月（3件）" in texts(svg)


def test_a_unit_named_as_a_script_is_text_in_the_svg_and_nothing_in_it_runs_or_is_fetched() -> None:
    name = '<script>alert(1)</script>"&\'市局'
    svg = charts.satisfaction_chart([unit_row(name, 1, (1.0, 1.0, 1.0, 1.0))], by_unit)
    assert f"{name}（1件）" in texts(svg)
    raw = svg.decode()
    assert "<script" not in raw and "alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert not [e for e in tree(svg).iter() if e.tag.endswith("script")]
    for element in tree(svg).iter():  # no link, image or stylesheet to fetch
        assert not any("//" in value for value in element.attrib.values()), element.attrib
        if element.tag == f"{SVG}style":
            assert "url(" not in (element.text or "") and "@import" not in (element.text or "")


def test_the_charts_set_a_chinese_font_family() -> None:
    svg = charts.on_time_chart([month_row("2026-11", 1, 1)], by_month).decode()
    assert '"Noto Sans CJK SC"' in svg
