"""brianmodel: the mirrored-STDP spiking autoencoder of Burbank (2015) in Brian2, compiled to C++ or CUDA.

A protocol of one's own in Python (a preset, a feedback location and delay, a
Brian2 monitor, 100 digits compiled to C++): README.md, "A protocol in
Python"; docs/python-api.md says what each step gives. The suite runs both
(tests/test_api.py, tests/test_docs.py).

The public API (each loaded when first used, so that reading results does not import brian2):

- ``bm.mstdp``, ``bm.symstdp``: the two networks (``Model``, ``preset``, ``Trainer``, ...)
- ``bm.rules``: plasticity rules for either pathway (``params.rules``: the paper's ``mirrored``, ``stdp``,
  ``triplet``, ``bcm``, ``oja``, ``modulated-*``, ...), each writing its Brian2 code, with a reference
- ``bm.Simulator(model, device="runtime" | "cpp" | "cuda", chunk_size=500)``: ``.run(stimulus, state)``
- ``bm.load_dataset("mnist" | "fashion" | "natural" | "gabors" | path)``
- ``bm.mstdp.Ensemble([params, ...], n_inputs)``: K copies in one binary, each with its own run-time parameters
  (locations, delays, learning rates, ...); ``Simulator(ensemble).run(images, ensemble.initial_state([0, 1, 2]))``
  runs them at once, ``run.copy(k)`` is copy k's run
- ``bm.train(params, bm.RunSettings(...), out)``: a checkpointed, resumable training into a results folder;
  ``bm.train_ensemble([bm.Member(params, settings, out), ...])`` trains copies in one binary, each into its own
- ``bm.ResultsFolder(path)``: read (and, one writer at a time, write) a results folder
- ``bm.BrianModelError``: the base of every error a user can fix

The packages, dependencies pointing one way, each folder on one layer: ``errors, io, values,
parameters, results`` ← ``rules`` ← ``params`` ← ``schedule, datasets, cells, analysis, readout, cli,
readers, plots`` ← ``device`` ← ``mstdp, symstdp`` ← ``training`` ← ``protocols``. docs/architecture.md says
more.
"""
import importlib

__version__ = "0.1.0"

_LAZY = {
    "mstdp": ("brianmodel.mstdp", None),
    "symstdp": ("brianmodel.symstdp", None),
    "rules": ("brianmodel.rules", None),
    "Simulator": ("brianmodel.device", "Simulator"),
    "load_dataset": ("brianmodel.datasets", "load_dataset"),
    "train": ("brianmodel.training", "train"),
    "train_ensemble": ("brianmodel.training", "train_ensemble"),
    "Member": ("brianmodel.training", "Member"),
    "RunSettings": ("brianmodel.params.run", "RunSettings"),
    "ResultsFolder": ("brianmodel.results", "ResultsFolder"),
    "BrianModelError": ("brianmodel.errors", "BrianModelError"),
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'brianmodel' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
