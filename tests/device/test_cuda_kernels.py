"""The synaptic kernel of brianmodel's CUDA device, proven on the CPU.

The kernel's indexing (which synapse each thread of each block updates in a time step) and the set-up's
bundles are functions of ``brianmodel/device/cuda/brianlib/brianmodel_synapses.h``, compiled for the GPU by
nvcc and here by g++ into ``cuda_kernels_harness.cpp``, which plays the kernel's grid out block by block over a
ring of eventspaces filled as the thresholder fills them. A delayed spike means: every synapse whose source
neuron spiked ``delay`` steps ago is updated in this step, exactly once; nothing else is.
"""
import os
import shutil
import subprocess
from collections import Counter

import numpy as np
import pytest

from brianmodel.device import cuda

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="no g++")
HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuda_kernels_harness.cpp")
BRIANLIB = os.path.join(os.path.dirname(os.path.abspath(cuda.__file__)), "brianlib")  # (no brian2cuda needed)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    binary = str(tmp_path_factory.mktemp("harness") / "harness")
    subprocess.run(["g++", "-std=c++17", "-O1", "-Wall", "-Werror", "-I", BRIANLIB, HARNESS, "-o", binary],
                   check=True, capture_output=True, text=True)
    return binary


def _play(harness, source, delay, spikes, group_n, start=0, stop=None, grid=5, threads=0):
    """Run the kernel's grid over ``spikes`` (a list per step of spiking group neurons); (header, the
    synapses updated in each step, in order)."""
    stop = group_n if stop is None else stop
    one_delay = int(np.ndim(delay) == 0)
    delays = [int(delay)] if one_delay else [int(d) for d in delay]
    lines = [f"{len(source)} {stop - start} {group_n} {start} {stop} {one_delay} {len(spikes)} {grid} {threads}",
             " ".join(map(str, source)), " ".join(map(str, delays))]
    lines += [" ".join(map(str, [len(step), *step])) for step in spikes]
    out = subprocess.run([harness], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout
    header, *steps = out.strip().split("\n")
    return [int(v) for v in header.split()[1:]], [[int(v) for v in line.split(":")[1].split()] for line in steps]


def _expected(source, delay, spikes, start):
    """The definition: synapse s is updated in step n iff its source neuron spiked at step n - delay[s]."""
    delay = np.broadcast_to(delay, len(source))
    return [Counter(s for s in range(len(source)) if n - delay[s] >= 0 and source[s] + start in spikes[n - delay[s]])
            for n in range(len(spikes))]


def _random_spikes(rng, group_n, steps, rate):
    return [list(rng.permutation(np.flatnonzero(rng.random(group_n) < rate))) for _ in range(steps)]


def _check(harness, source, delay, spikes, group_n, **kwargs):
    header, updated = _play(harness, source, delay, spikes, group_n, **kwargs)
    expected = _expected(source, delay, spikes, kwargs.get("start", 0))
    for step, (got, want) in enumerate(zip(updated, expected)):
        assert Counter(got) == want, f"step {step}: updated {sorted(got)}, expected {sorted(want.elements())}"
    assert sum(map(len, updated)) > 0  # (the case has spikes that arrive)
    return header


def test_one_delay_for_all_synapses(harness):
    rng = np.random.default_rng(0)
    source = list(np.repeat(np.arange(30), 7))  # all to all, 30 x 7, in a single network's order
    header = _check(harness, source, 4, _random_spikes(rng, 30, 40, 0.2), 30)
    assert header[:3] == [30, 4, 4]  # a bundle per source neuron, one delay


def test_an_ensemble_whose_copies_have_their_own_delays(harness):
    """The location x delay sweep as one ensemble: copy k's synapses all have delay d_k; the copies stay apart."""
    rng = np.random.default_rng(1)
    copies, n_pre, n_post = 6, 12, 5
    source = [k * n_pre + i for k in range(copies) for i in range(n_pre) for _ in range(n_post)]
    delay = [int(d) for d in np.repeat([0, 3, 3, 7, 12, 1], n_pre * n_post)]
    header = _check(harness, source, delay, _random_spikes(rng, copies * n_pre, 60, 0.1), copies * n_pre)
    assert header[:3] == [copies * n_pre, 0, 12]


def test_delays_that_differ_within_a_source_neuron(harness):
    rng = np.random.default_rng(2)
    source = list(rng.integers(0, 25, 400))
    delay = list(rng.integers(2, 9, 400))
    header = _check(harness, source, delay, _random_spikes(rng, 25, 50, 0.15), 25)
    assert header[0] > 25  # several bundles per source neuron


def test_a_fan_out_larger_than_a_block_spreads_over_chunks(harness):
    """6,400 hidden units behind one visible neuron: 256 threads, 25 chunks per bundle; a grid of 3 blocks
    strides over the items."""
    rng = np.random.default_rng(3)
    source = list(np.repeat(np.arange(4), 6400))
    header = _check(harness, source, 2, _random_spikes(rng, 4, 12, 0.4), 4, grid=3)
    assert header[3:] == [6400, 256, 25]


def test_small_blocks_and_a_pathway_from_a_subgroup(harness):
    """Spikes of group neurons outside the pathway's source subgroup (neurons 10-29 of 40) are not the pathway's;
    blocks of 32 threads split bundles of 50 synapses into two chunks."""
    rng = np.random.default_rng(4)
    source = list(np.repeat(np.arange(20), 50))
    delay = list(np.repeat(rng.integers(1, 4, 20), 50))
    header = _check(harness, source, delay, _random_spikes(rng, 40, 30, 0.2), 40, start=10, stop=30, threads=32)
    assert header[4:] == [32, 2]


def test_a_neuron_without_synapses_and_no_synapse_at_all(harness):
    rng = np.random.default_rng(5)
    source = [0, 0, 3, 3, 3]  # neurons 1, 2 and 4 have none
    _check(harness, source, [1, 2, 1, 1, 2], _random_spikes(rng, 5, 20, 0.5), 5)
    header, updated = _play(harness, [], 0, _random_spikes(rng, 5, 5, 0.5), 5)
    assert header[0] == 0 and not any(updated)
