# The two set-up commands of the README: `make serve` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
DEV_ENV := DJANGO_DEBUG=1

.PHONY: serve test test-sqlite test-postgres lint bench-import catalogues messages

# Two stamps: serving needs only the runtime dependencies, read from pyproject.toml (manage.py
# runs from the checkout, so nothing is built); the editable install and the test tools
# (Playwright, Schemathesis, moto...) come with the first `make test`.
$(VENV)/.installed-serve: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# A current pip resolves and installs about twice as fast as the one venv bundles.
	$(VENV)/bin/pip install -q --upgrade pip
	$(PY) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > $(VENV)/requirements-serve.txt
	$(VENV)/bin/pip install -q -r $(VENV)/requirements-serve.txt
	touch $@

$(VENV)/.installed: $(VENV)/.installed-serve
	$(VENV)/bin/pip install -q -e ".[test]"
	touch $@

# The compiled translation catalogues (locale/*/LC_MESSAGES/*.mo, not committed) from the .po files.
catalogues: $(VENV)/.installed-serve
	$(PY) manage.py compile_catalogues

# After changing or adding interface strings: gather them into the .po files, then translate
# the new entries (tests/test_i18n.py fails while one is missing, untranslated or fuzzy).
MESSAGES_IGNORE := -i .venv -i node_modules -i tests -i staticfiles -i media -i artifacts
messages: $(VENV)/.installed-serve
	$(PY) manage.py makemessages -l de -l ar --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -d djangojs -l de -l ar --no-obsolete --add-location=file \
		$(MESSAGES_IGNORE)

# Serve the site on SQLite with the seeds imported (idempotent: unchanged seeds are skipped), and
# beside it the task queue's worker (webhooks, WebSub pings, Web Push), stopped with the server.
serve: $(VENV)/.installed-serve catalogues
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py import_seeds
	$(DEV_ENV) $(PY) manage.py db_worker --queue-name '*' --interval 0.5 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST)

# The whole suite on SQLite, then again on PostgreSQL (skipped with a reason where none can run).
test: test-sqlite test-postgres

test-sqlite: $(VENV)/.installed catalogues
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

test-postgres: $(VENV)/.installed catalogues
	bash scripts/ci_postgres.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench-import: $(VENV)/.installed
	$(PY) scripts/bench_import.py
