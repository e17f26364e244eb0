# Everything a newcomer needs: `make demo`, then `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: help venv system-deps demo demo-alerts profile bench test test-unit test-integration lint airflow pg-start pg-stop clean lock

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

UV_COMPILE := --python-version 3.11 --python-platform x86_64-manylinux_2_28

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	# --compile-bytecode: the .pyc files are written once here, so that imports stay fast where
	# PYTHONDONTWRITEBYTECODE is set (airflow.sdk took 9 s to import without them, 3 s with)
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed  ## create .venv and install both pinned locks (runtime + dev)

lock:  ## re-resolve requirements.in (runtime) and requirements-dev.in (dev, constrained by the runtime lock)
	$(VENV)/bin/uv pip compile requirements.in $(UV_COMPILE) -o requirements.txt
	$(VENV)/bin/uv pip compile requirements-dev.in $(UV_COMPILE) -o requirements-dev.txt

pg-start: venv  ## start the embedded PostgreSQL (.local/pg, 127.0.0.1:54329)
	$(PY) -m devtools.embedded_pg start

pg-stop:  ## stop the embedded PostgreSQL
	$(PY) -m devtools.embedded_pg stop

demo: venv  ## build the demo CRM and run crm_nightly for the last 3 business days
	$(PY) -m devtools.demo

demo-alerts: venv  ## show every alert on loopback catchers (SMTP + Slack webhook)
	$(PY) -m devtools.demo_alerts

profile: venv  ## profile the demo's source tables in full: one HTML report in .local/reports/ (after make demo)
	$(PY) -m devtools.profile_report

bench: venv system-deps  ## crm_nightly (~1M lines) then taskflow_nightly (1M tasks, ~4.3M events): stage timings and memory, the real scheduler, side-by-side loaders, page latency (BENCH_ARGS='--pipeline taskflow', '--scale 2', '--taskflow-scale 2')
	$(PY) -m bench.run $(BENCH_ARGS)

airflow: venv pg-start  ## Airflow UI on http://localhost:8080 on the embedded setup (user admin, password printed)
	$(PY) -m devtools.local_airflow

system-deps:  ## Debian packages the tests use: chromium + chromium-driver (page e2e), docker-compose (compose check)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v docker-compose >/dev/null || \
		{ $(SUDO) apt-get update -qq && \
		  $(SUDO) apt-get install -y -qq chromium chromium-driver docker-compose >/dev/null; }

test: venv system-deps  ## the whole suite: lint, DAG integrity, unit, integration (incl. headless Chromium)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

test-unit: venv
	$(PY) -m pytest -m "not integration and not slow"

test-integration: venv system-deps
	$(PY) -m pytest -m integration

lint: venv
	$(VENV)/bin/ruff check .

clean:  ## stop the server and delete .local (all local data)
	-$(PY) -m devtools.embedded_pg stop
	rm -rf .local
