# The two set-up commands in README.md: `make run` and `make test`.
# Each builds the project's own virtual environment first, so a fresh clone needs only python3 and make.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test soak fuzz venv clean

# The simulator keeps its own state folder, so the demo alarm never lands among your real ones.
run: venv
	$(VENV)/bin/emberwake --home .emberwake-sim run --sim --clock-speed 60 --demo

test: venv
	.ci/install-system-packages
	$(PY) -m pytest

# A simulated month of the whole service in two zones, and 1000 pulled plugs of the alarm store
# (each way); prints each zone's ledger and each pulled-plug summary as JSON.
soak: venv
	SOAK_DAYS=31 PULLED_PLUGS=1000 $(PY) -m pytest -q -s -p no:logging \
		tests/device/service/test_soak.py tests/device/service/test_pulled_plug.py

# The fuzzers (tests/fuzz) at 100 000 cases a target instead of CI's few hundred; no time limit.
# Ends with one line of JSON: the cases each target ran, and the tests that failed.
fuzz: venv
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/fuzz --timeout=0

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[sim,bench,test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
