# tsunagu: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install keys lint typecheck migrations-check pytest browser messages clean

$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

install: $(STAMP)

keys:
	@$(PYTHON) scripts/init-local-keys

run: install keys
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py load_areas --if-empty | tail -n 1
	@$(PY) manage.py seed_demo
	@$(PY) manage.py seed_directory_demo
	@$(PY) manage.py seed_consultation_demo
	@$(PY) manage.py seed_referral_demo
	@echo "tsunagu is serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	@$(PY) manage.py runserver 127.0.0.1:8000

browser:
	@bash scripts/install-browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install keys
	$(VENV)/bin/mypy .

migrations-check: install keys
	$(PY) manage.py makemigrations --check --dry-run

pytest: install keys browser
	$(VENV)/bin/pytest --create-db --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

test: lint typecheck migrations-check pytest

messages: install
	$(PY) manage.py makemessages -l ja --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*'
	# The portal's other languages (locale/ja_Easy, やさしい日本語, is edited by hand: docs/portal.md).
	$(PY) manage.py makemessages -l zh_Hans -l ko -l vi -l pt_BR --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/static var/test*.sqlite3*

# Public portal: page weight and Lighthouse (mobile) with 100,000 services (bench/README.md).
# BENCH_ARGS=--reuse keeps the database of an earlier run; the results go to stdout as Markdown.
.PHONY: bench-portal
bench-portal: install
	@bash scripts/install-lighthouse
	@export TSUNAGU_VAR_DIR="$${TSUNAGU_VAR_DIR:-$(CURDIR)/var/bench}" && $(PYTHON) scripts/init-local-keys >/dev/null \
		&& $(PY) bench/portal.py $(BENCH_ARGS)
