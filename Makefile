# Lianban 联办 — the two promised commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# The embedded default: SQLite under var/, Celery eager, console e-mail. The demo runs as a pilot
# would, with DEBUG off (LIANBAN_DEMO: plain HTTP on 127.0.0.1, keys under var/, the demo CA; see
# config/settings.py); the developer targets keep DEBUG on.
DEMO_ENV := LIANBAN_DEMO=true
DEV_ENV := DEBUG=true
TEST_ENV := DEBUG=true DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: demo test setup-demo system-packages system-packages-test messages messages-update lint lock clean-venv \
	bench-data bench bench-search bench-render load fuzz faults backup restore bundle bundle-check \
	document-samples

demo: setup-demo
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C stops). Demo accounts are listed above."
	$(DEMO_ENV) bin/demo-serve

setup-demo: system-packages $(VENV)/.runtime-installed messages var/.static-collected
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEMO_ENV) $(PY) manage.py load_organisation
	$(DEMO_ENV) $(PY) manage.py seed_demo
	$(DEMO_ENV) $(PY) manage.py seed_demo_seals
	$(DEMO_ENV) $(PY) manage.py seed_demo_cases
	$(DEMO_ENV) $(PY) manage.py seed_meeting_series
	$(DEMO_ENV) $(PY) manage.py seed_demo_meetings
	$(DEMO_ENV) $(PY) manage.py export_trust_store

# The static files WhiteNoise serves with DEBUG off, hashed and compressed under var/static; collected
# again only when a file under static/ or an installed package changed (compressing takes a minute).
var/.static-collected: $(VENV)/.runtime-installed $(shell find static -type f 2>/dev/null)
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v0
	touch $@

# pytest exits 5 when it collected nothing; that must fail, not pass.
test: system-packages-test $(VENV)/.dev-installed messages
	bin/ensure-redis
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
	    echo "Running the suite on PostgreSQL (the browser walks run in the SQLite run, as the demo does)"; \
	    $(TEST_ENV) $(PY) -m pytest -m "not browser" $(PYTEST_ARGS); \
	else \
	    echo "Running the suite on SQLite (tests marked postgres are deselected)"; \
	    $(TEST_ENV) $(PY) -m pytest -m "not postgres" $(PYTEST_ARGS); \
	fi

system-packages:
	bin/ensure-system-packages demo

system-packages-test:
	bin/ensure-system-packages test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"

$(VENV)/.runtime-installed: requirements.lock | $(VENV)/bin/python
	$(PIP) install -q --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock | $(VENV)/bin/python
	$(PIP) install -q --require-hashes --no-deps -r requirements-dev.lock
	touch $@ $(VENV)/.runtime-installed

messages: $(VENV)/.runtime-installed
	$(DEV_ENV) $(PY) manage.py compilemessages -v0 --ignore=.venv

# Re-extract messages after changing user-facing text; English texts are the msgids themselves,
# Chinese ones are translated by hand in locale/zh_Hans (the catalogue test fails until they are).
messages-update: $(VENV)/.runtime-installed
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var \
	    --ignore=static --ignore=tests --ignore=bench --ignore=test-artifacts -v0
	msgattrib --clear-fuzzy --empty -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	msgen -o locale/en/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	$(MAKE) messages

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Regenerate the lock files after changing pyproject.toml.
lock: $(VENV)/.dev-installed
	$(PIP) install -q pip-tools
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-header --no-emit-index-url \
	    --no-emit-find-links -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --no-header --no-emit-index-url \
	    --no-emit-find-links --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)

# Benchmarks (README, "Performance and reliability"): a generated data set in its own PostgreSQL
# database, measured with production settings (DEBUG off); figures go to bench/RESULTS.md.
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/lianban_bench
BENCH_CASES ?= 300000
BENCH_PERSONS ?= 1000000
BENCH_REQUESTS ?= 60000
BENCH_PROCEEDINGS ?= 6000
BENCH_MEETINGS ?= 600
BENCH_SEED ?= 20261128
BENCH_ENV := DEBUG=false DATABASE_URL=$(BENCH_DATABASE_URL) LIANBAN_VAR_DIR=var/bench

bench-data: $(VENV)/.dev-installed messages
	mkdir -p var/bench/static
	$(BENCH_ENV) $(PY) bench/generate.py --recreate --cases $(BENCH_CASES) --persons $(BENCH_PERSONS) \
	    --requests $(BENCH_REQUESTS) --proceedings $(BENCH_PROCEEDINGS) --meetings $(BENCH_MEETINGS) \
	    --seed $(BENCH_SEED)

