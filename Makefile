# The two commands of the contract: `make run` (demo on SQLite) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test venv system-deps translations lint worker beat bench messages clean

$(STAMP): requirements.txt requirements-dev.txt scripts/check_python.py
	@$(PYTHON) scripts/check_python.py
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

# The .mo catalogues are built from the .po files (not kept in git); only stale ones are rewritten.
translations: $(STAMP)
	@$(PY) scripts/compile_messages.py

run: $(STAMP) translations
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# Browser tests need Debian's chromium; QR tests need zbarimg and pdftoppm.
system-deps:
	@bash scripts/system_deps.sh

test: $(STAMP) system-deps translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: $(STAMP) translations
	$(VENV)/bin/celery -A smartvillage worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A smartvillage beat --loglevel=INFO

bench: $(STAMP) translations
	@bash scripts/bench_deps.sh
	$(PY) bench/run.py $(BENCH_ARGS)

# Refreshes the .po catalogues from the code; needs GNU gettext (developers only).
messages: $(STAMP)
	DEBUG=true $(PY) manage.py makemessages -l vi --ignore=.venv --ignore=staticfiles
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) staticfiles
