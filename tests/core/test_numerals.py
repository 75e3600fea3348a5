"""core.numerals: the one Chinese-numeral helper, checked against what each of its four former copies wrote.

The former copies are kept below as they were written, so that every caller's output is shown to be
unchanged over the whole range it wrote: the minutes (1–9999), session titles (1–999), the months and
days of a date (1–31, years digit by digit) and the numbered sections of a briefing (1–10).
"""

import pytest

from core.numerals import chinese_digits, chinese_numeral

# --- the former copies, verbatim apart from their names ----------------------------------------------

_MINUTES_DIGITS = "零一二三四五六七八九"


def _minutes_chinese_numeral(number: int) -> str:  # meetings/minutes.py
    if not 0 < number < 10000:
        return str(number)
    units = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
    text, zero = "", False
    for size, name in units:
        digit = number // size % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _MINUTES_DIGITS[digit] + name
    return text[1:] if text.startswith("一十") else text


def _scheduling_chinese_ordinal(number: int) -> str:  # meetings/scheduling.py
    digits = "零一二三四五六七八九"
    if not 0 < number < 1000:
        return str(number)
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    text = ""
    if hundreds:
        text += digits[hundreds] + "百"
        if rest and tens == 0:
            text += "零"
    if tens:
        text += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if units:
        text += digits[units]
    return text


_DATE_DIGITS = "〇一二三四五六七八九"


def _date_chinese_number(n: int) -> str:  # documents/templatetags/gbt_dates.py (months and days)
    if n < 10:
        return _DATE_DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _DATE_DIGITS[tens]) + "十" + (_DATE_DIGITS[units] if units else "")


def _date_year(year: int) -> str:  # documents/templatetags/gbt_dates.py (the year)
    return "".join(_DATE_DIGITS[int(d)] for d in str(year))


_CHART_NUMERALS = "一二三四五六七八九十"  # meetings/templatetags/meeting_charts.py, by index


# --- the helper -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),  # not 一十
        (15, "十五"),
        (20, "二十"),
        (31, "三十一"),
        (100, "一百"),
        (101, "一百零一"),  # 零 inside a counted number, not 〇
        (103, "一百零三"),
        (110, "一百一十"),  # 一十 kept after the hundreds
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (2005, "二千零五"),
        (9999, "九千九百九十九"),
    ],
)
def test_counted_numbers(number, text):
    assert chinese_numeral(number) == text


def test_numbers_out_of_range_stay_arabic():
    assert chinese_numeral(0) == "0"
    assert chinese_numeral(-3) == "-3"
    assert chinese_numeral(10000) == "10000"
    assert chinese_numeral(1000, below=1000) == "1000"
    assert chinese_numeral(999, below=1000) == "九百九十九"


def test_digits_read_one_by_one_use_the_digit_zero():
    assert chinese_digits(2026) == "二〇二六"  # 〇, not 零
    assert chinese_digits(2000) == "二〇〇〇"
    assert chinese_digits(0) == "〇"
    with pytest.raises(ValueError):
        chinese_digits(-1)


def test_the_minutes_write_as_before():
    for number in range(-2, 10002):
        assert chinese_numeral(number) == _minutes_chinese_numeral(number), number


def test_session_titles_write_as_before():
    for number in range(-2, 1100):
        assert chinese_numeral(number, below=1000) == _scheduling_chinese_ordinal(number), number


def test_dates_write_as_before():
    for number in range(1, 32):
        assert chinese_numeral(number) == _date_chinese_number(number), number
    for year in (1, 1949, 2000, 2020, 2026, 9999):
        assert chinese_digits(year) == _date_year(year), year


def test_briefing_sections_number_as_before():
    for index in range(10):
        assert chinese_numeral(index + 1) == _CHART_NUMERALS[index], index
