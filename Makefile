# One command installs and runs the demo, one installs and runs every test and check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean lock

# The versions tested are pinned in constraints.txt: a new release cannot break `make test`.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/baocao demo

lint: $(STAMP)
	$(BIN)/ruff check reports tests bench
	$(BIN)/ruff format --check reports tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite is spread over the machine's cores (pytest-xdist; one worker more than the cores, see
# tests/conftest.py; each worker has its own temporary folders, PostgreSQL schemas, ports and
# LibreOffice). `make test TEST_WORKERS=0` runs it in one
# process; a single file runs alone as usual: `.venv/bin/pytest tests/test_cli.py`.
TEST_WORKERS ?= auto

test: $(STAMP) lint
	$(BIN)/pytest -q -ra -n $(TEST_WORKERS) --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/run.py

# After raising a dependency in pyproject.toml: install it (pip install -e '.[dev]' -U NAME),
# run `make test`, then pin what passed.
lock: $(STAMP)
	{ grep '^#' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^-e '; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
