# The two commands of the README, and a few for developers. Each bootstraps what it needs.
PY := .venv/bin/python

.PHONY: bootstrap demo test lint format plugin-zip translations screenshots

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	@scripts/demo.sh

test: bootstrap
	$(PY) -m ruff check backend plugin tests benchmarks
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: bootstrap
	$(PY) -m ruff check backend plugin tests benchmarks
	$(PY) -m ruff format --check backend plugin tests benchmarks

format: bootstrap
	$(PY) -m ruff format backend plugin tests benchmarks
	$(PY) -m ruff check --fix backend plugin tests benchmarks

plugin-zip: bootstrap
	$(PY) scripts/build_plugin_zip.py

translations: bootstrap
	$(PY) scripts/update_translations.py

screenshots: bootstrap
	QT_QPA_PLATFORM=offscreen $(PY) scripts/make_screenshots.py
	$(PY) scripts/desktop_session.py --out docs/screenshots
