"""The statistics page's figures and charts: one formatting of every rate
(used by the table and the charts alike, so both show the same numbers) and
two SVG charts drawn on the server with pygal.

Why pygal and why each chart is its own SVG response: pygal is a maintained
PyPI library (Kozea, who also make WeasyPrint) that writes SVG through
ElementTree, so every label is escaped by the serializer, not by us. Its SVG
carries its own ``<style>`` and a ``<script>`` with its configuration (and,
by default, a tooltip script from a CDN). The workbench's CSP forbids inline
style and script, and offices have no internet: so ``js=[]`` (no CDN
script), the configuration ``<script>`` is removed from the tree before it
is written, and the page shows the chart as ``<img src=…svg>``. An SVG shown
by ``<img>`` never runs script nor fetches anything; opened on its own it is
served with a CSP of its own that allows its inline style and nothing else
(``CHART_CSP``). The fonts are the workbench's (Noto Sans CJK SC first), which
an ``<img>`` SVG may use because they are installed, not fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pygal
from pygal.etree import etree as pygal_etree
from pygal.style import Style

SCALES = (("response", "服务响应"), ("attitude", "服务态度"), ("usefulness", "服务内容"), ("result", "服务结果"))
# Below this many cases a rate is shown with its n= (one case rated 满意 is
# "100%", which nobody should read as a unit's standing).
SMALL_N = 10
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
FONTS = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", sans-serif'
SVG_NS = "{http://www.w3.org/2000/svg}"
MARGIN = 12

Row = dict[str, Any]  # one line of ``views.stats``
Label = Callable[[Row], str]  # how a group is named on the axis (and in the table)

STYLE = Style(
    font_family=FONTS,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2329",
    foreground_strong="#1f2329",
    foreground_subtle="#dcdfe6",
    guide_stroke_color="#dcdfe6",
    major_guide_stroke_color="#c0c4cc",
    guide_stroke_dasharray="4,4",
    major_guide_stroke_dasharray="4,4",
    colors=("#1456a8", "#2e9e6b", "#d48806", "#8e44ad"),
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    tooltip_font_size=12,
    no_data_font_size=18,
)


def percent(rate: float | None) -> str:
    """A rate (0–1) as clerks read it: 66.7%, 100%; — when there is none."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def figure(rate: float | None, n: int) -> str:
    """A rate with its denominator when that is too small to lean on."""
    if rate is None:
        return "—"
    return f"{percent(rate)}（n={n}）" if n < SMALL_N else percent(rate)


def has_ratings(rows: Sequence[Row]) -> bool:
    return any(r["rated"] for r in rows)


def has_served(rows: Sequence[Row]) -> bool:
    return any(r["served"] for r in rows)


def satisfaction_points(rows: Sequence[Row], label: Label) -> tuple[list[str], dict[str, list[Any]]]:
    """Per group (one unit) its label with its number of rated cases and, per
    scale, the rate as a percent with the text printed beside the bar —
    exactly the table's cell text (``figure``)."""
    labels = [f"{label(r)}（{r['rated']}件）" if r["rated"] else f"{label(r)}（尚无评价）" for r in rows]
    series = {
        name: [_point(r[f"{scale}_satisfied_rate"], r["rated"]) for r in rows]
        for scale, name in SCALES
    }
    return labels, series


def on_time_points(rows: Sequence[Row], label: Label) -> tuple[list[str], list[Any]]:
    """Per group (one month) its label with its number of served cases and
    the on-time rate, printed as the table prints it."""
    return [f"{label(r)}（{r['served']}件）" for r in rows], [_point(r["on_time_rate"], r["served"]) for r in rows]


def satisfaction_chart(rows: Sequence[Row], label: Label) -> bytes:
    """Grouped horizontal bars: one group per unit (names are long Chinese
    words, read best on the left), one bar per scale. pygal draws the first
    group at the bottom: reversed, the chart reads top-down like the table."""
    labels, series = satisfaction_points(list(reversed(rows)), label)
    chart = pygal.HorizontalBar(
        **_common(height=max(240, 120 + 26 * 4 * len(rows))),
        title="满意率（按单位；评为前两档的比例）",
        legend_at_bottom=True, legend_at_bottom_columns=4,
        no_data_text="尚无已评价的案件",
        margin_left=MARGIN + _cjk_allowance(labels), margin_right=MARGIN + 110,
        css=(*pygal.Config().css, "inline:.text-overlay text.value{text-anchor:start;transform:translate(4px,0)}"),
    )
    chart.x_labels = labels
    if has_ratings(rows):
        for name, values in series.items():
            chart.add(name, values)
    return _svg(chart)


def on_time_chart(rows: Sequence[Row], label: Label) -> bytes:
    """Bars by month (a line through one month would be a lone dot); as wide
    as the months need, so that one month is not one wall of colour."""
    labels, values = on_time_points(rows, label)
    chart = pygal.Bar(
        **_common(height=320, width=max(420, min(900, 160 + 110 * len(rows)))),
        title="按时办结率（按月）",
        show_legend=False,
        x_label_rotation=0 if len(rows) <= 8 else 30,
        no_data_text="尚无已服务的案件",
        margin_top=MARGIN + 20,
        css=(*pygal.Config().css, "inline:.text-overlay text.value{transform:translate(0,-6px)}"),
    )
    chart.x_labels = labels
    if has_served(rows):
        chart.add("按时办结率", values)
    return _svg(chart)


def _common(height: int, width: int = 900) -> dict[str, Any]:
    """What both charts share: our style, our size, no script, the scale
    0–100%, every value printed, no label cut short."""
    return {
        "style": STYLE, "width": width, "height": height, "explicit_size": True, "margin": MARGIN, "js": [],
        "range": (0, 100), "include_x_axis": True, "value_formatter": lambda v: f"{v:.0f}%",
        "print_values": True, "print_zeroes": True, "print_values_position": "top",
        "truncate_label": -1, "truncate_legend": -1,
    }


def _point(rate: float | None, n: int) -> Any:
    """One bar: its length is the rate, its printed text the table's."""
    if rate is None:
        return None
    text = figure(rate, n)
    return {"value": rate * 100, "formatter": lambda _value: text}


def _cjk_allowance(labels: Sequence[str]) -> float:
    """pygal reserves 0.6 em per character for axis labels; a Chinese
    character takes a full em: the difference, added to the left margin."""
    fs = STYLE.label_font_size
    return max((sum(1.0 if ord(c) > 0x2E7F else 0.6 for c in t) * fs - len(t) * 0.6 * fs for t in labels), default=0)


def _svg(chart: Any) -> bytes:
    """The chart without any script: pygal always writes its configuration
    as an inline ``<script>``; nothing reads it once the tooltip script is off."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in [c for c in parent if c.tag in (f"{SVG_NS}script", "script")]:
            parent.remove(child)
    # pygal builds with lxml where it is installed (python-docx brings it),
    # else with ElementTree: serialise with the library that built the tree
    return pygal_etree.tostring(tree, encoding="utf-8", xml_declaration=True)
