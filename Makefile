# Two entry points for a fresh machine: `make demo` and `make test`.
# VENV may point anywhere (CI keeps one per requirements hash outside the clone).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
REQS := requirements/torch.txt requirements/runtime.txt requirements/tests.txt
REQ_HASH := $(shell cat $(REQS) | sha256sum | cut -c1-12)
STAMP := $(VENV)/.mmhad-requirements-$(REQ_HASH)

DATA := data/synthetic_scenes
DEMO_CONFIG ?= configs/had/had_r18-d8_3phase_synthetic.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: install demo test data clean-demo

# The pinned requirements (once per requirements hash), then mmhad itself,
# editable and --no-deps (nothing the pins chose is changed), whenever the
# venv's mmhad is not this clone's (a CI venv is shared by clones).
install: $(STAMP)
	@$(PY) -I -c "$(EDITABLE_CHECK)" || \
		$(PY) -m pip install --no-deps --no-build-isolation -e .

EDITABLE_CHECK := import importlib.util as u, os, sys; \
	s = u.find_spec('mmhad'); \
	sys.exit(not (s and s.origin and \
	os.path.samefile(os.path.dirname(s.origin), 'mmhad')))

$(STAMP): $(REQS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -r requirements/torch.txt -r requirements/runtime.txt \
		-r requirements/tests.txt
	rm -f $(VENV)/.mmhad-requirements-*
	touch $(STAMP)

data: $(DATA)/meta.json

# Rewritten when the generator changes (1.1.0 added edge/albedo/shading;
# the older folders stay byte-identical).
$(DATA)/meta.json: mmhad/datasets/synthetic_scenes.py | install
	$(PY) tools/dataset_converters/make_synthetic_scenes.py --out $(DATA) \
		--num-train 480 --num-val 120 --height 96 --width 128 --seed 0

demo: install data
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/analysis_tools/lhl_report.py $(DEMO_WORK_DIR)

test: install
	$(PY) -m pytest tests -q

clean-demo:
	rm -rf $(DEMO_WORK_DIR)
