"""CUDA: the toolkit here, the GPU, and brianmodel's own CUDA device.

- :mod:`.toolkit`  nvcc, cuRAND, GPU detection, the preferences that let brian2cuda 1.0b1 build with current
  toolkits, with or without a GPU
- :mod:`.device`   ``brianmodel_cuda``: brian2cuda's CUDA standalone device with brianmodel's own templates
  (``templates/``): no host wait in a time step, set-up linear in synapses, kernels shaped to the work. It
  imports brian2cuda (optional), so it is loaded only when a CUDA target is activated
  (:mod:`brianmodel.device.targets`).
"""
from .toolkit import (CUDA_DEFAULT_PATHS, check_cuda_target, configure_cuda, cuda_toolkit,
                      environment_compute_capability, gpu_free_memory, gpu_memory_mib, gpu_present)

__all__ = ["cuda_toolkit", "gpu_present", "gpu_free_memory", "gpu_memory_mib", "check_cuda_target", "configure_cuda",
           "CUDA_DEFAULT_PATHS", "environment_compute_capability"]
