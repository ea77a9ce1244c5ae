# The two commands of the README; each sets up .venv itself.
PY := .venv/bin/python

.PHONY: demo test test-slow benchmark paper sweep

demo:  ## train on the bundled MNIST digits (C++ standalone), write results/demo and figures/demo
	tools/venv.sh
	rm -rf results/demo
	$(PY) protocols/train.py --dataset mnist --presentations 5000 --out results/demo
	$(PY) figures/training.py results/demo --out figures/demo

test:  ## the default (fast) test suite
	tools/venv.sh test
	$(PY) -m pytest -q

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
