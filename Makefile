# The two commands a new machine needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint format docs load sample lock perf perf-load perf-refresh perf-flags perf-import perf-dashboard perf-report clean

PORT ?= 8501
# Local mode gives whoever can reach the dashboard every role: serve it to this machine only
# unless sign-in is set up (see README, The dashboard), then ADDRESS=0.0.0.0 make run.
ADDRESS ?= 127.0.0.1
CHROMIUM := /usr/bin/chromium

# Bootstrap the environment, load the sample returns and the published statistics kept in
# data/reference/dfe, refresh and publish the marts, and serve the dashboard at
# http://localhost:$(PORT) (stop it with Ctrl+C).
run: $(STAMP)
	$(BIN)/pqa load data/raw/sample/*
	$(BIN)/pqa benchmarks load data/reference/dfe/*.csv
	$(BIN)/pqa benchmarks neighbours
	$(BIN)/pqa refresh
	$(BIN)/streamlit run dashboard/app.py --server.port $(PORT) --server.headless true \
		--server.address $(ADDRESS) --browser.gatherUsageStats false

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n auto

# Everything but the slow tests (refreshes, the real server and browser): a quick check while
# working. `make test` is the whole suite.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not slow"

# Style: ruff (lint and format) on the Python, sqlfluff on the dbt models and macros. CI runs it
# before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros

# Let ruff format the Python and fix what it can.
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rewrite the tables in docs/ that are generated from the code (a test fails when they drift).
docs: $(STAMP)
	$(BIN)/python docs/generate.py

# The browser test drives Debian's Chromium (Playwright cannot download its own browser here).
$(CHROMIUM):
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium

# Rebuild the environment whenever the lock or the project's metadata change.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Regenerate the sample returns in data/raw/sample from the deterministic generator.
sample: $(STAMP)
	$(BIN)/pqa sample --out data/raw/sample --replace

# Time loading one quarterly return (the command's own work).
perf-load: $(STAMP)
	$(BIN)/python perf/load_one_return.py

# Time `pqa refresh` step by step on the sample data, against `dbt build` alone.
perf-refresh: $(STAMP)
	$(BIN)/python perf/refresh.py

# How cost grows with areas and quarters: load, refresh, SQL floor, dashboard pages, validating
# one return, at the sample's scale, a region and every English authority (about 15 minutes).
perf: $(STAMP)
	$(BIN)/python perf/scale.py

# Pages in a real browser (first visit, move between pages) and the server's memory over 200
# sessions; fails if the memory grows more than 20% after the first 10 sessions.
perf-dashboard: $(STAMP) $(CHROMIUM)
	$(BIN)/python perf/dashboard.py

# How long `pqa report` takes on the sample: a first build (every chart drawn) and a second.
perf-report: $(STAMP)
	$(BIN)/python perf/report.py

# Recall and false alarms of the flag engine on its labelled synthetic test set.
perf-flags: $(STAMP)
	$(BIN)/python perf/flag_quality.py

# Time importing every published statistics file (a folder of them: FOLDER=...).
perf-import: $(STAMP)
	$(BIN)/python perf/benchmarks_import.py $(FOLDER)

# Re-resolve every dependency from pyproject.toml's ranges into requirements.lock.
lock:
	rm -rf build/lock-env && $(PYTHON) -m venv build/lock-env
	build/lock-env/bin/pip install --quiet --disable-pip-version-check ".[test]"
	{ sed -n '1,3p' requirements.lock; build/lock-env/bin/pip freeze --exclude pqa; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) build
