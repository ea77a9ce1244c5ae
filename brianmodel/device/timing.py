"""Where a standalone binary's time goes: set-up, the time-step loop, write-out.

A binary's wall time is mostly set-up (creating synapses, copying them to
the GPU, reading the run arguments) and write-out when the network is large
and the chunk short, and mostly the loop when it is long; benchmarks that
divide the whole run by the time steps mix them up. :func:`instrument` puts
four clock readings into the generated ``main`` (any standalone device): at
its start, just before the network's run, just after it (on CUDA after
waiting for the GPU to finish the loop's work: the host only queues it), and
at its end; the binary writes the set-up, loop and write-out times into its
results folder (:data:`TIMING_FILE`). The binary's whole run is Brian2's
``device.timers['run_binary']``; brian2cuda prints its own set-up lines to the
binary's output, which :func:`read_timing` keeps.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

__all__ = ["instrument", "read_timing", "RunTiming", "TIMING_FILE"]

TIMING_FILE = "brianmodel_timing.txt"
_NOW = "clock_gettime(CLOCK_MONOTONIC, &_bm_clock); {name} = _bm_clock.tv_sec + 1e-9 * _bm_clock.tv_nsec;"
# brian2cuda's set-up reports ('_init_arrays() took 0s', 'feedforward_pre initialisation took 0.0123s ...') and
# cuda-graphs' captures ('brianmodel-graph clocks 1 nodes 27': the graphs a step is replayed from)
_SETUP_LINE = re.compile(r"(took|initialisation|^\s*brianmodel-graph )", re.IGNORECASE)


@dataclass
class RunTiming:
    """Seconds of one binary run: ``setup_s`` (from main's start to the network's run), ``loop_s`` (the
    time-step loop), ``writeout_s`` (from the run's end to main's end: results written, memory freed),
    ``binary_s`` (the whole process, as Brian2 timed it); ``setup_lines``: the device's own set-up reports."""

    setup_s: float | None
    loop_s: float | None
    writeout_s: float | None
    binary_s: float | None
    setup_lines: list = field(default_factory=list)

    @property
    def other_s(self) -> float | None:
        """Process start and exit (loading libraries, creating the GPU context before main, tearing down)."""
        parts = (self.binary_s, self.setup_s, self.loop_s, self.writeout_s)
        return None if None in parts else max(0.0, parts[0] - sum(parts[1:]))

    def as_dict(self) -> dict:
        return {"setup_s": self.setup_s, "loop_s": self.loop_s, "writeout_s": self.writeout_s,
                "binary_s": self.binary_s, "other_s": self.other_s}


def instrument(device, wait_code: str = ""):
    """Put the clock readings into the standalone project ``device`` generates (call before the network's
    ``run``). ``wait_code``: C++ that waits for the device's queued work, so that the loop's end is read when
    the GPU is done, not when the host has launched its last kernel. The code only reads a clock: it does not
    change what the binary computes."""
    device.insert_code("before_start", "struct timespec _bm_clock; double _bm_start = 0, _bm_loop_start = 0, "
                                       "_bm_loop_end = 0, _bm_end = 0;\n" + _NOW.format(name="_bm_start"))
    device.insert_code("before_network_run", _NOW.format(name="_bm_loop_start"))
    device.insert_code("after_network_run", (wait_code + "\n" if wait_code else "") + _NOW.format(name="_bm_loop_end"))
    device.insert_code("after_end", _NOW.format(name="_bm_end") + "\n"
                       "{\n"
                       f"    std::ofstream _bm_file((brian::results_dir + \"{TIMING_FILE}\").c_str());\n"
                       "    _bm_file << \"setup_us \" << (long long)(1e6 * (_bm_loop_start - _bm_start)) << \"\\n\"\n"
                       "             << \"loop_us \" << (long long)(1e6 * (_bm_loop_end - _bm_loop_start)) << \"\\n\"\n"
                       "             << \"writeout_us \" << (long long)(1e6 * (_bm_end - _bm_loop_end)) << \"\\n\";\n"
                       "}")


def read_timing(results_dir: str, loop_s: float | None, binary_s: float | None, output: str = "") -> RunTiming:
    """The timing of the run whose results are in ``results_dir`` (Brian2's loop and binary times given, and
    what the binary printed); parts the binary did not write are None."""
    values = {}
    path = os.path.join(results_dir, TIMING_FILE)
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1].lstrip("-").isdigit():
                    values[parts[0]] = int(parts[1]) * 1e-6
    lines = [line.strip() for line in output.splitlines() if _SETUP_LINE.search(line)]
    return RunTiming(values.get("setup_us"), values.get("loop_us", loop_s), values.get("writeout_us"), binary_s, lines)
