# `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run migrate lint test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when pyproject.toml changes, so `make install` is cheap to repeat.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(BIN)/alembic upgrade head

run: migrate
	$(BIN)/python app.py

lint: install
	$(BIN)/ruff check .

# The suite runs on SQLite (two workers: each test has its own database file), then the tests that use a
# database run again on PostgreSQL wherever 127.0.0.1:5432 answers (two workers, each with a database of its
# own: test_gw0, test_gw1); the rest would only repeat themselves (tests/conftest.py).
test: lint
	$(BIN)/python -m pytest -q -n 2
	@url=$$($(BIN)/python -m tests.postgres_url); \
	if [ -n "$$url" ]; then \
		echo "== the tests that use a database again, on PostgreSQL ($$url)"; \
		TEST_DATABASE_URL=$$url $(BIN)/python -m pytest -q -n 2; \
	else \
		echo "PostgreSQL is not answering on 127.0.0.1:5432: ran on SQLite only"; \
	fi

# Speed targets live here, not in the tests; writes bench/RESULTS.md.
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info
