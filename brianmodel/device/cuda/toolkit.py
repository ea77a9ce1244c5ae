"""CUDA with brian2cuda 1.0b1 and current toolkits, no installed package edited.

brian2cuda finds the toolkit itself, but with CUDA 13 it needs C++17 and
cuRAND headers that some toolkit installs lack, and it detects the GPU when
it builds. :func:`configure_cuda` sets Brian2's and brian2cuda's preferences
so that code generates and compiles here, and names what to install when
something is missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess

from brian2 import prefs

from ...errors import DeviceError

__all__ = ["cuda_toolkit", "gpu_present", "gpu_free_memory", "gpu_memory_mib",
           "check_cuda_target", "configure_cuda", "CUDA_DEFAULT_PATHS",
           "environment_compute_capability"]

CUDA_DEFAULT_PATHS = ("/usr/local/cuda", "/opt/cuda")  # where toolkits install when not on PATH


def cuda_toolkit() -> str:
    """The CUDA installation folder (holding bin/nvcc), found as brian2cuda looks for it."""
    candidates = [os.environ.get("CUDA_PATH")]
    nvcc = shutil.which("nvcc")
    if nvcc:
        candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(nvcc))))
        candidates.append(os.path.dirname(os.path.dirname(nvcc)))
    candidates += list(CUDA_DEFAULT_PATHS)
    for path in filter(None, candidates):  # a wrapper script's folder is not the toolkit: check headers
        if os.path.exists(os.path.join(path, "bin", "nvcc")) and \
                os.path.exists(os.path.join(path, "include", "cuda_runtime.h")):
            return path
    raise DeviceError("the cuda devices need NVIDIA's CUDA toolkit (nvcc), version 12 or 13: install it "
                      "(https://developer.nvidia.com/cuda-downloads, or Debian's nvidia-cuda-toolkit) and put "
                      "nvcc on PATH or set CUDA_PATH to the toolkit folder")


def gpu_present() -> bool:
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def gpu_memory_mib(query: str = "memory.free") -> list[int]:
    """nvidia-smi's ``query`` (memory.free, memory.used, memory.total) of each GPU, in MiB; [] without a GPU or
    nvidia-smi."""
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [int(value) for value in out.stdout.split() if value.isdigit()] if out.returncode == 0 else []


def gpu_free_memory() -> int | None:
    """Bytes free on the GPU with the most free memory; None without a GPU or nvidia-smi."""
    free = gpu_memory_mib("memory.free")
    return max(free) * 2 ** 20 if free else None


def check_cuda_target(compute_capability):
    if compute_capability is None and not gpu_present():
        raise DeviceError("no GPU found (nvidia-smi -L): to generate and compile CUDA code without one, give the "
                          "target's compute capability (e.g. 9.0 for H100/H200, 8.0 for A100)")


def _curand_paths(toolkit):
    """(include dir, library dir) of cuRAND, or None when the toolkit has it itself.

    Some toolkit installs lack cuRAND; the pip wheels carry it: ``nvidia-curand``
    (CUDA 13: nvidia/cu13) or ``nvidia-curand-cu12`` (nvidia/curand).
    """
    if os.path.exists(os.path.join(toolkit, "include", "curand.h")):
        return None
    try:
        import nvidia
    except ImportError:
        nvidia = None
    for root in getattr(nvidia, "__path__", []):
        for sub in ("cu13", "curand"):
            include, lib = os.path.join(root, sub, "include"), os.path.join(root, sub, "lib")
            if os.path.exists(os.path.join(include, "curand.h")):
                return include, lib
    raise DeviceError(f"the CUDA toolkit in {toolkit} has no cuRAND headers: pip install nvidia-curand "
                      "(CUDA 13) or nvidia-curand-cu12 (CUDA 12)")


def configure_cuda(build_root: str, compute_capability: float | None = None):
    """Set brian2cuda's and Brian2's preferences so that cuda_standalone builds here.

    - C++17 for host and device code (CUDA 13's Thrust needs it; brian2cuda's
      makefile says c++11 for nvcc, overridden by a later flag, and Brian2's
      default host flags say c++11).
    - cuRAND from the pip wheel when the toolkit lacks it; brian2cuda links
      ``-lcurand`` but the wheel ships only ``libcurand.so.10``, so a
      ``libcurand.so`` link goes into the build root.
    - Without a GPU, ``compute_capability`` (e.g. 9.0 for H100/H200) replaces
      GPU detection, so that code can be generated and compiled on a CPU-only
      machine and the binary run on the GPU machine; host code is then built
      without -march=native.
    """
    toolkit = cuda_toolkit()
    check_cuda_target(compute_capability)
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.cuda_path = toolkit
    host_flags = [f for f in prefs.codegen.cpp.extra_compile_args_gcc if not f.startswith("-std=")]
    if compute_capability is not None:
        backend.detect_gpus = False
        backend.gpu_id = 0
        backend.compute_capability = float(compute_capability)
        host_flags = [f for f in host_flags if f != "-march=native"]
    prefs.codegen.cpp.extra_compile_args_gcc = host_flags + ["-std=c++17"]
    backend.extra_compile_args_nvcc = list(backend.extra_compile_args_nvcc) + ["-std=c++17"]
    curand = _curand_paths(toolkit)
    if curand:
        include, lib = curand
        link_dir = os.path.join(build_root, "curand-link")
        os.makedirs(link_dir, exist_ok=True)
        link = os.path.join(link_dir, "libcurand.so")
        if not os.path.lexists(link):
            os.symlink(os.path.join(lib, "libcurand.so.10"), link)
        prefs.codegen.cpp.include_dirs = list(prefs.codegen.cpp.include_dirs) + [include]
        prefs.codegen.cpp.library_dirs = list(prefs.codegen.cpp.library_dirs) + [link_dir]
        prefs.codegen.cpp.runtime_library_dirs = list(prefs.codegen.cpp.runtime_library_dirs) + [lib]


def environment_compute_capability(compute_capability: float | None) -> float | None:
    """``compute_capability``, or BRIANMODEL_CUDA_COMPUTE_CAPABILITY when it is not given."""
    if compute_capability is not None:
        return float(compute_capability)
    text = os.environ.get("BRIANMODEL_CUDA_COMPUTE_CAPABILITY")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DeviceError(f"BRIANMODEL_CUDA_COMPUTE_CAPABILITY={text!r} is not a compute capability "
                          f"(e.g. 9.0)") from None
