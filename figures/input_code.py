"""The visible code's staircase: initial-bout spikes per visible unit against its stimulus, probe by probe.

    python figures/input_code.py results/olshausen-input-gain/points/g_input{1.5,1}-seed0 --out figures/olshausen/input-code
    python protocols/evaluate.py results/olshausen --label gain-1.5 --set connections.g_input=1.5
    python figures/input_code.py results/olshausen results/olshausen:gain-1.5 --out figures/olshausen/input-code

How many spikes a visible unit fires in the initial bout for a stimulus of a given intensity (in the patches'
s.d.: the ON or OFF part of a whitened pixel) decides what the network learns from natural scenes
(docs/natural-patches.md): a code that gives one or two spikes to every pixel above a quarter of an s.d. weighs
the scenes' fine texture as much as their edges. Each probe's mean count per intensity bin is drawn, with the
thresholds of its 1st, 2nd and 3rd spike (analysis.count_thresholds), the stimulus gain it ran with
(``connections.g_input``, the training's or the probe's --set) and the staircase round(p) for reference.
Each probe is FOLDER (its ``final`` probe) or FOLDER:LABEL. Reads saved probes and the trainings' datasets; runs no
simulation. Writes input_code.png and input_code.csv (the thresholds, for
``figures/rate_model_fields.py --input counts=T1,T2,T3``).
"""
import json
import os

import numpy as np

from brianmodel.analysis import count_curve, count_thresholds
from brianmodel.cli import command, parser
from brianmodel.datasets import load_dataset
from brianmodel.errors import DamagedFile
from brianmodel.plots import save, save_table
from brianmodel.results import ResultsFolder, check_folder_path

LEVELS = 3  # the most initial-bout spikes with a 2 ms refractory period and a 5 ms stimulus
WIDTH = 0.05  # s.d. per bin
COLUMNS = ("training", "probe", "g_input", "initial_bout", *(f"threshold_{n}" for n in range(1, LEVELS + 1)))


def split_probe(spec: str) -> tuple[str, str]:
    """``FOLDER`` (its final probe) or ``FOLDER:LABEL``."""
    if os.path.isdir(spec) or ":" not in spec:
        return spec, "final"
    folder, _, label = spec.rpartition(":")
    return folder, label


def load_probe(folder: ResultsFolder, label: str, intensities: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    probe = folder.load_evaluation(label)
    x, images = np.asarray(probe["x"]), np.asarray(probe["image_indices"])
    if x.ndim != 2 or x.shape[1] != intensities.shape[1] or len(images) != len(x) or \
            not (0 <= images.min() and images.max() < len(intensities)):
        raise DamagedFile(f"probe {label!r}: x {x.shape} and its images do not fit the dataset's "
                          f"{intensities.shape} visible intensities")
    return intensities[images], x, probe_overrides(probe)


def probe_overrides(probe: dict) -> dict:
    """The probe's --set values, {section: {name: value}} (parsed from its JSON; {} without)."""
    if "overrides" not in probe:
        return {}
    try:
        overrides = json.loads(str(probe["overrides"]))
        if isinstance(overrides, dict) and all(isinstance(v, dict) for v in overrides.values()):
            return overrides
    except ValueError:
        pass
    raise DamagedFile(f"a probe's overrides are not {{section: {{name: value}}}} JSON: "
                      f"{str(probe['overrides'])[:80]!r}")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("probes", nargs="+", help="FOLDER (its final probe) or FOLDER:LABEL (evaluation/<LABEL>.npz)")
    p.add_argument("--out", required=True, help="folder for input_code.png and input_code.csv")
    args = p.parse_args(argv)
    check_folder_path(args.out)
    intensities = {}  # by dataset spec: several probes of one dataset load it once
    probes = []
    for spec in args.probes:
        path, label = split_probe(spec)
        folder = ResultsFolder(path)
        info = folder.read_params()
        dataset = info["run"]["dataset"]
        if dataset not in intensities:
            intensities[dataset] = load_dataset(dataset).visible_intensities()
        intensity, x, overrides = load_probe(folder, label, intensities[dataset])
        gain = overrides.get("connections", {}).get("g_input", info["model"]["connections"]["g_input"])
        probes.append((os.path.basename(os.path.normpath(path)), label, gain, intensity, x))
    import matplotlib.pyplot as plt

    legend_in = 0.2 + 0.15 * (len(probes) + 1)  # inches below the axes for the legend
    fig, ax = plt.subplots(figsize=(6.5, 4.0 + legend_in))
    fig.subplots_adjust(bottom=(0.55 + legend_in) / (4.0 + legend_in), top=0.95)
    reference = np.linspace(0, 4, 401)
    ax.plot(reference, np.minimum(LEVELS, np.round(reference)), color="0.6", ls="--", label="round(p), at most 3")
    rows = []
    for training, label, gain, intensity, x in probes:
        thresholds = count_thresholds(intensity, x, LEVELS, WIDTH)
        rows.append({"training": training, "probe": label, "g_input": gain, "initial_bout": x.sum(axis=1).mean(),
                     **{f"threshold_{n}": t for n, t in enumerate(thresholds, 1)}})
        shown = ", ".join("–" if not np.isfinite(t) else f"{t:.2f}" for t in thresholds)
        print(f"{training}:{label} (g_input {gain}): {rows[-1]['initial_bout']:.0f} initial-bout spikes; "
              f"thresholds {shown} s.d.")
        ax.plot(*count_curve(intensity, x, WIDTH), label=f"g_input {gain} ({training}:{label}): from {shown} s.d.")
    ax.set(xlabel="stimulus of a visible unit (s.d. of the patches)", ylabel="initial-bout spikes (mean)",
           xlim=(0, 4), ylim=(0, LEVELS + 0.2))
    fig.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.1, 0.01), frameon=False)  # below: no curve hidden
    save(fig, args.out, "input_code.png")
    save_table(args.out, "input_code.csv", COLUMNS, rows, {c: "{:.3g}".format for c in COLUMNS[2:]})
    print(f"wrote {args.out}/input_code.png and input_code.csv")


if __name__ == "__main__":
    main()
