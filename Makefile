# Two commands for a fresh machine with Python 3.11:
#   make demo   set up, migrate, seed the synthetic demo city and serve on 127.0.0.1:8000
#               (another port: make demo DEMO_PORT=8010)
#   make test   install and run the lint and the whole test suite
#   make test-fast   lint and the quick tier (no browser, property, demo-city, real-worker or slow tests)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
# The demo runs analyses in a background worker, as production does, on a broker that needs
# no server: messages are files under var/broker (Celery's filesystem transport).
DEMO_ENV := DJANGO_DEBUG=1 CELERY_BROKER_URL=filesystem://
DEMO_PORT ?= 8000

.PHONY: install demo serve test test-fast lint format migrate seed
FAST_TIER := not browser and not slow and not celery_worker and not hypothesis and not demo_city

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(PY) manage.py seed_demo --seed 2026

demo: seed
	$(DEMO_ENV) $(PY) manage.py compilemessages --ignore '.venv' -v0 || true
	@echo "Serving on http://127.0.0.1:$(DEMO_PORT)/ with a background worker for analysis runs (Ctrl-C stops both)"
	@$(DEMO_ENV) $(PY) -m celery -A config worker --beat --schedule var/celerybeat-schedule \
		--queues interactive,heavy --concurrency=1 --without-gossip --without-mingle --loglevel=WARNING & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The test runs write bytecode even where the environment turns it off: without it every
# process (each pytest-xdist worker too) compiles the project and rewrites every test
# module's asserts again, about 8 CPU-s a process.
test test-fast: export PYTHONDONTWRITEBYTECODE :=

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest

# The quick tier, spread over the machine's cores (pytest-xdist). Its SQLite test database
# is loaded from a copy kept under var/test-db/ while the migrations and the data they read
# are unchanged (tests/db_template.py); `make test` always builds it afresh.
test-fast: lint
	TEST_DB_TEMPLATE=1 $(VENV)/bin/pytest -q -n auto -m "$(FAST_TIER)"
