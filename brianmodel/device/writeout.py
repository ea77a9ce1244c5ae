"""What a standalone binary writes after a run, and what it may leave out.

Brian2 writes every array after a run; an ensemble of 16 networks wrote
600 MB that way, a tenth of its run time, to read back 80 MB of weights.
A network that declares the synaptic variables it reads back
(``Network.results()``, :mod:`.contract`) gets a binary that writes only
those of its synapses' arrays: the cpp project is patched after Brian2
writes it (:func:`skip_writing`); brianmodel's CUDA device writes its own
``objects.cu`` without them (:mod:`.cuda.device`).
"""
from __future__ import annotations

import os
import re

from brian2 import Synapses, device as brian_device

from ..errors import DeviceError

__all__ = ["unread_synapse_arrays", "skip_writing", "source_state", "OBJECTS_SOURCE"]

OBJECTS_SOURCE = "objects.cpp"  # cpp_standalone's; its _write_arrays() writes every array after a run


def unread_synapse_arrays(objects, results) -> list[str]:
    """Names of the per-synapse arrays of the Synapses among ``objects`` other than those of the Brian2
    variables ``results``: what no one reads after a run (indices, delays, traces, ...)."""
    owners = {obj.name for obj in objects if isinstance(obj, Synapses)}
    kept = {brian_device.get_array_name(variable, access_data=False) for variable in results}
    return sorted(name for variable, name in brian_device.dynamic_arrays.items()
                  if _owner_name(variable) in owners and name not in kept)


def _owner_name(variable):
    try:
        return variable.owner.name
    except (AttributeError, ReferenceError):  # no owner, or one gone
        return None


def skip_writing(build_dir: str, names, previous=None):
    """Take the writing of the arrays ``names`` out of a generated cpp project (the binary then writes the
    others only). ``previous``: the patched source's (text, times) before Brian2 generated it again, whose
    times are kept when the text comes out the same, so that make does not recompile it."""
    path = os.path.join(build_dir, OBJECTS_SOURCE)
    if not names or not os.path.exists(path):
        return
    with open(path) as f:
        text = f.read()
    for name in names:
        block = re.compile(r"\n[ \t]*ofstream outfile_" + re.escape(name) + r";\n.*?Error writing output file for "
                           + re.escape(name) + r"\.\" << endl;\n[ \t]*\}", re.DOTALL)
        text, found = block.subn("", text)
        if found != 1:
            raise DeviceError(f"cannot take {name} out of {path}'s results: Brian2's objects.cpp template is "
                              f"not the one brianmodel knows ({found} blocks found)")
    with open(path, "w") as f:
        f.write(text)
    if previous is not None and previous[0] == text:  # Brian2 rewrote it unpatched: as it was before
        os.utime(path, ns=previous[1])


def source_state(path):
    """(text, (atime_ns, mtime_ns)) of a file, None if it does not exist."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        stat = os.stat(path)
        return f.read(), (stat.st_atime_ns, stat.st_mtime_ns)