# The hot paths over gunicorn against their SQL and constant floors, and the memory figures
# (bench/http_bench.py). Run it on two data sets (10,000 and 1,000,000 cases) for the growth.
bench: system-packages $(VENV)/.dev-installed messages
	mkdir -p var/bench/static
	$(BENCH_ENV) $(PY) bench/http_bench.py $(BENCH_ARGS)

bench-search: $(VENV)/.dev-installed messages
	mkdir -p var/bench/static
	$(BENCH_ENV) $(PY) bench/search_bench.py

# 50 officers of mixed roles for 5 minutes against gunicorn, a Celery worker, PostgreSQL and Redis
# on the data set (bench/load.py, locust); exits 1 on any error or a worker over its memory budget.
LOAD_USERS ?= 50
LOAD_SECONDS ?= 300

load: system-packages $(VENV)/.dev-installed messages
	mkdir -p var/bench/static
	$(BENCH_ENV) LOAD_USERS=$(LOAD_USERS) LOAD_SECONDS=$(LOAD_SECONDS) $(PY) bench/load.py

bench-render: system-packages $(VENV)/.dev-installed messages
	$(DEV_ENV) $(PY) bench/render_bench.py

# Every document kind's sample PDF and its page images (PNG) under var/samples/, for a person to look at
# (issue 19): the current template version of each kind, rich sample data, a specimen seal.
document-samples: system-packages-test $(VENV)/.dev-installed messages
	$(DEV_ENV) $(PY) manage.py document_samples

# Hostile input: schemathesis over every API operation as each persona, against a throwaway
# PostgreSQL database rebuilt with the demo's data (checks/fuzz_api.py; exit 1 on any failure).
FUZZ_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/lianban_fuzz
FUZZ_EXAMPLES ?= 25

# The visibility property (tests/visibility) with a larger budget: every transition and action path,
# every list filtered by case, every actor as a persona (CI runs 5 examples of the lighter sweep).
# About 2 minutes per example on SQLite: 20 examples take about 40 minutes.
VISIBILITY_EXAMPLES ?= 20

fuzz: system-packages-test $(VENV)/.dev-installed messages
	DATABASE_URL=$(FUZZ_DATABASE_URL) LIANBAN_VAR_DIR=var/fuzz $(PY) checks/fuzz_api.py -n $(FUZZ_EXAMPLES)
	mkdir -p var/fuzz-visibility
	LIANBAN_VAR_DIR=var/fuzz-visibility VISIBILITY_EXAMPLES=$(VISIBILITY_EXAMPLES) VISIBILITY_EXHAUSTIVE=1 \
	    $(TEST_ENV) $(PY) -m pytest -q -p no:cacheprovider -m "not postgres" tests/visibility

# Faults with a verdict each, on a private PostgreSQL, Redis, gunicorn, Celery worker and ticker
# (checks/faults.py): worker killed mid-render, Redis down, PostgreSQL restart, read-only media.
faults: system-packages-test $(VENV)/.dev-installed messages
	$(PY) checks/faults.py $(FAULTS)

# Operations: back up / restore the database named by DATABASE_URL (the embedded SQLite by default)
# and MEDIA_ROOT; a restore verifies the backup's hashes first and the audit chain after.
BACKUP_DIR ?= var/backups

backup: $(VENV)/.runtime-installed
	$(PY) manage.py backup --to $(BACKUP_DIR)

restore: $(VENV)/.runtime-installed
	@test -n "$(BACKUP)" || { echo "Name the backup folder: make restore BACKUP=$(BACKUP_DIR)/lianban-…"; exit 2; }
	$(PY) manage.py restore $(BACKUP)

# Offline installation (README "Offline installation / 离线安装"): var/bundle/lianban-bundle-<date>/ and its
# .tar with wheels for requirements.lock, the Debian packages with their dependencies, the Fandol fonts
# and the source at HEAD; bundle-check installs from it in a network namespace with no route (as root).
BUNDLE_DIR ?= var/bundle

bundle: $(VENV)/bin/python
	bin/bundle $(BUNDLE_DIR)

bundle-check: bundle
	checks/bundle_offline.sh "$$(ls -d $(BUNDLE_DIR)/lianban-bundle-*/ | sort | tail -n1)"
