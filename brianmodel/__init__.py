"""brianmodel: the mirrored-STDP spiking autoencoder of Burbank (2015) in Brian2.

Modules, one concern each:

- :mod:`~brianmodel.parameters`  every parameter, with units (paper values marked apart from ours)
- :mod:`~brianmodel.data`        datasets and the ON/OFF split
- :mod:`~brianmodel.model`       equation strings, groups, synapses: the network
- :mod:`~brianmodel.device`      runtime / C++ / CUDA, builds and run_args
- :mod:`~brianmodel.training`    chunked training, checkpoints, resume
- :mod:`~brianmodel.analysis`    reconstruction, sparsity, symmetry, bout gaps, receptive fields
- :mod:`~brianmodel.results`     the results folder on disk
"""
__version__ = "0.1.0"
