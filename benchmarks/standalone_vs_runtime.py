"""Presentations/s and synaptic events/s: C++ standalone vs runtime mode, same network, one run.

C++ standalone runs a chunk of presentations inside one compiled binary
(compile time reported apart). Runtime mode (Cython) makes one ``run()``
call per presentation, as Brian2's Diehl & Cook example trains; its first
presentation (code generation and Cython compilation) is excluded by a
warm-up chunk.

    python benchmarks/standalone_vs_runtime.py [--hidden 200] [--standalone 500] [--runtime 20]
"""
import argparse
import time

from brianmodel.analysis import synaptic_events
from brianmodel.datasets import load_mnist_bundled
from brianmodel.device import Simulator
from brianmodel.mstdp import Model, preset
from brianmodel.schedule import presentation_order


def measure(simulator, state, stimulus, params):
    result = simulator.run_chunk(state, stimulus)
    arch = params.architecture
    events = synaptic_events(result.spikes, stimulus.shape[1], arch.n_hidden, arch.n_visible_pool, arch.n_hidden_pool)
    return len(stimulus) / result.wall_time, events / result.wall_time, result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hidden", type=int, default=200)
    p.add_argument("--standalone", type=int, default=500, help="presentations timed in C++ standalone")
    p.add_argument("--runtime", type=int, default=20, help="presentations timed in runtime mode")
    p.add_argument("--threads", type=int, default=0, help="OpenMP threads for the C++ run")
    args = p.parse_args(argv)

    params = preset("main").with_overrides(architecture={"n_hidden": args.hidden})
    X = load_mnist_bundled().visible_intensities()
    order = presentation_order(len(X), args.standalone + args.runtime + 1, seed=0)
    # Trained-like state is not needed: both devices start from the same weights and see the same images.
    model = Model(params, X.shape[1])
    state = model.initial_state(seed=0)

    cpp = Simulator(model, "cpp", args.standalone, threads=args.threads)
    start = time.perf_counter()
    cpp.prepare()
    build = time.perf_counter() - start
    cpp_rate, cpp_events, cpp_result = measure(cpp, state, X[order[:args.standalone]], params)

    runtime = Simulator(model, "runtime", 1, run_per_presentation=True)
    start = time.perf_counter()
    runtime.run_chunk(state, X[order[:1]])  # warm-up: code generation and Cython compilation
    warmup = time.perf_counter() - start
    runtime = Simulator(model, "runtime", args.runtime, run_per_presentation=True)
    rt_rate, rt_events, _ = measure(runtime, state, X[order[:args.runtime]], params)

    print(f"network: {X.shape[1]} visible, {args.hidden} hidden, "
          f"{params.architecture.n_visible_pool}+{params.architecture.n_hidden_pool} inhibitory; "
          f"{float(params.presentation.duration) * 1e3:.0f} ms per presentation, dt {float(params.presentation.dt) * 1e3} ms")
    print(f"{'mode':<44} {'presentations':>13} {'pres/s':>9} {'syn. events/s':>14}")
    print(f"{'C++ standalone, one binary run' + (f' ({args.threads} threads)' if args.threads else ''):<44} "
          f"{args.standalone:>13d} {cpp_rate:>9.1f} {cpp_events:>14.3g}")
    print(f"{'runtime (' + runtime.runtime_target + '), one run() per presentation':<44} "
          f"{args.runtime:>13d} {rt_rate:>9.2f} {rt_events:>14.3g}")
    print(f"standalone / runtime: {cpp_rate / rt_rate:.0f}x presentations/s, {cpp_events / rt_events:.0f}x events/s")
    print(f"(one-off costs, not in the rates: C++ build {build:.1f} s, runtime first run {warmup:.1f} s)")


if __name__ == "__main__":
    main()
