# AD Lens: every entry point a newcomer needs. Each target builds what it uses.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
EXT     := editor-extension

.PHONY: demo test test-py test-ext lint bench e2e fuzz clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## make demo: print the AD Lens cards for every file in examples/
demo: $(STAMP)
	$(BIN)/adlens check examples/*.py || test $$? -eq 1

## make test: lint, the Python test suite, and the extension's build and unit tests
test: lint test-py test-ext

lint: $(STAMP)
	$(BIN)/ruff check .

test-py: $(STAMP)
	$(BIN)/python -m pytest -q

test-ext:
	@if [ -f $(EXT)/package.json ]; then \
	  cd $(EXT) && npm ci --no-audit --no-fund && npm run build && npm test; \
	else echo "editor-extension: not built yet"; fi

## make bench: peers (autograd, torch, jax, micrograd) against ad_core, same run
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks

## make e2e: real VS Code (code-server) + headless Chromium; installs both
e2e: $(STAMP)
	bash $(EXT)/e2e/run.sh

## make fuzz: the long fuzzing run (robustness suite, and the systematic gradient check
## with 200 hypothesis examples per primitive and NumPy function)
fuzz: $(STAMP)
	ADLENS_FUZZ_LONG=1 $(BIN)/python -m pytest -q tests/robustness tests/ad_core/test_check_grads.py tests/sct/test_sct_crosscheck.py

clean:
	rm -rf $(VENV) $(EXT)/node_modules $(EXT)/dist
