"""Every parameter set, in one place, with Brian2 units (the machinery they are made with:
:mod:`brianmodel.parameters`; the grammar of their values: :mod:`brianmodel.values`).

- :mod:`.cable`    ball-and-stick cable parameters and the step-size check
- :mod:`.mstdp`    the mSTDP network's sections, presets and the paper's recipes
- :mod:`.symstdp`  the sym-STDP network's sections and presets
- :mod:`.run`      how a training runs (dataset, chunks, seed, device)

Importing this package imports nothing; each module is loaded when used.
"""
