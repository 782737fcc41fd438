# The two commands the README starts with: `make run` and `make test`.
# `make run` installs only what the app needs; `make test` adds the test tools, chromium, a CJK font
# and PostgreSQL (the store tests start a throwaway server themselves, or use $SELFEVAL_TEST_PG).
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: setup setup-dev run test lint bench screenshots

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh --dev

run: setup
	$(PY) -m selfeval init
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: setup-dev
	$(PY) -m ruff check selfeval tests app.py views bench scripts
	$(PY) -m pytest -n 2 -p no:cacheprovider

lint: setup-dev
	$(PY) -m ruff check selfeval tests app.py views bench scripts
	$(PY) -m ruff format --check selfeval tests app.py views bench scripts

bench: setup-dev
	$(PY) -m bench

screenshots: setup-dev
	$(PY) scripts/screenshots.py
