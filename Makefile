# Two commands do all the set-up: `make test` and `make report` (each creates .venv when missing).
# Override the torch requirement with e.g. `make test TORCH=torch` (a CUDA build, several GB).
SHELL := /bin/bash
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.regime-lab-installed
NPROC ?= $(shell nproc 2>/dev/null || echo 2)
KERNEL := regime-lab

.PHONY: install test report sweep check-sync nbtest pytest readme export clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "regime_lab (.venv)" >/dev/null
	@touch $@

install: $(STAMP)

## make test: export in sync, notebooks clean, README fresh, exported cells short and checked; every notebook as a test; pytest
test: check-sync nbtest pytest

check-sync: $(STAMP)
	$(BIN)/python tools/check_sync.py
	$(BIN)/python tools/check_cells.py

# one thread per notebook: nbdev-test runs $(NPROC) notebooks at once, and torch/BLAS thread pools on the
# same cores slow small tensor ops by orders of magnitude. The experiment notebooks are run once, by pytest,
# through the report runner with their quick defaults (tests/test_reports.py), not a second time here.
nbtest: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/nbdev-test --n-workers $(NPROC) --timing --skip-folder-re "^(_|\.|experiments$$)"

# the papermill smoke runs are independent kernels: one per core, each on one BLAS/torch thread
pytest: $(STAMP)
	@OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest tests/ -q -n $(NPROC) --durations=10; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc

## make report: every notebook in nbs/experiments/ through papermill into reports/ (a failed one keeps its last good report; reports/index.html lists them)
report: $(STAMP)
	$(BIN)/regime-lab-report --experiments nbs/experiments --reports reports --kernel $(KERNEL) --jobs $(NPROC)

## make sweep SWEEP=regime_timing: every parameter set of reports/params/$(SWEEP).sweep.yaml on a dask LocalCluster (finished runs are skipped)
SWEEP ?= regime_timing
sweep: $(STAMP)
	$(BIN)/regime-lab-report --sweep $(SWEEP) --experiments nbs/experiments --reports reports --kernel $(KERNEL)

## developer helpers
export: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean

readme: $(STAMP)
	$(BIN)/python tools/render_readme.py

clean:
	rm -rf $(VENV) reports/_scratch reports/.tmp-*
