"""Settings are read strictly from the environment and production passes `check --deploy`."""

import pytest

from tests.support.processes import PRODUCTION, run_django


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("DEBUG", "maybe", "expected one of true/false"),
        ("DATABASE_URL", "postgresql://host:notaport/db", "port must be a number"),
        ("DATABASE_URL", "mysql://root@localhost/lianban", "expected a postgresql:// or sqlite:/// URL"),
        ("DATABASE_URL", "postgresql://localhost", "names one database"),
        ("LOGIN_MAX_FAILURES", "five", "expected a whole number"),
        ("LOGIN_MAX_FAILURES", "0", "must be at least 1"),
        ("EMAIL_BACKEND", "pigeon", "expected one of console, file, locmem, smtp"),
        ("CELERY_BROKER_URL", "localhost:6379", "expected a URL starting with"),
        ("ALLOWED_HOSTS", "a,,b", "must not contain empty items"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal", "'proxy.internal' is not an IP address or network"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, rule):
    result = run_django({**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert f"Environment variable {variable}=" in result.stderr
    assert rule in result.stderr


SERVING_ENTRY_POINTS = [
    ("-c", "import config.wsgi"),
    ("-c", "import config.asgi"),
    ("-c", "from config.celery import _refuse_incomplete_settings as refuse; refuse()"),
    ("manage.py", "check", "--deploy"),
]


@pytest.mark.parametrize("entry_point", SERVING_ENTRY_POINTS)
def test_production_serving_requires_a_secret_key(entry_point):
    env = {**PRODUCTION}
    env.pop("SECRET_KEY")
    result = run_django(env, *entry_point)
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY is required when DEBUG is false" in result.stdout + result.stderr


@pytest.mark.parametrize("entry_point", SERVING_ENTRY_POINTS)
def test_production_serving_requires_allowed_hosts(entry_point):
    result = run_django({**PRODUCTION, "ALLOWED_HOSTS": ""}, *entry_point)
    assert result.returncode != 0
    assert "Environment variable ALLOWED_HOSTS is required" in result.stdout + result.stderr


def test_offline_commands_run_without_the_serving_variables():
    """makemigrations and friends need no secret: only serving processes refuse to start without one."""
    env = {key: value for key, value in PRODUCTION.items() if key not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env["DATABASE_URL"] = "sqlite:///var/offline-check.sqlite3"
    result = run_django(env, "manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_good_production_settings_start():
    result = run_django(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "settings ok" in result.stdout


def _pki_root(folder) -> str:
    """Write a throwaway root certificate, standing in for the police PKI's trust roots (issue 19)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lianban-test-root")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "roots.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {**PRODUCTION, "DOCUMENT_SIGNING": "pki", "DOCUMENT_SIGNING_TRUST_ROOTS": _pki_root(tmp_path)}
    result = run_django(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_without_the_pki_trust_roots():
    """Production signs issued documents with the police PKI: without its roots none could be signed."""
    result = run_django(PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "documents.E001" in result.stdout + result.stderr


def test_check_deploy_fails_while_the_benchmark_floors_are_mounted():
    result = run_django({**PRODUCTION, "LIANBAN_BENCH_FLOORS": "1"}, "manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "core.E002" in result.stdout + result.stderr
    assert "LIANBAN_BENCH_FLOORS" in result.stdout + result.stderr


def test_the_benchmark_floors_are_not_mounted_by_default(client):
    assert client.get("/bench-floors/constant/").status_code == 404


def test_production_security_values():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[-1], s.TIME_ZONE, s.LANGUAGE_CODE, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = run_django(PRODUCTION, "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "Argon2PasswordHasher",
        "Asia/Shanghai",
        "zh-hans",
        "False",
    ]


def test_embedded_default_is_sqlite_with_eager_celery(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    result = run_django(
        {"DEBUG": "true"},
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.DATABASES['default']['OPTIONS']['transaction_mode'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "IMMEDIATE"]


def test_check_deploy_fails_without_an_audit_checkpoint_key():
    env = {**PRODUCTION}
    env.pop("AUDIT_CHECKPOINT_KEY")
    result = run_django(env, "manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "core.E003" in result.stdout + result.stderr
    assert "AUDIT_CHECKPOINT_KEY is not set" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("short-key", "must be at least 32 characters"),
        (PRODUCTION["SECRET_KEY"], "must differ from SECRET_KEY"),
    ],
)
def test_a_weak_audit_checkpoint_key_stops_start_up_without_echoing_it(key, rule):
    result = run_django({**PRODUCTION, "AUDIT_CHECKPOINT_KEY": key})
    assert result.returncode != 0
    assert f"Environment variable AUDIT_CHECKPOINT_KEY {rule}" in result.stderr
    assert key not in result.stderr


def test_the_demo_generates_its_audit_checkpoint_key_apart_from_the_secret_key(tmp_path):
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "key = s.AUDIT_CHECKPOINT_KEY; "
        "print(len(key) >= 32, key != s.SECRET_KEY, s.AUDIT_CHECKPOINT_DIR)"
    )
    result = run_django({"DEBUG": "true", "LIANBAN_VAR_DIR": str(tmp_path)}, "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", str(tmp_path / "audit-checkpoints")]
    assert (tmp_path / "audit-checkpoint-key").stat().st_mode & 0o777 == 0o600
