"""Chinese numerals as official texts write them: counted (十五, 一百零三) and digit by digit (二〇二六).

Pure functions, no Django. Two zeros, as the texts use them: 零 inside a counted number (一百零三), 〇
for a digit read out one by one (the year of a date, 二〇二六). A counted number that starts with the
tens drops the 一 (十五, not 一十五), one with hundreds or thousands keeps it (一百一十).
"""

DIGITS = "零一二三四五六七八九"
DIGIT_ZERO = "〇"
_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))


def chinese_numeral(number: int, *, below: int = 10000) -> str:
    """Write `number` in Chinese numerals (1 → 一, 10 → 十, 15 → 十五, 110 → 一百一十, 2005 → 二千零五).

    Numbers from 1 up to (not including) `below` (at most 10000) are written out; any other number
    stays in Arabic digits, as a caller whose texts never count so far wrote it before.
    """
    if not 0 < number < min(below, 10000):
        return str(number)
    text, zero = "", False
    for size, name in _PLACES:
        digit = number // size % 10
        if digit == 0:
            # A zero between written digits is read once (一千零一), a trailing one not at all.
            zero = bool(text)
            continue
        if zero:
            text += DIGITS[0]
            zero = False
        text += DIGITS[digit] + name
    return text[1:] if text.startswith("一十") else text


def chinese_digits(number: int) -> str:
    """Read a non-negative integer digit by digit (2026 → 二〇二六), as the year of a date is written."""
    if number < 0:
        raise ValueError("only non-negative numbers are read digit by digit")
    return "".join(DIGIT_ZERO if digit == "0" else DIGITS[int(digit)] for digit in str(number))
