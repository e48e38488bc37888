# The two set-up commands in README.md: `make run` and `make test`.
# Each builds the project's own virtual environment first, so a fresh clone needs only python3 and make.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test soak venv clean

# The simulator keeps its own state folder, so the demo alarm never lands among your real ones.
run: venv
	$(VENV)/bin/emberwake --home .emberwake-sim run --sim --clock-speed 60 --demo

test: venv
	.ci/install-system-packages
	$(PY) -m pytest

# A simulated month of the whole service in two zones; prints each zone's ledger as JSON.
soak: venv
	SOAK_DAYS=31 $(PY) -m pytest -q -s -p no:logging tests/device/service/test_soak.py

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[sim,bench,test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
