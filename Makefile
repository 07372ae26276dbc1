# The two commands a newcomer needs are `make run` and `make test`; the rest serve them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run reset test lint check migrations-check pytest fixtures superuser ci clean messages bench serve load load-downloads

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

fixtures: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py reindex_search -v0
	$(BIN)/python manage.py load_article
	$(BIN)/python manage.py populate_history --auto

superuser: install
	$(BIN)/python manage.py ensure_admin

run: fixtures superuser
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Start over: empty the database (records, history, staff accounts) and load the article again.
# Asks for confirmation; `make reset YES=1` (or CI=true) does not ask.
reset: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py flush $(if $(filter 1 true yes,$(YES) $(CI)),--no-input)
	$(MAKE) fixtures superuser

lint: install-dev
	$(BIN)/ruff check .

check: install-dev
	$(BIN)/python manage.py check

migrations-check: install-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint check migrations-check pytest

ci: test

clean:
	rm -rf $(VENV) staticfiles tests/artifacts

# Refresh the translation catalogues after changing user-facing text (needs gettext), then fill in
# locale/en/LC_MESSAGES/django.po; the compiled .mo files are committed so running needs no gettext.
messages: install-dev
	$(BIN)/python manage.py makemessages -l ru -l en -i ".venv/*" -i "tests/*"
	$(BIN)/python manage.py compilemessages -i .venv

# Production locally: DEBUG off, collectstatic, gunicorn with WhiteNoise. Plain http on
# localhost, so the HTTPS-only protections are off here; set SECRET_KEY to keep sessions.
SERVE_ENV = DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0

serve: install
	$(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	$(SERVE_ENV) $(BIN)/python manage.py reindex_search -v0
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input -v0
	$(SERVE_ENV) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_WORKERS:-2} --threads 4 --timeout $${WEB_TIMEOUT:-120} \
		--access-logfile -

# Concurrent clients against gunicorn on loopback for 30 s, with the article alone and with 20 000
# generated institutions (LOAD_RECORDS=0,20000), LOAD_ROUNDS times in turn, median p95 compared
# (DATABASE_URL for PostgreSQL). The workers share the local Redis as deployed (REDIS_URL; set it
# empty for each worker's own local-memory cache).
load: install-dev
	REDIS_URL=$${REDIS_URL-redis://127.0.0.1:6379/1} $(BIN)/python -m benchmarks.load \
		--records $${LOAD_RECORDS:-0,20000} --rounds $${LOAD_ROUNDS:-3}

# Pages served beside a download being written, in the worker and apart from it (preparing.py).
load-downloads: install-dev
	$(BIN)/python -m benchmarks.downloads_apart

# Speed at scale: ratios against baselines timed in the same run (BENCH_SIZES=small,import,large).
bench: install-dev
	$(BIN)/python -m benchmarks.run
