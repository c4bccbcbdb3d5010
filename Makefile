# The two commands of the README's quick start, plus a few conveniences.
.PHONY: run test lint bench

run:   ## set up (venv, install, migrate, demo data) and start web + worker + beat
	@bin/run

test:  ## set up (venv, install) and run the whole test suite
	@bin/test

lint:
	@.venv/bin/ruff check . && .venv/bin/lint-imports

bench:
	@bin/bench
