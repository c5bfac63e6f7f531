# kansenmonitor: `make demo` and `make test` set everything up from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/var/prefect

.PHONY: install demo test lint docs services bench serve lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
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
	$(PY) -m pytest

serve: install
	bin/serve

bench: install services
	$(PY) -m bench --scale $(or $(SCALE),0.001)

lock:
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf var out
