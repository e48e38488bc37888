# The two set-up commands in README.md: `make run` and `make test`.
# Each builds the project's own virtual environment first, so a fresh clone needs only python3 and make.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test venv clean

run: venv
	$(VENV)/bin/emberwake run --sim

test: venv
	.ci/install-system-packages
	$(PY) -m pytest

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
