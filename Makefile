# The commands a developer needs; README.md shows the two a new user runs.
.PHONY: setup demo sim test test-ha lint typecheck check bench screenshots clean

setup:
	@scripts/setup

demo: setup
	.venv/bin/reolink-bridge demo

sim: setup
	.venv/bin/reolink-bridge sim --cameras 5 --port 8001

# Two workers (pytest-xdist): tests marked `xdist_group(...)` stay together on one worker, in file
# order (tests/conftest.py says which and why). `PYTEST_WORKERS=0 make test` runs in one process.
PYTEST_WORKERS ?= 2
test: setup
	.venv/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# The Home Assistant custom integration's tests alone (`make test` runs them too, through
# tests/ha/test_custom_integration.py), in .venv-ha with the 95 % coverage gate.
test-ha: setup
	scripts/ha-venv
	cd tests_ha && ../.venv-ha/bin/python -m pytest -q --cov=custom_components.reolink_server \
		--cov-report=term-missing --cov-fail-under=95

lint: setup
	.venv/bin/ruff check bridge tests bench custom_components tests_ha
	.venv/bin/ruff format --check bridge tests bench custom_components tests_ha
	.venv/bin/lint-imports

typecheck: setup
	.venv/bin/mypy
	scripts/ha-venv
	.venv/bin/mypy --config-file custom_components/mypy.ini custom_components/reolink_server

check: lint typecheck test

# Each benchmark prints its table and compares against a baseline measured in the same run.
bench: setup
	.venv/bin/python bench/poll.py --cameras 1 50 200 --seconds 5
	.venv/bin/python bench/bridge_latency.py --cameras 10 100 500 --seconds 20
	.venv/bin/python bench/streams.py --seconds 10
	.venv/bin/python bench/recordings.py --cameras 20 --repeat 5
	.venv/bin/python bench/mqtt_publish.py
	.venv/bin/python bench/store.py
	.venv/bin/python bench/bus.py
	.venv/bin/python bench/writer.py --events 50000
	.venv/bin/python bench/api.py
	.venv/bin/python bench/web.py
	.venv/bin/python bench/failover.py --cameras 30 --kills 10 --seconds 20

# The README's pictures, from the dashboard tests' screenshots (tests write to artefacts/ only).
screenshots: setup
	.venv/bin/python -m pytest tests/web/test_web_pages.py tests/web/test_web_player.py -q -k "loads_clean or ptz_pad"
	cp artefacts/screenshots/dashboard-wide.png docs/images/dashboard.png
	cp artefacts/screenshots/camera-wide.png docs/images/camera.png
	cp artefacts/screenshots/camera-ptz-wide.png docs/images/camera-ptz.png
	cp artefacts/screenshots/dashboard-phone.png docs/images/dashboard-phone.png

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache web/node_modules web/dist artefacts

# The tables of docs/mqtt.md are written from the feature table (tests/test_docs_tables.py).
docs: setup
	.venv/bin/python -m bridge.domain.feature_docs docs/mqtt.md
