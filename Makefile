# The two commands of the contract: `make run` (demo on SQLite) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test venv system-deps lint worker beat bench messages clean

$(STAMP): requirements.txt requirements-dev.txt scripts/check_python.py
	@$(PYTHON) scripts/check_python.py
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# Browser tests need Debian's chromium; QR tests need zbarimg and pdftoppm.
system-deps:
	@bash scripts/system_deps.sh

test: $(STAMP) system-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: $(STAMP)
	$(VENV)/bin/celery -A smartvillage worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A smartvillage beat --loglevel=INFO

bench: $(STAMP)
	@bash scripts/bench_deps.sh
	$(PY) bench/run.py $(BENCH_ARGS)

# Needs GNU gettext (developers only; the compiled .mo files are committed).
messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages -l vi --ignore=.venv --ignore=staticfiles
	DEBUG=true $(PY) manage.py compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
