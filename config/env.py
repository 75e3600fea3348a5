"""Read settings strictly from the environment.

Every reader names the variable in its error, so a bad deployment stops at start-up with a message
an operator can act on instead of failing later in a request.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class EnvError(ImproperlyConfigured):
    """Raise when an environment variable holds a value the settings cannot use."""

    def __init__(self, name: str, value: str, rule: str):
        super().__init__(f"Environment variable {name}={value!r} is invalid: {rule}")
        self.name = name


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(name, value, "expected one of true/false, yes/no, on/off, 1/0")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise EnvError(name, value, "expected a whole number") from None
    if minimum is not None and number < minimum:
        raise EnvError(name, value, f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise EnvError(name, value, f"must be at most {maximum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise EnvError(name, value, "a comma-separated list must not contain empty items")
    return items


def env_networks(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list of IP addresses or CIDR networks (e.g. 10.0.0.0/8, ::1)."""
    items = env_list(name, default)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            rule = f"{item!r} is not an IP address or network"
            raise EnvError(name, os.environ.get(name, ""), rule) from None
    return items


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise EnvError(name, value, "expected one of " + ", ".join(sorted(choices)))
    return value


def parse_database_url(name: str, url: str, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry; accept only PostgreSQL and SQLite."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as dj-database-url reads them.
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc or not path:
            raise EnvError(name, url, "a SQLite URL looks like sqlite:///var/lianban.sqlite3")
        db_path = Path(path) if Path(path).is_absolute() else base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(db_path),
            "OPTIONS": {
                # IMMEDIATE makes two writers queue on the lock instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database or "/" in database:
            raise EnvError(
                name, url, "a PostgreSQL URL names one database: postgresql://user@host:5432/lianban"
            )
        try:
            port = parts.port
        except ValueError:
            raise EnvError(name, url, "the port must be a number") from None
        entry = {
            # Django's backend with psycopg's C timestamp parser (core/db/postgresql/base.py).
            "ENGINE": "core.db.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            # A connection dropped by a database restart is detected and replaced per request.
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                key: value for key, value in options.items() if key in {"sslmode", "connect_timeout"}
            },
        }
        entry["OPTIONS"].setdefault("connect_timeout", "5")
        return entry
    raise EnvError(name, url, "expected a postgresql:// or sqlite:/// URL")


def check_url(name: str, url: str, schemes: set[str]) -> str:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        raise EnvError(
            name, url, "expected a URL starting with " + " or ".join(f"{s}://" for s in sorted(schemes))
        )
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        raise EnvError(name, url, "the port must be a number") from None
    return url


def refuse_to_serve_if_incomplete() -> None:
    """Stop a serving process (web, worker) whose settings lack a variable production requires."""
    from django.conf import settings

    missing = getattr(settings, "MISSING_FOR_SERVING", [])
    if missing:
        raise ImproperlyConfigured("; ".join(missing))
