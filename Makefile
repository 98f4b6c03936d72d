# Omni: the two commands that set everything up on a fresh machine are `make demo` and
# `make test`. Both create .venv and install what they need.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's emails point at the server make demo starts (override for a proxy).
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: demo test install lint format migrate seed serve up clean bench lock messages catalogues

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv

# Reinstall when pyproject.toml or the lock changes. requirements.lock pins every package to
# the versions CI tested (`make lock` regenerates it after a change to pyproject.toml).
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(UV) pip install --quiet --python $(PY) -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The translation catalogues, compiled in pure Python (babel): locale/*/LC_MESSAGES/*.mo.
catalogues: install
	$(PY) manage.py catalogues_compile -v0

# Re-extract every marked string into locale/<lang>/LC_MESSAGES/django.po and djangojs.po
# (needs GNU gettext: apt-get install gettext), then compile. docs/i18n.md.
MESSAGES_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=media --ignore=var --ignore=tests --ignore=omni.egg-info
messages: install
	$(PY) manage.py makemessages -l th -l fa -l fil -l vi $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -d djangojs -l th -l fa -l fil -l vi $(MESSAGES_IGNORE) --ignore=static/js/htmx.min.js
	$(PY) manage.py catalogues_compile

# make demo MARKET=th (vn, ph, ir, us): that country's demo chain, seeded and served with
# OMNI_MARKET set, in a database and a media folder of its own (var/demo-th.sqlite3,
# var/media-th; DATABASE_URL / MEDIA_ROOT still win) so switching markets mixes nothing.
# Without MARKET: the install's market (US unless OMNI_MARKET says) in db.sqlite3.
MARKET ?=
MARKET_CODE := $(shell echo '$(MARKET)' | tr 'A-Z' 'a-z')
ifneq ($(MARKET_CODE),)
ifeq ($(filter $(MARKET_CODE),us th vn ph ir),)
$(error MARKET=$(MARKET): expected one of us, th, vn, ph, ir)
endif
DEMO_ENV := OMNI_MARKET=$(shell echo '$(MARKET_CODE)' | tr 'a-z' 'A-Z') \
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/var/demo-$(MARKET_CODE).sqlite3}" \
	MEDIA_ROOT="$${MEDIA_ROOT:-$(CURDIR)/var/media-$(MARKET_CODE)}"
DEMO_SEED_ARGS := --market $(MARKET_CODE)
endif

demo: install catalogues
	$(if $(DEMO_ENV),@mkdir -p var)
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo --scale small $(DEMO_SEED_ARGS)
	@echo "Omni is serving on http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	$(DEMO_ENV) SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

# Serial by default (measured faster on a busy 2-core machine: README); PYTEST_ARGS="-n 4"
# runs it in parallel with pytest-xdist, one test database per worker.
PYTEST_ARGS ?=
test: install catalogues
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lock: | $(PY)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements.lock

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: install
	$(PY) manage.py migrate --noinput

# Web (gunicorn), a Celery worker and beat, against DATABASE_URL and REDIS_URL; worker and
# beat run under omni.respawn, which restarts them if they exit (honcho does not).
up: install catalogues
	@test -n "$$REDIS_URL" || { echo "make up needs REDIS_URL (and DATABASE_URL) set: see README"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0  # whitenoise serves the hashed files when DEBUG is off
	@# /metrics adds up every process of this machine from here; emptied at each start.
	rm -rf var/prometheus && mkdir -p var/prometheus
	PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/var/prometheus} $(VENV)/bin/honcho start

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles var media
