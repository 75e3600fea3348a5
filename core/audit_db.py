"""The database side of the append-only audit table: the purge switch the triggers consult.

The triggers (migration 0002) refuse UPDATE and DELETE on core_auditevent, and TRUNCATE on
PostgreSQL, unless the connection has opened the purge path. Only the test harness opens it, so that
Django's flush between tests can empty the table; production connections never do.

- SQLite: the triggers call `lianban_audit_purge()`, a function registered on every connection
  here (connection_created), which answers 0 unless `allow_purge` was called on that connection.
  A connection without the function (the sqlite3 shell) cannot modify the table either: the trigger
  fails on the unknown function.
- PostgreSQL: the trigger function reads the session setting `lianban.audit_purge`.

The switch guards against mistakes in application code, not against a hostile database role: on
PostgreSQL any session may set a custom setting, and the table owner may disable triggers. The hash
chain (`core.audit.verify_chain`) detects an edit that leaves the hashes as they were; the keyed
checkpoints outside the database (`core.audit_checkpoints`) detect truncation and a chain
rewritten with recomputed hashes.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

SQLITE_FUNCTION = "lianban_audit_purge"
PG_SETTING = "lianban.audit_purge"
_FLAG = "_lianban_audit_purge"


def _register_sqlite_function(connection: BaseDatabaseWrapper) -> None:
    # The function reads the flag on the wrapper each call, so flipping the switch takes effect
    # at once; deterministic=False stops SQLite from caching its answer within a statement.
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, _FLAG, False) else 0, deterministic=False
    )


def register_on_connection(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """Give every new SQLite connection the purge function, closed unless the harness opened it."""
    if connection.vendor == "sqlite":
        _register_sqlite_function(connection)


def set_purge(connection: BaseDatabaseWrapper, enabled: bool) -> None:
    """Open or close the purge path on one connection (test harness only)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        setattr(connection, _FLAG, enabled)
        _register_sqlite_function(connection)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [PG_SETTING, "on" if enabled else "off"])


def allow_purge(connection: BaseDatabaseWrapper) -> None:
    """Let this connection delete, update and truncate audit events, as Django's test flush needs."""
    set_purge(connection, True)


def connect() -> None:
    connection_created.connect(register_on_connection, dispatch_uid="core-audit-purge-function")
