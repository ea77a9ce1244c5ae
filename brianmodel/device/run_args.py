"""Every use of Brian2's run_args internals, in one place, checked against the Brian2 version.

``device.run(run_args=...)`` (Brian2 >= 2.6) sets variables and TimedArrays
of a compiled binary at launch. Two things need more than the public API:

- Brian2 names a run_args array file by a hash of its content and skips
  writing one that exists. Trainings that share a build (same seed and shape,
  another run-time parameter such as η) then share their stimulus files, and
  the first to remove one after its chunk takes it from the other, whose chunk
  runs without input (the binary prints "Error reading" on stderr and exits
  0). A killed process could also leave a truncated file that a resumed run
  would read as its weights. :func:`write_run_args` writes the arrays under
  names unique to the chunk, atomically, with Brian2's own preparation.
- Brian2 compiles the random seed into the binary; a network with random
  numbers needs another stream for every chunk and seed.
  :func:`seed_from_run_args` reseeds the generators from a variable that
  run_args set.
"""
from __future__ import annotations

import os
from importlib.metadata import version

from brian2 import TimedArray

from ..errors import DeviceError
from ..io import atomic_write

__all__ = ["write_run_args", "seed_from_run_args", "TESTED_BRIAN2"]

TESTED_BRIAN2 = "2.10.1"  # the Brian2 version these internals were read from
_NEEDED = ("_prepare_timed_array_run_arg", "_prepare_variableview_run_arg", "apply_run_args", "insert_code",
           "get_array_name")


def _check(device):
    missing = [name for name in _NEEDED if not hasattr(device, name)]
    if missing:
        raise DeviceError(f"brian2 {version('brian2')} lacks {', '.join(missing)}, which brianmodel's standalone "
                          f"runs use (written for brian2 {TESTED_BRIAN2}): install brian2=={TESTED_BRIAN2}")


def write_run_args(device, run_args: dict, build_dir: str, chunk: str) -> tuple[list[str], list[str]]:
    """Write the run_args arrays in files of this chunk only: (command-line arguments, file names)."""
    _check(device)
    arguments, files = [], []
    for key, value in run_args.items():
        prepare = device._prepare_timed_array_run_arg if isinstance(key, TimedArray) \
            else device._prepare_variableview_run_arg
        name, string_value, value_name, array = prepare(key, value)
        if value_name:  # an array; a scalar goes on the command line as it is
            value_name = f"{chunk}_{value_name}"
            atomic_write(os.path.join(build_dir, "static_arrays", value_name), array.tobytes())
            files.append(value_name)
            string_value = os.path.join("static_arrays", value_name)
        arguments.append(f"{name}={string_value}")
    return arguments, files


def seed_from_run_args(target, device, variable):
    """Seed the binary's random generators from ``variable`` (a shared variable set by run_args), as
    ``target`` (:mod:`.targets`) seeds them."""
    _check(device)
    device.insert_code("main", target.seed_code(f"(unsigned long long){device.get_array_name(variable)}[0]"))
