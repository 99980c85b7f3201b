# Two commands for a fresh machine with Python 3.11:
#   make demo   set up, migrate, seed the synthetic demo city and serve on 127.0.0.1:8000
#   make test   install and run the lint and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ENV := DJANGO_DEBUG=1

.PHONY: install demo serve test lint format migrate seed

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
	@echo "Serving on http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest
