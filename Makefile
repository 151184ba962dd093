# Deskmate — two commands on a fresh machine:
#   make run    set everything up and run Deskmate on its embedded default (SQLite)
#   make test   set up whatever is missing and run the whole suite
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
RASA_VENV := .venv-rasa
RASA := $(RASA_VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# pip on some machines warns about index locations it cannot read; keep the output readable.
QUIET_PIP := 2>&1 | { grep -v "WARNING: Location" || true; }

.PHONY: help setup run test lint typecheck rasa-validate rasa-test pytest system-packages reset clean

help:
	@echo "make run    set up and start Deskmate (web chat on http://127.0.0.1:8000/)"
	@echo "make test   set up and run ruff, mypy, rasa validate/test and pytest"
	@echo "make reset  delete the local data (database, index, logs) under var/"

$(VENV)/.app-installed: requirements/app.txt pyproject.toml
	@echo "==> app environment ($(VENV)): torch (CPU) first, then the app's packages"
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip $(QUIET_PIP)
	$(VENV)/bin/pip install -q torch==2.13.0 $(QUIET_PIP)
	$(VENV)/bin/pip install -q -r requirements/app.txt $(QUIET_PIP)
	$(VENV)/bin/pip install -q --no-deps -e . $(QUIET_PIP)
	touch $@

$(VENV)/.dev-installed: $(VENV)/.app-installed requirements/dev.txt
	@echo "==> test tools in $(VENV)"
	$(VENV)/bin/pip install -q -r requirements/dev.txt $(QUIET_PIP)
	touch $@

# Rasa 3.6.21 declares Python <3.11; it runs on 3.11 with the pinned files in requirements/
# (installed without dependency resolution first, then its adapted requirements, constrained).
$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa-constraints.txt
	@echo "==> Rasa environment ($(RASA_VENV)): Rasa 3.6.21"
	test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --upgrade pip wheel $(QUIET_PIP)
	$(RASA_VENV)/bin/pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2 $(QUIET_PIP)
	$(RASA_VENV)/bin/pip install -q --prefer-binary -r requirements/rasa.txt -c requirements/rasa-constraints.txt $(QUIET_PIP)
	touch $@

setup: $(VENV)/.app-installed $(RASA_VENV)/.installed

run: setup
	$(VENV)/bin/deskmate up

# From Debian: headless Chromium for the browser tests (with a CJK font), docker-compose to
# validate docker-compose.yml.
system-packages:
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || { \
	  echo "==> installing chromium, chromium-driver, a CJK font and docker-compose with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-wqy-microhei docker-compose >/dev/null; }

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy

rasa-validate: $(RASA_VENV)/.installed
	$(RASA) data validate --config config.yml --domain domain --data data --fail-on-warnings

rasa-test: setup
	$(RASA) test core --stories tests/rasa --model "$$($(VENV)/bin/deskmate train --print-path)" \
	  --fail-on-prediction-errors --out results/rasa-core --no-plot

pytest: $(VENV)/.dev-installed setup system-packages
	mkdir -p results
	$(VENV)/bin/pytest --junitxml=results/pytest.xml

test: setup $(VENV)/.dev-installed system-packages lint typecheck rasa-validate rasa-test pytest

reset:
	rm -rf var

clean: reset
	rm -rf $(VENV) $(RASA_VENV) models results .pytest_cache .mypy_cache .ruff_cache
