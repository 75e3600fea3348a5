"""Date filters for document templates: GB/T 9704 Arabic dates and Chinese-numeral dates."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()

_DIGITS = "〇一二三四五六七八九"


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    # Snapshots are JSON, so a date often arrives as its ISO string.
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value


def gbt_date(value: datetime.date | str | None) -> str:
    """Write a date as GB/T 9704 asks: Arabic numerals, full year, no leading zeros (2026年3月8日)."""
    value = _as_date(value)
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def _chinese_number(n: int) -> str:
    # Months and days only (1-31): 十, 十一, 二十, 二十一, 三十一.
    if n < 10:
        return _DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[units] if units else "")


def chinese_date(value: datetime.date | str | None) -> str:
    """Write a date in Chinese numerals as court-style forms do (二〇二六年三月八日)."""
    value = _as_date(value)
    if value is None:
        return ""
    year = "".join(_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{_chinese_number(value.month)}月{_chinese_number(value.day)}日"


register.filter("gbt_date", gbt_date)
register.filter("chinese_date", chinese_date)
