# The two commands of the README; each sets up .venv itself.
PY := .venv/bin/python
TEST_WORKERS ?= 2

.PHONY: demo test test-slow benchmark paper sweep rules

demo:  ## train on the bundled MNIST digits (C++ standalone), write results/demo and figures/demo
	tools/venv.sh
	rm -rf results/demo
	$(PY) protocols/train.py --dataset mnist --presentations 5000 --out results/demo
	$(PY) figures/training.py results/demo --out figures/demo

test:  ## the default (fast) test suite, on TEST_WORKERS processes (a file's tests stay on one: its fixtures build once)
	tools/venv.sh test
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-slow:  ## long runs: full trainings, CUDA builds (cuRAND headers from the cuda extra)
	tools/venv.sh test,cuda
	$(PY) -m pytest -q -m slow

benchmark:
	tools/venv.sh
	$(PY) benchmarks/standalone_vs_runtime.py

paper:  ## every run behind the paper's figures (about 30 min on one core), then the figures in figures/paper
	tools/venv.sh
	$(PY) protocols/paper.py --root results/paper
	$(PY) figures/paper_figures.py --root results/paper --out figures/paper

sweep:  ## feedback location x delays, 27 trainings on all cores (about 16 min on 2), heatmaps in results/sweep
	tools/venv.sh sweep
	$(PY) protocols/sweep.py --out results/sweep

rules:  ## docs/rules.md: triplet frequency curves, reward timing, six rule pairs, the rule search (~50 min on 2 cores)
	tools/venv.sh
	$(PY) protocols/pairing.py --out figures/rules/triplet-frequency --rule feedforward=triplet,feedback=triplet-nearest \
		--frequencies 0.1 1 5 10 20 40 50
	$(PY) protocols/modulation.py --out figures/rules/reward
	$(PY) protocols/compare_rules.py --out results/rules
	mkdir -p figures/rules/comparison figures/rules/search
	cp results/rules/rules.csv results/rules/params.json figures/rules/comparison/
	$(PY) figures/rules_comparison.py results/rules --out figures/rules/comparison
	$(PY) protocols/rule_search.py --out results/rule-search --search-seed 3 --generations 12 --population 10
	cp results/rule-search/search.csv results/rule-search/generations.json results/rule-search/params.json figures/rules/search/
	$(PY) figures/rule_search.py results/rule-search --out figures/rules/search
