# The two commands the README starts with: `make run` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: setup run test lint bench screenshots

setup:
	bash scripts/setup.sh

run: setup
	$(PY) -m selfeval init
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT)

test: setup
	$(PY) -m ruff check selfeval tests app.py views bench scripts
	$(PY) -m pytest -n 2 -p no:cacheprovider

lint: setup
	$(PY) -m ruff check selfeval tests app.py views bench scripts
	$(PY) -m ruff format --check selfeval tests app.py views bench scripts

bench: setup
	$(PY) -m bench

screenshots: setup
	$(PY) scripts/screenshots.py
