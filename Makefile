# SQMS — the two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
SQMS := $(VENV)/bin/sqms
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= large
PYTEST_ARGS ?=

.PHONY: help install demo seed serve worker test lint format typecheck contracts migrations-check pytest bench messages clean

help:
	@echo "make demo      install, migrate, seed the demo organisation and serve on http://$(HOST):$(PORT)/"
	@echo "make test      lint, type checks, migrations check, import contracts, then the whole pytest suite"
	@echo "make serve     production-style server (gunicorn + whitenoise; set SQMS_* / DATABASE_URL first)"
	@echo "make worker    run the task consumer (huey)"
	@echo "make bench     benchmarks (BENCH_SIZE=small|full)"

$(VENV)/.installed: pyproject.toml requirements.lock
	@PYTHON=$$(scripts/find-python) || exit 1; \
	  test -x $(PY) || $$PYTHON -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip -q
	@test -x $(VENV)/bin/uv || $(PY) -m pip install -q uv
	$(VENV)/bin/uv pip install --python $(PY) -q -r requirements.lock
	$(VENV)/bin/uv pip install --python $(PY) -q --no-deps -e .
	@touch $@

install: $(VENV)/.installed

demo: install
	$(SQMS) migrate --noinput -v0
	$(SQMS) demo --size $(SIZE)
	@echo ""
	@echo "SQMS is running at http://$(HOST):$(PORT)/   (stop with Ctrl-C)"
	@echo "Public pages need no login; the back office is at http://$(HOST):$(PORT)/admin/"
	$(SQMS) runserver $(HOST):$(PORT)

seed: install
	$(SQMS) migrate --noinput -v0
	$(SQMS) demo --size $(SIZE)

serve: install
	SQMS_PRODUCTION=$${SQMS_PRODUCTION:-1} $(SQMS) collectstatic --noinput -v0
	SQMS_PRODUCTION=$${SQMS_PRODUCTION:-1} $(SQMS) migrate --noinput -v0
	SQMS_PRODUCTION=$${SQMS_PRODUCTION:-1} \
	  PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$${SQMS_DATA_DIR:-var}/prometheus} \
	  $(VENV)/bin/gunicorn -c python:sqms.core.ops.gunicorn_conf sqms.wsgi --bind $(HOST):$(PORT)

worker: install
	$(SQMS) worker

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

typecheck: install
	$(VENV)/bin/mypy

contracts: install
	$(VENV)/bin/lint-imports

migrations-check: install
	SQMS_DATA_DIR=$$(mktemp -d) $(SQMS) makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck migrations-check contracts pytest

bench: install
	BENCH_SIZE=$${BENCH_SIZE:-small} $(PY) bench/run.py

APPS_WITH_OWN_CATALOGUE := feedback surveys text kpi evaluation improvement audits documents people reports

messages: install
	@# Platform + unfold strings live in src/sqms/locale (unfold ships no Chinese); each app keeps its own.
	cd src/sqms && ln -sfn "$$(../../$(PY) -c 'import unfold, os; print(os.path.dirname(unfold.__file__))')" _unfold && \
	  ../../$(SQMS) makemessages -l zh_Hans -l en --symlinks --no-obsolete --ignore 'migrations/*' \
	    --ignore '*/migrations/*' --ignore '_unfold/contrib/*' --ignore 'stats/*' --ignore 'sla/*' \
	    $(foreach app,$(APPS_WITH_OWN_CATALOGUE),--ignore '$(app)/*'); rm -f _unfold
	for app in $(APPS_WITH_OWN_CATALOGUE); do (cd src/sqms/$$app && mkdir -p locale && \
	  ../../../$(SQMS) makemessages -l zh_Hans -l en --no-obsolete); done
	cd src/sqms && ../../$(SQMS) compilemessages -v0

clean:
	rm -rf $(VENV) var test-artifacts
