# Switchboard: `make run` starts the whole system locally, `make test` runs every check.
# Both install what they need: Java and Maven (Debian packages), the virtualenv, Kafka's jars,
# and build the operators' console (npm ci, then Vite) into the gateway's package.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SWITCHBOARD_CACHE_DIR ?= $(CURDIR)/.cache
NPM ?= npm
CONSOLE_BUILT := services/console/static/console/index.html
CONSOLE_SOURCES := $(shell find console/src -type f) $(addprefix console/,index.html vite.config.ts tsconfig.json)

.PHONY: run test lint unit integration bench bench-mail chaos system-deps deps kafka-jars console console-deps clean

run: deps kafka-jars console
	$(BIN)/switchboard-dev run

# The suite runs on TEST_WORKERS processes, each with its own PostgreSQL and Kafka: most of a test's
# time is spent waiting on a broker, a database or a browser, so three keep two cores busy.
TEST_WORKERS ?= 3
test: lint kafka-jars console
	cd console && $(NPM) test --silent
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

lint: deps console-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd console && $(NPM) run --silent typecheck

# The console's dependencies exactly as locked, then its build; each redone only when its inputs change.
console: $(CONSOLE_BUILT)

console-deps: console/node_modules/.installed

console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && $(NPM) ci --no-audit --no-fund
	touch $@

$(CONSOLE_BUILT): console/node_modules/.installed $(CONSOLE_SOURCES)
	cd console && $(NPM) run --silent build

unit: deps console-deps
	cd console && $(NPM) test --silent
	$(BIN)/python -m pytest tests/unit

integration: deps kafka-jars
	$(BIN)/python -m pytest -m integration

# The full benchmark and the fault-injection run, each on its own Postgres and Kafka.
bench: deps kafka-jars
	$(BIN)/switchboard-bench pipeline

# Mails/s from a 5,000-mail backlog on a local Dovecot into the event store, beside its ceilings.
bench-mail: deps kafka-jars
	$(BIN)/switchboard-bench mail

# 100,000 widget messages through ten SIGKILLs, a broker restart and a database restart; prints its
# figures and checks. Smaller: make chaos MESSAGES=10000 KILLS=4; replay: make chaos SEED=n.
MESSAGES ?= 100000
RATE ?= 100
KILLS ?= 10
SEED ?=
chaos: deps kafka-jars
	$(BIN)/switchboard-bench chaos --messages $(MESSAGES) --rate $(RATE) --kills $(KILLS) $(if $(SEED),--seed $(SEED))

# Java 17+ runs Kafka; Maven fetches its jars from Maven Central.
system-deps:
	@if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then \
		echo "installing Java and Maven"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null; \
	fi
	@if ! command -v chromium >/dev/null; then \
		echo "installing Chromium (the browser of the console and widget tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@if ! command -v dovecot >/dev/null || ! command -v doveadm >/dev/null; then \
		echo "installing Dovecot (IMAP server for the mail tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	fi

deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

kafka-jars: deps system-deps
	$(BIN)/switchboard-dev kafka-jars --cache-dir '$(SWITCHBOARD_CACHE_DIR)'

clean:
	rm -rf $(VENV) .local .mypy_cache .ruff_cache console/node_modules services/console/static/console
