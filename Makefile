# Thin wrappers around the l1bench CLI. `make bench` runs the default suite and renders the report.
L1BENCH := node bin/l1bench.js
DB ?= results.db
# the suite `make bench` and `make check` run (harness/suites/<name>.json): make bench SUITE=compression
SUITE ?= default

.PHONY: install test typecheck bench quick report figures check clean

install:
	npm ci

test:
	npm test

typecheck:
	npx tsc --noEmit -p .

bench:
	$(L1BENCH) bench --suite $(SUITE) --db $(DB)
	$(L1BENCH) report --db $(DB) --out report

quick:
	$(L1BENCH) bench --suite quick --db $(DB)

report:
	$(L1BENCH) report --db $(DB) --out report

figures:
	$(L1BENCH) figures --db $(DB) --out figures

check:
	$(L1BENCH) check --suite $(SUITE) --db $(DB)

clean:
	rm -rf report figures .tap results.db results.db-wal results.db-shm results.db.lock
