"""Pinyin of person names for cross-province search: full spelling and initials, both lower-case ASCII.

Pure: no ORM, so the model's save(), the data migration and the search normalise names the same
way. Tones and the ü umlaut are dropped (吕 → "lv", as Chinese input methods type it); a character
that is not Chinese keeps its ASCII letters, and anything else (digits, "·" in minority names,
spaces) separates words, so "欧阳·娜娜" → ("ouyangnana", "oynn") and "John Smith" → ("johnsmith", "js").
"""

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

PINYIN_MAX_LENGTH = 64
INITIALS_MAX_LENGTH = 16


_WORD = re.compile(r"[a-z]+")


def name_pinyin(name: str) -> tuple[str, str]:
    """Return (full pinyin, initials) of a name, truncated to the model's column lengths."""
    # One syllable per Chinese character; a run of other characters comes back as one segment.
    # Heteronyms take pypinyin's most common reading (单 → "dan", not the surname's "shan").
    syllables = [
        word
        for segment in lazy_pinyin(
            unicodedata.normalize("NFKC", name or ""), style=Style.NORMAL, v_to_u=False
        )
        for word in _WORD.findall(segment.lower())
    ]
    full = "".join(syllables)[:PINYIN_MAX_LENGTH]
    initials = "".join(syllable[0] for syllable in syllables)[:INITIALS_MAX_LENGTH]
    return full, initials
