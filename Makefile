# Two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= 1

.PHONY: run test setup lint messages clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# The browser tests inject axe-core (npm registry, pinned in package-lock.json) into the pages they check.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package-lock.json
	@if command -v npm >/dev/null; then npm ci --silent && touch $(AXE); \
	else echo "npm not found: the accessibility checks will be skipped (required with CI=true)"; fi

setup: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput -v 0

# Serves http://127.0.0.1:8000 with demo data; background jobs run in a local worker.
run: setup
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py load_demo
	@bash scripts/run.sh

test: setup $(AXE)
	@bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

# Refresh the translation catalogues after changing user-visible strings.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr -l de -l es --ignore=.venv --ignore=var --ignore=node_modules
	$(BIN)/python manage.py makemessages -d djangojs -l fr -l de -l es --ignore=.venv --ignore=var --ignore=node_modules
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var $(VENV)
