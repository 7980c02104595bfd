# The two README commands. Everything else is a `sqms` subcommand.
.PHONY: run test

run:  ## install sqms, load the demo organisation and serve http://127.0.0.1:8000
	@bash scripts/run.sh

test:  ## install test dependencies, lint, type-check, run the suite on SQLite and PostgreSQL
	@bash scripts/test.sh
