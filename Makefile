# kansenmonitor: `make demo` and `make test` set everything up from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LOCKS := requirements.lock requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat $(LOCKS) pyproject.toml | cksum | cut -d' ' -f1)
# The locks are for this Python; `make lock` keeps every pin the dependencies in pyproject.toml still allow.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header --quiet

# Offline machines: no telemetry from the Prefect server nor from its client.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/var/prefect
# A busy machine starts the temporary Prefect server of `kansenmonitor demo` slowly.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: install demo test lint docs services bench serve lock clean

# requirements-dev.lock is requirements.lock (the runtime, what the Docker image gets) plus the development tools,
# with the same pins; every file checked against its hash.
$(STAMP): $(LOCKS) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/kansenmonitor demo

services:
	.ci/ensure-services
	.ci/ensure-report-tools

docs: install
	$(PY) -m kansenmonitor.catalogue

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint sql/
	$(VENV)/bin/lint-imports

test: install services lint
	$(PY) -m pytest $(PYTEST_ARGS)

serve: install
	bin/serve

bench: install services
	mkdir -p $(PREFECT_HOME)
	$(PY) -m bench --scale $(or $(SCALE),0.001)

lock: install
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev --constraints requirements.lock -o requirements-dev.lock

clean:
	rm -rf var out
