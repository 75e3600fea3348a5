"""Date filters for document templates: GB/T 9704 Arabic dates and Chinese-numeral dates."""

from __future__ import annotations

import datetime

from django import template

from core.numerals import chinese_digits, chinese_numeral

register = template.Library()


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


def chinese_date(value: datetime.date | str | None) -> str:
    """Write a date in Chinese numerals as court-style forms do (二〇二六年三月八日)."""
    value = _as_date(value)
    if value is None:
        return ""
    # The year digit by digit (二〇二六), the month and day counted (十一月二十日).
    return f"{chinese_digits(value.year)}年{chinese_numeral(value.month)}月{chinese_numeral(value.day)}日"


register.filter("gbt_date", gbt_date)
register.filter("chinese_date", chinese_date)
