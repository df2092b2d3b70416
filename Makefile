# PMO Challenge Tutor. `make run` and `make test` work on a fresh machine: they create the
# Python 3.10 virtual environment, install, build the spaCy pipeline and train when needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SPACY   := build/en_pmo/meta.json
MODEL   := models/pmo-tutor.tar.gz
READER  := build/manager_reader.pkl
DATA    := data/nlu data/stories data/rules
TRAINING := config.yml domain.yml $(wildcard data/nlu/*.yml data/stories/*.yml data/rules/*.yml)

# Rasa must not phone home (the machine may be offline) and is noisy by default.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

# Python 3.10 (Rasa 3.6 needs < 3.11): on PATH, or from pyenv, checked by running it.
PY310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: help install pipeline train run run-cluster cluster-packages test-scale test validate test-core test-unit test-e2e test-nlu evaluate bench screenshots mutate clean

help:
	@echo "make run       run the whole stack (action server, Rasa, web app; Telegram if TELEGRAM_BOT_TOKEN)"
	@echo "make run-cluster  the scaled-out stack: PostgreSQL, Redis, nginx, two Rasa replicas, two action servers"
	@echo "make test      run every test (unit, actions, rasa data validate, rasa test, end-to-end)"
	@echo "make test-scale   start the cluster, load it with 200 learners, kill a replica mid-run, check the store"
	@echo "make train     train the Rasa model if training data or config changed"
	@echo "make validate  rasa data validate"
	@echo "make evaluate  held-out NLU + evaluator evaluation -> results/evaluation/report.md"
	@echo "make bench     latency, throughput, start-up, training time and memory against plain Rasa"
	@echo "make screenshots  refresh the README's screenshots in docs/ (browser tests)"
	@echo "make mutate    mutation testing (mutmut) of the judging code, progress store and variants (slow, not CI)"

$(STAMP): pyproject.toml
	@test -n "$(PY310)" || { echo "Python 3.10 not found (python3.10 or ~/.pyenv/versions/3.10*)"; exit 1; }
	test -x $(BIN)/python || $(PY310) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	set -o pipefail; $(BIN)/python -m pip install -q -e '.[test]' 2>&1 | { grep -v "is ignored: it is neither" || true; }
	touch $@

install: $(STAMP)

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "chromium missing and no apt-get to install it"; exit 1; }
	apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }

$(SPACY): $(STAMP) bot/nlp/pipeline.py bot/nlp/patterns.py
	$(BIN)/python -m bot.nlp.pipeline build/en_pmo

pipeline: $(SPACY)

$(MODEL): $(SPACY) $(TRAINING)
	$(BIN)/rasa train --data $(DATA) --fixed-model-name pmo-tutor --out models --quiet
	@touch $@

# The manager level's own reader of process-design points (not part of the Rasa model).
$(READER): $(STAMP) bot/nlp/manager_reader.py $(wildcard data/nlu/*.yml data/nlu_manager/*.yml)
	$(BIN)/python -m bot.nlp.manager_reader
	@touch $@

train: $(MODEL) $(READER)

run: $(MODEL) $(READER)
	$(BIN)/pmo-tutor run --model $(MODEL)

# The cluster's servers come from Debian packages, installed when missing (apt-get, as root).
# policy-rc.d or not, the packages' own services are not used: bot/cluster.py runs its own
# instances with their data under var/cluster.
CLUSTER_PACKAGES := $(strip \
	$(if $(wildcard /usr/lib/postgresql/*/bin/postgres),,postgresql) \
	$(if $(wildcard /usr/bin/redis-server),,redis-server) \
	$(if $(wildcard /usr/sbin/nginx),,nginx))
cluster-packages:
ifneq ($(CLUSTER_PACKAGES),)
	@command -v apt-get >/dev/null || { echo "missing $(CLUSTER_PACKAGES) and no apt-get to install them"; exit 1; }
	apt-get install -y -q $(CLUSTER_PACKAGES) || { apt-get update -q && apt-get install -y -q $(CLUSTER_PACKAGES); }
