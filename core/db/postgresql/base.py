"""Django's PostgreSQL backend, parsing timestamps with psycopg's C loader.

Django reads every `timestamptz` through its own subclass of psycopg's pure-Python loader, which
parses each value with a regular expression: on a page of two hundred rows that is thousands of
values and a tenth of the request (issue 8, measured on the inbox). Django sets the session time
zone to UTC under USE_TZ, and then psycopg's C loader returns exactly what Django's would: values
stamped `datetime.timezone.utc`. This backend's loader is Django's (the class, its `timezone`) with
the parsing done by the C loader. Without the C extension, or with another connection time zone,
it is Django's backend unchanged.
"""

import datetime as dt

from django.db.backends.postgresql import base
from psycopg import adapt, adapters
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
_NATIVE = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
HAS_C_LOADER = _NATIVE is not TimestamptzLoader


class UtcTimestamptzLoader(TimestamptzLoader):
    """Load a UTC session's timestamps in C; `timezone` is what Django's cursor set-up compares."""

    timezone = dt.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        # An instance attribute: psycopg's row loaders call `loader.load` for each value.
        self.load = _NATIVE(oid, context).load


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if HAS_C_LOADER and self.timezone is dt.UTC:
            context = adapt.AdaptersMap(params["context"])
            context.register_loader("timestamptz", UtcTimestamptzLoader)
            params["context"] = context
        return params
