"""How many events each spike monitor of a chunk may record on brianmodel's CUDA device.

brian2cuda grows a spike monitor's arrays on the GPU in every time step
with spikes, which makes the host wait for the GPU every step. brianmodel's
CUDA device (:mod:`.cuda.device`) records into buffers allocated before the
run instead, with a cursor on the GPU; at the end of the run the binary
prints, for every monitor, the events it recorded and its buffer's size
(``brianmodel-spikes NAME RECORDED CAPACITY``), and an overflow stops it
with an error before anything is written: no event is ever lost silently.

:class:`SpikeBuffers` is the simulator's side. The first chunk's buffers
hold :data:`RATE_BOUND` events per source neuron and second of the chunk
(within :data:`BUDGET_BYTES` together); after a chunk, each buffer holds
twice what its monitor recorded; after an overflow, the chunk runs again
once with buffers 25% larger than what the binary needed. The binary reads
the sizes from :data:`ENVIRONMENT` (``name=events,...``).
"""
from __future__ import annotations

import math
import re

from brian2 import EventMonitor, SpikeMonitor

__all__ = ["SpikeBuffers", "ENVIRONMENT", "RATE_BOUND", "BUDGET_BYTES", "BYTES_PER_EVENT"]

ENVIRONMENT = "BRIANMODEL_SPIKE_CAPACITY"
RATE_BOUND = 100.0  # Hz per source neuron, the first chunk's bound (the network's busiest group, a pool, ~60 Hz)
BUDGET_BYTES = 4 * 2 ** 30  # all buffers of the first chunk together, at most
BYTES_PER_EVENT = 12  # an int32 index and a double time
MINIMUM = 1024  # events, whatever a monitor recorded before
_REPORT = re.compile(r"^brianmodel-spikes (\S+) (\d+) (\d+)\s*$", re.MULTILINE)


class SpikeBuffers:
    """Buffer sizes (events) per monitor, learned from chunk to chunk. ``enabled``: the target records into
    buffers (brianmodel's CUDA device); otherwise every method does nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.capacity: dict[str, int] = {}

    def environment(self, objects, duration) -> dict:
        """{ENVIRONMENT: 'name=events,...'} for the event monitors among ``objects``, for a run of ``duration``
        (a Brian2 quantity); {} when not enabled."""
        if not self.enabled:
            return {}
        monitors = {obj.name: len(obj.source) for obj in objects if isinstance(obj, (SpikeMonitor, EventMonitor))}
        fresh = {name: math.ceil(RATE_BOUND * float(duration) * size) + MINIMUM for name, size in monitors.items()
                 if name not in self.capacity}
        total = sum(fresh.values()) * BYTES_PER_EVENT
        if total > BUDGET_BYTES:  # shared out in proportion: the run says what each really needs
            fresh = {name: max(MINIMUM, int(events * BUDGET_BYTES / total)) for name, events in fresh.items()}
        self.capacity.update(fresh)
        return {ENVIRONMENT: ",".join(f"{name}={self.capacity[name]}" for name in sorted(monitors))}

    def learn(self, output: str):
        """After a run: each buffer holds twice what its monitor recorded (``output``: the binary's)."""
        if self.enabled:
            for name, recorded, _ in _reports(output):
                self.capacity[name] = max(MINIMUM, 2 * recorded)

    def overflows(self, output: str) -> dict[str, int]:
        """{monitor: events it needed} of the buffers that overflowed in a run whose output is ``output``."""
        return {name: recorded for name, recorded, capacity in _reports(output) if recorded > capacity}

    def enlarge(self, needed: dict[str, int]):
        for name, recorded in needed.items():
            self.capacity[name] = max(self.capacity.get(name, 0), math.ceil(1.25 * recorded) + MINIMUM)


def _reports(output: str) -> list[tuple[str, int, int]]:
    return [(name, int(recorded), int(capacity)) for name, recorded, capacity in _REPORT.findall(output)]
