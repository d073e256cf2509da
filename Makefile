# Two commands for a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
MODEL := models/current.tar.gz
# bot/deploy/ holds deployment files, not training inputs.
TRAINING_INPUTS := config.yml domain.yml \
	$(shell find data bot -path bot/deploy -prune -o -name '*.yml' -print 2>/dev/null) \
	$(wildcard bot/*.py bot/nlu/*.py) \
	tests/eval/safety_set.yml $(filter-out %first-scores.yml,$(wildcard tests/eval/blind/*.yml))

.PHONY: help install system-deps train run shell test validate test-stories eval-nlu eval-safety eval-blind eval-thresholds eval-behaviour bench clean

help:
	@echo "make run    - set up, train if needed, start the assistant (Ctrl-C stops it)"
	@echo "make test   - set up, train if needed, run every test"
	@echo "make shell  - chat in the terminal"
	@echo "REDIS_HOST=127.0.0.1 make run - conversations in Redis, for several servers (docs/deployment.md)"
	@echo "make eval-nlu - cross-validated intent report into docs/"
	@echo "make eval-blind - safety on blind batches and real letters (first scores kept) into docs/safety-evaluation.md"
	@echo "make eval-thresholds - the safety net's thresholds, each blind set scored by a classifier trained without it"
	@echo "make eval-safety - safety regression set (the rules were written against it) into docs/safety-regression.md"
	@echo "make eval-behaviour - behaviour checker top-1/top-3 accuracy into docs/"
	@echo "make bench  - latency, throughput, start-up, memory, training time vs stock Rasa into docs/benchmark.md"

# Bytecode at install, so that even the first server start does not compile
# TensorFlow and Rasa from source (~8 s of CPU; docs/benchmark.md).
.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: .venv/.installed

$(MODEL): .venv/.installed $(TRAINING_INPUTS)
	$(RUN) rasa train --fixed-model-name current --out models
	@touch $@

train: $(MODEL)

run: $(MODEL)
	$(RUN) python -m bot run

shell: $(MODEL)
	$(RUN) python -m bot shell

validate: install
	$(RUN) rasa data validate --fail-on-warnings

test-stories: $(MODEL)
	$(RUN) rasa test core --model $(MODEL) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/core

# The browser tests drive Debian's chromium (Playwright cannot download browsers
# here); the scale-out test starts Debian's redis-server.
SYSTEM_PACKAGES := chromium redis-server
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi

test: system-deps validate test-stories
	$(RUN) pytest

eval-nlu: install
	$(RUN) python -m bot.evaluation.nlu

eval-safety: $(MODEL)
	$(RUN) python -m bot.evaluation.safety

# Blind sets (tests/eval/blind/) against the real servers: SETS="batch-01 real-01"
# scores those; the default, every set. A set's first score is recorded once.
SETS ?= --all
eval-blind: $(MODEL)
	$(RUN) python -m bot.evaluation.blind $(SETS)

# Leave-one-set-out: each held-out blind set against a crisis classifier trained
# without it, for each candidate threshold setting (no servers, ~1 min a set).
eval-thresholds: install
	$(RUN) python -m bot.evaluation.leave_one_out $(SETS:--all=)

eval-behaviour: install
	$(RUN) python -m bot.evaluation.behaviour

# Trains our assistant and a stock `rasa init` one into a temporary directory
# (models/ is left alone), serves both and drives their REST channel: 4-10 min.
bench: install
	$(RUN) python -m bot.evaluation.bench

clean:
	rm -rf models results .venv
