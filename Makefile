# Two entry points for a fresh machine: `make demo` and `make test`.
# VENV may point anywhere (CI keeps one per requirements hash outside the clone).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
REQS := requirements/torch.txt requirements/runtime.txt requirements/tests.txt
REQ_HASH := $(shell cat $(REQS) | sha256sum | cut -c1-12)
STAMP := $(VENV)/.mmhad-requirements-$(REQ_HASH)

DATA := data/synthetic_scenes
# The demo: HAD and fine-tuning side by side on 48x64 scenes (the size of
# docs/benchmarks.md), 3 phases x 150 iterations, one thread per run, so
# both fit in under 10 minutes on 2 cores (time: README).
DEMO_CONFIG ?= configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py
DEMO_BASELINE_CONFIG ?= configs/baselines/finetune_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py
DEMO_WORK_DIR ?= work_dirs/demo
DEMO_DATA ?= data/synthetic_scenes_48x64
DEMO_THREADS ?= 1
DEMO_EXTRA ?=# more --cfg-options of both runs and the panel (the demo test shrinks the model)
DEMO_DATA_OPTS := $(foreach s,train val test,$(s)_dataloader.dataset.data_root=$(DEMO_DATA))
DEMO_TRAIN = OMP_NUM_THREADS=$(DEMO_THREADS) $(PY) tools/train.py
DEMO_PY = PYTHONWARNINGS=ignore $(PY)

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

$(DEMO_DATA)/meta.json: mmhad/datasets/synthetic_scenes.py | install
	$(PY) tools/dataset_converters/make_synthetic_scenes.py --out $(DEMO_DATA) \
		--num-train 480 --num-val 120 --height 48 --width 64 --seed 0

# Both runs at once (logs in the work dir), then the side-by-side table, the
# plot and the panel of the final HAD model on a val image.
demo: install $(DEMO_DATA)/meta.json
	@mkdir -p $(DEMO_WORK_DIR)
	@echo "demo: training HAD and fine-tuning side by side (3 phases x 150 iterations each);" \
		"logs: $(DEMO_WORK_DIR)/had.log, $(DEMO_WORK_DIR)/finetune.log"
	@$(DEMO_TRAIN) $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)/had \
		--cfg-options $(DEMO_DATA_OPTS) $(DEMO_EXTRA) > $(DEMO_WORK_DIR)/had.log 2>&1 & had=$$!; \
	$(DEMO_TRAIN) $(DEMO_BASELINE_CONFIG) --work-dir $(DEMO_WORK_DIR)/finetune \
		--cfg-options $(DEMO_DATA_OPTS) $(DEMO_EXTRA) > $(DEMO_WORK_DIR)/finetune.log 2>&1 & ft=$$!; \
	ok=1; wait $$had || { ok=0; tail -n 20 $(DEMO_WORK_DIR)/had.log; }; \
	wait $$ft || { ok=0; tail -n 20 $(DEMO_WORK_DIR)/finetune.log; }; \
	test $$ok = 1
	@$(DEMO_PY) tools/analysis_tools/lhl_report.py $(DEMO_WORK_DIR)/had \
		$(DEMO_WORK_DIR)/finetune --baseline $(DEMO_WORK_DIR)/finetune \
		--out $(DEMO_WORK_DIR) > /dev/null
	@echo; echo "HAD vs fine-tuning: final metrics, forgetting, Delta_m"; echo
	@$(DEMO_PY) tools/analysis_tools/plot_lhl.py $(DEMO_WORK_DIR)/had $(DEMO_WORK_DIR)/finetune \
		--baseline $(DEMO_WORK_DIR)/finetune --out $(DEMO_WORK_DIR)/lhl_plot.png \
		--title "make demo: HAD vs fine-tuning, semantic -> depth -> normal"
	@$(DEMO_PY) demo/image_demo.py $(DEMO_DATA)/val/image/0.npy $(DEMO_CONFIG) \
		$(DEMO_WORK_DIR)/had/phase2_normal.pth --out-file $(DEMO_WORK_DIR)/had_panel.png \
		--cfg-options $(DEMO_DATA_OPTS) $(DEMO_EXTRA)
	@echo; echo "demo: the plot is $(DEMO_WORK_DIR)/lhl_plot.png, the panel of the final" \
		"HAD model $(DEMO_WORK_DIR)/had_panel.png, the full report" \
		"$(DEMO_WORK_DIR)/lhl_report.md, the runs $(DEMO_WORK_DIR)/{had,finetune}/"

test: install
	$(PY) -m pytest tests -q

clean-demo:
	rm -rf $(DEMO_WORK_DIR)
