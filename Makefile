# The commands a developer needs; README.md shows the two a new user runs.
.PHONY: setup demo sim test lint typecheck check bench clean

setup:
	@scripts/setup

demo: setup
	.venv/bin/reolink-bridge demo

sim: setup
	.venv/bin/reolink-bridge sim --cameras 5 --port 8001

test: setup
	.venv/bin/python -m pytest

lint: setup
	.venv/bin/ruff check bridge tests bench
	.venv/bin/ruff format --check bridge tests bench

typecheck: setup
	.venv/bin/mypy

check: lint typecheck test

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
