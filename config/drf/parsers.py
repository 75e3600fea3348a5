"""The API's JSON parser, REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]: a nesting limit before any view.

A module of its own because DRF imports it while building APIView (rest_framework.views): it must
not import core.api, rest_framework.views or drf_spectacular.openapi (see config/drf/__init__.py).
"""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No input of this API nests deeper than a handful of levels; a client that sends more is either
# broken or probing. Python's decoder recurses once per level and gives up near 1,000 with a
# RecursionError (a 500); well before that, deep input would cost every later walk (serializers,
# audit json_safe) the same recursion.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Tell whether a decoded JSON value nests lists and objects deeper than `limit` (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit: too deep an input is a 400, never a RecursionError.

    REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] names it; every view uses the default parsers.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(_too_deep()) from None
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity
            raise exceptions.ParseError(_("The body is not valid JSON.")) from exc
        if json_depth_exceeds(data):
            raise exceptions.ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return _("The body nests deeper than %(limit)d levels.") % {"limit": MAX_JSON_DEPTH}


def _refuse_constant(name):
    # JSON has no NaN or Infinity; Python's decoder accepts them unless told not to.
    raise ValueError(f"{name} is not JSON")