endif

run-cluster: $(MODEL) $(READER) cluster-packages
	$(BIN)/python -m bot.cluster --model $(MODEL)

# Starts the cluster in the background, measures with one replica and with two, then loads it
# while a replica is killed; checks the store; stops the cluster. Writes results/scale/.
test-scale: $(MODEL) $(READER) cluster-packages
	$(BIN)/python scripts/test_scale.py --model $(MODEL)

validate: $(STAMP)
	$(BIN)/rasa data validate --data $(DATA)

test-unit: $(SPACY)
	$(BIN)/pytest -q -m "not e2e and not nlu"

test-nlu: $(MODEL) $(READER)
	$(BIN)/pytest -q tests/nlu

# Both evaluations always run; the target fails if either misses its target.
evaluate: $(MODEL) $(READER)
	rc=0; $(BIN)/python tests/nlu/evaluate_heldout.py --model $(MODEL) --out results/evaluation || rc=1; \
	for f in tests/nlu/conversations*.yml; do \
		$(BIN)/python tests/nlu/evaluate_conversations.py --model $(MODEL) --out results/evaluation --conversations $$f || rc=1; \
	done; exit $$rc

test-core: $(MODEL)
	$(BIN)/rasa test core --stories tests/stories --model $(MODEL) --out results/core --fail-on-prediction-errors --quiet

test-e2e: $(MODEL) $(READER)
	$(BIN)/pytest -q -m e2e

# The browser tests take the README's screenshots; only this target writes them to docs/.
screenshots: $(MODEL) $(READER) $(CHROMIUM)
	PMO_TUTOR_UPDATE_SCREENSHOTS=1 $(BIN)/pytest -q tests/web/test_browser.py tests/web/test_check_browser.py

test: $(MODEL) $(READER) $(CHROMIUM) cluster-packages validate
	$(BIN)/pmo-tutor scenarios validate
	$(BIN)/rasa test core --stories tests/stories --model $(MODEL) --out results/core --fail-on-prediction-errors --quiet
	$(BIN)/pytest -q

# bench, then the load test: 200 learners logging in within 5 s, each playing a whole session, on
# a one-machine stack of its own; the progress store is checked afterwards (docs/benchmarks.md).
bench: $(MODEL) $(READER)
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/load.py --start-stack --learners 200 --out results/bench/load.json

# Mutation testing, not part of CI: slow (see docs/benchmarks.md, "Mutation testing"). The config
# is [tool.mutmut] in pyproject.toml: bot/evaluation, bot/progress/store.py and
# bot/scenarios/variants.py, checked by the in-process tests only. mutmut works in mutants/; every
# run starts from a fresh copy, so a changed source is never judged by a stale mutant. MUTANTS
# restricts a run to mutant-name globs, e.g. MUTANTS='bot.progress.store.* bot.evaluation.lint.*'.
# `mutmut results` lists the survivors and `mutmut show <name>` shows one.
MUTMUT_VERSION := 3.8.1
MUTANTS ?=
mutate: $(STAMP)
	$(BIN)/python -c 'import mutmut' 2>/dev/null || { set -o pipefail; $(BIN)/python -m pip install -q mutmut==$(MUTMUT_VERSION) 2>&1 | { grep -v "is ignored: it is neither" || true; }; }
	rm -rf mutants && mkdir -p results
	@echo "mutmut run: progress in results/mutmut.log"
	SECONDS=0; $(BIN)/mutmut run --max-children $$(nproc) $(foreach m,$(MUTANTS),'$(m)') > results/mutmut.log 2>&1 \
		|| { tail -c 3000 results/mutmut.log; exit 1; }; echo "mutmut run took $$((SECONDS / 60)) min $$((SECONDS % 60)) s"
	@$(BIN)/python scripts/mutation_summary.py

clean:
	rm -rf build models results .pytest_cache mutants
