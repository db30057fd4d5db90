# Passerelle: `make run` indexes corpus/ and serves; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
INDEX ?= var/index
CORPUS ?= corpus

.PHONY: run index test lint bench bench-against eval eval-align soak cluster-test lexicon clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

eval: $(STAMP)
	$(BIN)/python -m bench.eval

# Translated documents found, aligned and learned from at index time, on the Canadian laws (issue 28);
# keeps its index in var/align-eval/, never part of `make test`.
eval-align: $(STAMP)
	$(BIN)/python -m bench.align_eval

# Long measurements, never part of `make test`: speed (issue 6), then fuzzing and load (issue 7).
bench: $(STAMP)
	$(BIN)/python -m bench.perf
	$(BIN)/python -m bench.fuzz
	$(BIN)/python -m bench.load

# An hour of searches at two clients, the server's memory sampled (issue 27): make soak SOAK_MINUTES=60
SOAK_MINUTES ?= 60
soak: $(STAMP)
	$(BIN)/python -m bench.soak --minutes $(SOAK_MINUTES) --clients 2

# HAProxy and three replicas fed by one indexer, under load (issue 19; deploy/README.md), ~5 min.
cluster-test: $(STAMP)
	bash .ci/install-haproxy
	$(BIN)/python -m bench.cluster

# Search latency of this checkout against another revision, in one run: make bench-against AGAINST=<rev>
AGAINST ?= main
bench-against: $(STAMP)
	$(BIN)/python -m bench.perf_against --against $(AGAINST)

# The dictionary lexicon that ships (indexer/crosslang/data/), rebuilt from Debian's FreeDict and
# Apertium packages (.ci/install-dictionaries, as root); commit the result.
lexicon: $(STAMP)
	bash .ci/install-dictionaries
	$(BIN)/python -m indexer.crosslang.dictionaries

index: $(STAMP)
	$(BIN)/passerelle index --corpus $(CORPUS) --index $(INDEX) || test $$? -eq 3

run: index
	$(BIN)/passerelle serve --host $(HOST) --port $(PORT) --index $(INDEX)

# ruff: the lint rules and the format of pyproject.toml, on the whole tree (`ruff format .` fixes the format).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	bash .ci/install-browser
	bash .ci/install-freedict
	bash .ci/install-axe
	$(BIN)/python -m pytest

clean:
	rm -rf var .pytest_cache
