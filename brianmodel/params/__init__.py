"""Every parameter, in one place, with Brian2 units.

- :mod:`.values`   the strict grammar of values with units (no brian2; nothing is evaluated)
- :mod:`.base`     the dataclass machinery: fields with units and signs, validation, JSON
- :mod:`.cable`    ball-and-stick cable parameters and the step-size check
- :mod:`.mstdp`    the mSTDP network's sections, presets and the paper's recipes
- :mod:`.symstdp`  the sym-STDP network's sections and presets
- :mod:`.run`      how a training runs (dataset, chunks, seed, device)

Importing this package imports nothing; each module is loaded when used, so
that :mod:`.values` serves readers of results without brian2.
"""
