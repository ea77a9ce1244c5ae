"""Will it fit: the memory a run needs against what the machine (or the GPU) has, checked before building."""
from __future__ import annotations

from .errors import SimulationError

__all__ = ["HEADROOM", "available_memory", "check_fits", "check_array_fits"]

# the most of the available memory a run may plan to use: the rest for the OS, Python and the estimate's error
HEADROOM = 0.8


def available_memory() -> int | None:
    """Bytes of memory available to a new process (Linux's MemAvailable; None where unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_fits(needed: int, available: int | None, what: str, where: str, advice: str,
               error: type[Exception] = SimulationError) -> None:
    """Refuse a run whose ``needed`` bytes exceed HEADROOM of the ``available`` ones (None: unknown, no check),
    in one line: '<what> about N GiB<where>: <advice>', ``where`` formatting the GiB available."""
    if available is not None and needed > HEADROOM * available:
        raise error(f"{what} about {needed / 2 ** 30:.1f} GiB{where.format(available / 2 ** 30)}: {advice}")


def check_array_fits(shape: tuple, what: str, advice: str, error: type[Exception] = SimulationError,
                     itemsize: int = 8) -> None:
    """Refuse, in one line, an array of ``shape`` (float64 by default) that would not fit in this machine's memory,
    before numpy tries (and fails with a traceback, or swaps)."""
    needed = itemsize
    for n in shape:
        needed *= int(n)
    check_fits(needed, available_memory(), f"{what} need", "; this machine has {:.1f} GiB available", advice, error)
