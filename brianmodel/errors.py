"""The errors a user can cause and fix, under one base class.

Every command-line protocol catches :class:`BrianModelError` once and prints
its message as one line (exit status 1). Anything else (``TypeError``,
``KeyError``, ...) is a bug in brianmodel and keeps its traceback.
"""
from __future__ import annotations

__all__ = ["BrianModelError", "ParameterError", "DatasetError", "DeviceError", "SimulationError", "TrainingError",
           "ResultsError", "MissingResult", "FolderBusy", "DamagedFile", "ProtocolError", "UsageError"]


class BrianModelError(Exception):
    """Bad input, a missing or damaged file, a busy folder: something the user can fix."""


class UsageError(BrianModelError):
    """A command line argparse cannot read: an unknown option, a missing value, a value of the wrong type."""


class ParameterError(BrianModelError, ValueError):
    """A parameter or setting has the wrong unit, sign, type or value, or cannot be read."""


class DatasetError(BrianModelError, ValueError):
    """A dataset name, folder, file or label set is not usable."""


class DeviceError(BrianModelError):
    """An unknown device, or one this machine cannot use (no nvcc, no GPU, no brian2cuda)."""


class SimulationError(BrianModelError, ValueError):
    """A network or simulator asked for something it cannot do (stimulus of the wrong shape, ...)."""


class TrainingError(BrianModelError):
    """Training settings that contradict each other or the results folder."""


class ResultsError(BrianModelError):
    """A results folder that cannot be read or written as asked."""


class MissingResult(ResultsError, FileNotFoundError):
    """A file a reader needs is not in the results folder."""


class FolderBusy(ResultsError):
    """Another process is writing to the results folder."""


class DamagedFile(ResultsError):
    """A results file (a checkpoint, a probe) is truncated or not what its name says."""


class ProtocolError(BrianModelError, ValueError):
    """A protocol (probe, pairing, sweep, classification) that cannot run as asked."""
