# One command each on a fresh machine (Python 3.11+):
#   make report   - create .venv, install, import the snapshot, build output/<YYYY-MM>/
#   make test     - create .venv, install, run the full test suite (what CI runs)
PYTHON ?= python3
VENV ?= .venv
SNAPSHOT ?= ../shared/data/market
BIN := $(VENV)/bin

.PHONY: report test install bench clean

$(BIN)/reportgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/reportgen

report: install
	$(BIN)/reportgen import $(SNAPSHOT)
	$(BIN)/reportgen build $(BUILD_FLAGS)

test: install
	REPORTGEN_SNAPSHOT=$(SNAPSHOT) $(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) cache build *.egg-info
