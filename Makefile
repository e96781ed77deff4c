# Set-up and entry points for a fresh machine. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test

install: $(VENV)/.installed

# torch is installed first and pinned: the CPU build of 2.13.0 is what pip
# finds locally, while a looser requirement can pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: install
	$(BIN)/fairtrack run quick --system systems/adult.yaml

test: install
	$(BIN)/python -m pytest
