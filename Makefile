# The front door. `make reports` and `make test` each set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := kamlib

.PHONY: reports test lint lab refresh-notebooks bench clean help

help:
	@echo "make reports            build one report per branch of the bundled sample into reports/"
	@echo "make test               lint, type-check and run the whole test suite"
	@echo "make lab                JupyterLab on notebooks/ with the kamlib kernel"
	@echo "make refresh-notebooks  re-execute the stored notebooks after an intended change"
	@echo "make bench              run the benchmarks (not part of make test)"

# The venv, kamlib with pinned dependencies, and a named kernel inside the venv.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[notebooks,test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (kamlib)" >/dev/null
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/kam report data --out reports

lint: $(STAMP)
	$(BIN)/ruff check kamlib tests tools benchmarks conftest.py
	$(BIN)/ruff format --check kamlib tests tools benchmarks conftest.py
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest tests kamlib notebooks --nbval --doctest-modules \
		--nbval-kernel-name $(KERNEL) --nbval-sanitize-with tests/nbval_sanitize.cfg

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

refresh-notebooks: $(STAMP)
	$(BIN)/python tools/refresh_notebooks.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf reports/*/ reports/index.html reports/summary.json .pytest_cache
