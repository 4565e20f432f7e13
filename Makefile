# bksbmis: `make demo` runs everything on embedded defaults; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_WORKERS ?= 2
# These targets are for development: they run on the embedded defaults (keys made
# under ./var), which need DEBUG on. Production (docker compose, .env) has it off.
export DEBUG ?= True

.PHONY: demo test lint format requirements vendor bench bench-list bench-import bench-tab bench-bulk bench-watch bench-status bench-unmatched bench-levels bench-match bench-reports bench-scale bench-staff-first bench-create bench-ilr bench-aims bench-audit-sample venv venv-dev clean

# Installs are hash-checked: the requirements*.txt files pin every package, transitive
# ones included, with its hashes (compiled from the *.in files by `make requirements`).
$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

# pip itself first, at the version requirements-pip.txt pins.
$(VENV)/.pip: requirements-pip.txt | $(VENV)/bin/activate
	$(PY) -m pip install --quiet --require-hashes -r requirements-pip.txt
	touch $@

$(VENV)/.runtime: requirements.txt | $(VENV)/.pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

# requirements-dev.txt is the whole set: the runtime one at the same versions, plus the tools.
$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/.pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(VENV)/.runtime $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

## Set up and run the whole thing (web, worker, beat, bksb sandbox) on embedded defaults.
demo: venv
	bin/demo

## Set up and run the whole test suite (SQLite and the filesystem broker unless
## DATABASE_URL / REDIS_URL are set; REQUIRE_SERVICES=1 makes missing services fail).
test: venv-dev
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## mypy checks the packages listed in pyproject.toml ([tool.mypy] files).
lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Compile requirements*.in into the hash-pinned requirements*.txt, for Python 3.11 on
## Linux x86_64. Pins already in a .txt are kept unless UV_ARGS says otherwise, e.g.
## UV_ARGS="--upgrade-package urllib3" (one package) or UV_ARGS="--upgrade" (everything
## not pinned in a .in file).
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make requirements" $(UV_ARGS)

requirements: venv-dev
	$(UV_COMPILE) requirements-pip.in -o requirements-pip.txt
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

## Front-end packages: package.json pins them, package-lock.json holds their hashes. `make vendor`
## installs them from the npm registry and copies what the pages load into static/vendor/, where
## it is committed with its licences (so `make demo` needs nothing but Python). The source-map
## comment is dropped: the map is not shipped, and the manifest storage would look for it.
## axe-core is a devDependency: only the accessibility browser tests load it, from tests/browser/vendor/.
VENDOR := static/vendor
TEST_VENDOR := tests/browser/vendor

vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(VENDOR)/chartjs
	sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.min.js > $(VENDOR)/chartjs/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md $(VENDOR)/chartjs/LICENSE.md
	cp node_modules/@kurkle/color/LICENSE.md $(VENDOR)/chartjs/LICENSE-kurkle-color.md
	node -e 'const p=require("./node_modules/chart.js/package.json");require("fs").writeFileSync("$(VENDOR)/chartjs/VERSION",p.name+" "+p.version+"\n")'
	mkdir -p $(VENDOR)/htmx
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/htmx.min.js
	cp node_modules/htmx.org/LICENSE $(VENDOR)/htmx/LICENSE
	node -e 'const p=require("./node_modules/htmx.org/package.json");require("fs").writeFileSync("$(VENDOR)/htmx/VERSION",p.name+" "+p.version+"\n")'
	mkdir -p $(TEST_VENDOR)/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE node_modules/axe-core/LICENSE-3RD-PARTY.txt $(TEST_VENDOR)/axe-core/
	node -e 'const p=require("./node_modules/axe-core/package.json");require("fs").writeFileSync("$(TEST_VENDOR)/axe-core/VERSION",p.name+" "+p.version+"\n")'

## Benchmarks print numbers; they are never timed tests. They need PostgreSQL
## (and Redis for the bulk run); each uses a database of its own, created if missing.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_REDIS ?= redis://127.0.0.1:6379/9
# The benchmarks' sandbox answers on 127.0.0.1, which the BKSB API url may not be without this.
bench bench-list bench-import bench-tab bench-bulk bench-watch bench-status bench-unmatched bench-levels bench-match bench-reports bench-scale bench-staff-first bench-create: export BKSB_ALLOW_PRIVATE_API_URL = True

bench: bench-list bench-import bench-tab bench-bulk bench-watch bench-status bench-unmatched bench-levels bench-match bench-reports bench-scale bench-staff-first bench-create bench-ilr bench-aims bench-audit-sample

bench-list: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench $(PY) benchmarks/learner_list.py --learners 50000

