"""The statutory public holidays (法定节假日), fixed by law years ahead.

《全国年节及纪念日放假办法》 as revised in 2024 (in force from 2025) gives every
citizen: 元旦 1 day (1 January); 春节 4 days (除夕 to 正月初三); 清明节 1 day
(the solar term); 劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节
1 day (八月十五); 国庆节 3 days (1–3 October). Only the State Council's yearly
arrangement — the days bridged to a weekend and the weekend days worked
instead (调休) — is unknown until it is published; a year without a recorded
schedule therefore rests on these days and is still marked provisional.

The lunar dates and the solar term come from ``lunar_python`` (6tail's lunar
calendar, MIT, maintained; pure Python), checked in the tests against the
published 2025 and 2026 schedules.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

# The first year under the 2024 revision. Earlier years are all published
# (chinese-calendar knows 2004 on), so they never need this fallback.
FIRST_YEAR = 2025


def _solar(lunar: Lunar) -> date:
    s = lunar.getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """The statutory rest days of ``year`` with their names, in order
    (before 2025: none, see FIRST_YEAR)."""
    if year < FIRST_YEAR:
        return ()
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一 falls in January or February
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = [
        (date(year, 1, 1), "元旦"),
        *((new_year + timedelta(days=n), "春节") for n in range(-1, 3)),  # 除夕 to 初三
        (date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (_solar(Lunar.fromYmd(year, 5, 5)), "端午节"),
        (_solar(Lunar.fromYmd(year, 8, 15)), "中秋节"),
        *((date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    return tuple(sorted(days))


def assumed_note(years: tuple[int, ...]) -> str | None:
    """What a provisional deadline assumed, in the clerks' words."""
    if not years:
        return None
    return (
        f"{'、'.join(str(y) for y in years)}年的国务院节假日安排尚未登记：已按法定节假日休息计算"
        "（元旦、春节除夕至初三、清明节、劳动节5月1日至2日、端午节、中秋节、国庆节10月1日至3日），"
        "连休和调休上班尚未计入，时限暂定"
    )
