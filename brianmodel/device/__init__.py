"""The only package that knows devices: runtime, C++ standalone, CUDA standalone.

- :mod:`.contract`       what a model must provide to be run (a typing.Protocol, checked)
- :mod:`.targets`        the devices, one class each: runtime, cpp, cuda and cuda-graphs (brianmodel's),
                         cuda-stock (brian2cuda's)
- :mod:`.simulator`      Simulator (runtime / standalone subclasses), Run results with units
- :mod:`.standalone`     build folders, Brian2's one project per process, carried binaries, one-off networks
- :mod:`.processes`      worker processes with a Brian2 project each, and their own copies of a build
- :mod:`.timing`         a binary's set-up, time-step loop and write-out, timed apart
- :mod:`.writeout`       what a binary writes after a run, and what it may leave out
- :mod:`.spike_buffers`  how many events each spike monitor may record on brianmodel's CUDA device
- :mod:`.run_args`       every use of Brian2's private run_args API, version-guarded
- :mod:`.cuda`           toolkit and GPU detection; brianmodel's CUDA device and its templates

Models (:mod:`brianmodel.mstdp`, :mod:`brianmodel.symstdp`) never ask which
device runs them.
"""
from .contract import Model, Network, State, add_extra, check_model
from .cuda import configure_cuda, cuda_toolkit, gpu_present
from .simulator import ChunkResult, MonitorData, Run, RuntimeSimulator, Simulator, StandaloneSimulator
from .standalone import check_device, run_once
from .targets import DEVICES, Target, default_build_root, target
from .timing import RunTiming

__all__ = ["Model", "Network", "State", "add_extra", "check_model", "configure_cuda", "cuda_toolkit", "gpu_present",
           "ChunkResult", "MonitorData", "Run", "RuntimeSimulator", "Simulator", "StandaloneSimulator", "DEVICES",
           "check_device", "default_build_root", "run_once", "Target", "target", "RunTiming"]
