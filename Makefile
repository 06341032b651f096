# The front door. `make reports` and `make test` each set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := kamlib

.PHONY: browser reports test lint lab refresh-notebooks refresh-regression bench clean help messages

help:
	@echo "make reports            build one report per branch of the bundled sample into reports/ (Chinese: reports/zh/)"
	@echo "make test               lint, type-check and run the whole test suite"
	@echo "make lab                JupyterLab with the kamlib kernel (notebooks/; the branch report is kamlib/notebooks/)"
	@echo "make refresh-notebooks  after an intended change: update each .ipynb from its .py twin, re-execute"
	@echo "                        and strip it, then refresh the expected numbers of tests/regression/"
	@echo "make refresh-regression only the expected numbers of tests/regression/"
	@echo "make bench              run the benchmarks (not part of make test)"

# The venv, kamlib with pinned dependencies, and a named kernel inside the venv.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[notebooks,test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (kamlib)" >/dev/null
	touch $(STAMP)

# the English edition of the bundled sample, and the Chinese edition of the same operator
# with Chinese names (generated: same seed, same numbers) in reports/zh/
reports: $(STAMP)
	$(BIN)/kam report data --out reports
	$(BIN)/kam synth build/sample-zh --accounts 2000 --seed 7 --names zh >/dev/null
	$(BIN)/kam report build/sample-zh --lang zh --out reports/zh

lint: $(STAMP)
	$(BIN)/ruff check kamlib tests tools benchmarks notebooks conftest.py
	$(BIN)/ruff format --check kamlib tests tools benchmarks notebooks conftest.py
	$(BIN)/mypy

# Debian's chromium and CJK fonts for the rendering tests (installs only what is missing)
browser:
	bash tools/install_browser.sh

# --durations: the slowest tests in every CI log, so the 5-minute budget is watched;
# -n 2 --dist loadfile: two workers (the machine's two cores), each test file on one, so
# a file's module fixtures are built once
test: lint browser
	$(BIN)/python -m pytest tests kamlib notebooks --nbval --doctest-modules --durations=15 \
		-n 2 --dist loadfile \
		--nbval-kernel-name $(KERNEL) --nbval-sanitize-with tests/nbval_sanitize.cfg

# at the top of the repository, so both notebooks/ and kamlib/notebooks/ can be opened
lab: $(STAMP)
	$(BIN)/jupyter lab

refresh-notebooks: $(STAMP)
	$(BIN)/python tools/refresh_notebooks.py
	$(MAKE) refresh-regression

# metrics.json and every table of two sample branches' reports (tests/test_regression.py)
refresh-regression: $(STAMP)
	$(BIN)/python -m pytest tests/test_regression.py --refresh-regression -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf reports/*/ reports/index.html reports/summary.json .pytest_cache

# the message catalogue: every tr()/ntr()/N_() text of kamlib into the template, then the
# Chinese catalogue updated from it (new messages untranslated, changed ones fuzzy)
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k tr -k ntr:1,2 -k N_ \
		-o kamlib/locale/kamlib.pot --project kamlib kamlib
	test -f kamlib/locale/zh_CN/LC_MESSAGES/kamlib.po || $(BIN)/pybabel init \
		-D kamlib -i kamlib/locale/kamlib.pot -d kamlib/locale -l zh_CN
	$(BIN)/pybabel update --no-fuzzy-matching -D kamlib -i kamlib/locale/kamlib.pot -d kamlib/locale
