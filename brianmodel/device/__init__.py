"""The only package that knows devices: runtime, C++ standalone, CUDA standalone.

- :mod:`.contract`    what a model must provide to be run (a typing.Protocol, checked)
- :mod:`.simulator`   Simulator (runtime / standalone subclasses), Run results with units
- :mod:`.standalone`  device names, build folders, Brian2's one project per process, one-off protocol networks
- :mod:`.run_args`    every use of Brian2's private run_args API, version-guarded
- :mod:`.cuda`        toolkit and GPU detection, brian2cuda workarounds

Models (:mod:`brianmodel.mstdp`, :mod:`brianmodel.symstdp`) never ask which
device runs them.
"""
from .contract import Model, Network, State, add_extra, check_model
from .cuda import configure_cuda, cuda_toolkit, gpu_present
from .simulator import ChunkResult, MonitorData, Run, RuntimeSimulator, Simulator, StandaloneSimulator
from .standalone import DEVICES, check_device, default_build_root, run_once

__all__ = ["Model", "Network", "State", "add_extra", "check_model", "configure_cuda", "cuda_toolkit", "gpu_present",
           "ChunkResult", "MonitorData", "Run", "RuntimeSimulator", "Simulator", "StandaloneSimulator", "DEVICES",
           "check_device", "default_build_root", "run_once"]