## BENCH_IMPORT_ARGS e.g. "--rows 100000 --job" (the web page's chunked job; default 10,000 rows by the command)
BENCH_IMPORT_ARGS ?= --rows 10000

bench-import: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_import 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_import $(PY) manage.py migrate --verbosity 0
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_import $(PY) benchmarks/import_learners.py $(BENCH_IMPORT_ARGS)

## The ILR import as the job: 50,000 learners (150,000 aims), memory against a file a tenth the size, and the
## learner list with the programme filters at that size. BENCH_ILR_ARGS e.g. "--learners 5000".
BENCH_ILR_ARGS ?= --learners 50000

bench-ilr: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_ilr 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_ilr $(PY) manage.py migrate --verbosity 0
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_ilr $(PY) benchmarks/ilr_import.py $(BENCH_ILR_ARGS)

## The learner list's programme filters at 50,000 learners with 150,000 aims (made once, in SQL, then kept).
## BENCH_AIMS_ARGS e.g. "--explain" (each case's slowest query, EXPLAIN ANALYZE).
bench-aims: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_aims 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_aims $(PY) benchmarks/programme_filters.py $(BENCH_AIMS_ARGS)

bench-tab: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_tabbench 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_tabbench $(PY) manage.py migrate --verbosity 0
	DATABASE_URL=$(BENCH_PG)/bksbmis_tabbench $(PY) benchmarks/bksb_tab.py

## Levels at a glance: summary rebuild, the store's extra cost, flag filters, an evidence pack.
## BENCH_LEVELS_ARGS e.g. "--learners 50000"
BENCH_LEVELS_ARGS ?= --learners 10000

bench-levels: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_levels $(PY) benchmarks/levels.py $(BENCH_LEVELS_ARGS)

## The auditor's sample pack: 30 learners drawn from 10,000 (results, ULNs, grades and aims), zipped as the job
## does it, the manifest checked; and distance travelled over the cohort. BENCH_AUDIT_ARGS e.g. "--repeat 3".
bench-audit-sample: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_audit $(PY) benchmarks/audit_sample.py $(BENCH_AUDIT_ARGS)

## BENCH_ARGS e.g. "--learners 50000 --latency-ms 0 --rate-limit 0 --skip-sequential"
bench-bulk: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_bulk REDIS_URL=$(BENCH_REDIS) $(PY) benchmarks/bulk_download.py $(BENCH_ARGS)

## A BKSB Results click while Get Results runs at the limit: when bksb sees its first request.
## BENCH_STAFF_ARGS e.g. "--learners 5000 --clicks 3" or "--trigger manual" or "--no-staff-worker"
bench-staff-first: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_staff REDIS_URL=$(BENCH_REDIS) $(PY) benchmarks/staff_first.py $(BENCH_STAFF_ARGS)

## Create bksb users: 500 records against a bksb limited to 4 requests/s (BENCH_CREATE_ARGS e.g. "--budget 12")
bench-create: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_create REDIS_URL=$(BENCH_REDIS) $(PY) benchmarks/create_users.py $(BENCH_CREATE_ARGS)

## Match learners: 5,000 unlinked records at 50 requests/s, one worker (BENCH_MATCH_ARGS e.g. "--learners 1000")
bench-match: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_match REDIS_URL=$(BENCH_REDIS) $(PY) benchmarks/match_learners.py $(BENCH_MATCH_ARGS)

## The watch list: a pass over 2,000 watched records, then the nightly incremental cost. BENCH_WATCH_ARGS e.g. "--records 5000"
BENCH_WATCH_ARGS ?= --records 2000

bench-watch: venv-dev
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_watch REDIS_URL=$(BENCH_REDIS) $(PY) benchmarks/watch_pass.py $(BENCH_WATCH_ARGS)

## Assessment status: the learner list's column and filter, and the Induction board
bench-status: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_status 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_status $(PY) benchmarks/assessment_status.py

## The unmatched report and the bksb summary page over 50,000 learners
bench-unmatched: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_unmatched 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_unmatched $(PY) benchmarks/unmatched_report.py --learners 50000

## The learner list filtered and sorted by bksb level, and Management > BKSB > Reports, at 50,000 learners
## with 810,000 results (made once, in SQL, then kept). BENCH_REPORTS_ARGS e.g. "--only report --repeat 30".
bench-reports: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_reports 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_reports $(PY) benchmarks/learner_levels.py --learners 50000 $(BENCH_REPORTS_ARGS)

# 100,000 learners, 2.16 million results, 540,000 sessions (issue 19): built once in SQL, then kept.
bench-scale: venv-dev
	createdb -h 127.0.0.1 -U postgres bksbmis_bench_scale 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG)/bksbmis_bench_scale $(PY) benchmarks/scale.py $(BENCH_SCALE_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
