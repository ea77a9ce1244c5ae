"""How a training runs: dataset, length, chunks, seed, device, and the supervised options.

:class:`RunSettings` is saved as ``run`` in a training's params.json; what the
network computes is in the model's parameter set (:mod:`.mstdp`,
:mod:`.symstdp`).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields

from ..errors import ParameterError, TrainingError

__all__ = ["RunSettings", "MODEL_NAMES", "LABEL_INTENSITY", "N_CLASSES"]

MODEL_NAMES = ("mstdp", "symstdp")  # brianmodel.mstdp, brianmodel.symstdp
N_CLASSES = 10  # classes of the labelled datasets (digits, Fashion-MNIST)
LABEL_INTENSITY = 1.0  # a lit label unit is as bright as the brightest pixel (# ours)


@dataclass(frozen=True)
class RunSettings:
    dataset: str = "mnist"  # brianmodel.datasets.load_dataset's names: 'mnist' (bundled digits), 'fashion', a folder...
    presentations: int = 5000
    chunk_size: int = 500  # presentations per binary run (and per checkpoint)
    seed: int = 0
    device: str = "cpp"  # 'runtime', 'cpp', 'cuda', 'cuda-graphs' or 'cuda-stock' (brianmodel.device.targets)
    threads: int = 0  # OpenMP threads for cpp (0: none)
    preset: str = "main"
    compute_capability: float | None = None  # cuda: build for this GPU generation instead of detecting one
    labels: bool = False  # mstdp: label units, image + one-hot label (brianmodel.mstdp.labels)
    label_intensity: float = LABEL_INTENSITY  # mstdp: the lit label unit's stimulus intensity
    label_copies: int = 1  # mstdp: label units per class (a population code)
    holdout: int = 0  # images held out of training, for testing (seeded split; 0: train on all)
    model: str = "mstdp"  # one of MODEL_NAMES

    def validate(self) -> "RunSettings":
        for name in ("presentations", "chunk_size"):
            value = getattr(self, name)
            if not _integer(value) or value <= 0:
                raise TrainingError(f"{name} must be a positive integer, got {value!r}")
        if not _integer(self.seed) or self.seed < 0:
            raise TrainingError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not _integer(self.threads) or self.threads < 0:
            raise TrainingError(f"threads must be an integer >= 0, got {self.threads!r}")
        if self.compute_capability is not None and not self.device.startswith("cuda"):
            raise TrainingError("compute_capability applies to the cuda devices only")
        if not _integer(self.label_copies) or self.label_copies < 1:
            raise TrainingError(f"label_copies must be a positive integer, got {self.label_copies!r}")
        if not _integer(self.holdout) or self.holdout < 0:
            raise TrainingError(f"holdout must be a non-negative integer, got {self.holdout!r}")
        if not isinstance(self.label_intensity, (int, float)) or not 0 < self.label_intensity < math.inf:
            raise TrainingError(f"label_intensity must be a positive finite number, got {self.label_intensity!r}")
        if self.model not in MODEL_NAMES:
            raise TrainingError(f"unknown model {self.model!r}; choose one of {', '.join(MODEL_NAMES)}")
        if self.labels and self.model != "mstdp":
            raise TrainingError("label units (labels) belong to the mstdp model")
        return self

    @classmethod
    def from_info(cls, info: dict, model: str | None = None) -> "RunSettings":
        """The settings saved in a params.json (``info``); ``model``: refuse a training of another model."""
        run = info.get("run") if isinstance(info, dict) else None
        if not isinstance(run, dict):
            raise ParameterError("params.json has no run settings: not a training's results folder")
        known = {f.name for f in fields(cls)}
        unknown = set(run) - known
        if unknown:
            raise ParameterError(f"unknown run setting(s) {sorted(unknown)} in params.json")
        saved = run.get("model", "mstdp")
        if model is not None and saved != model:
            raise TrainingError(f"the folder holds a {saved} training, not a {model} one")
        return cls(**run).validate()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def label_units(self) -> int:
        """Label units at the end of the visible layer (0 without labels)."""
        return N_CLASSES * self.label_copies if self.labels else 0

    @property
    def effective_chunk(self) -> int:
        return min(self.chunk_size, self.presentations)

    @property
    def total_presentations(self) -> int:
        """Presentations rounded up to whole chunks (the binary's length is fixed)."""
        chunk = self.effective_chunk
        return -(-self.presentations // chunk) * chunk


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
