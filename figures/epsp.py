"""EPSP amplitude and latency at the soma against synapse location (reads protocols/epsp.py's results).

    python figures/epsp.py results/epsp [--out results/epsp/epsp.png]
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from brian2 import ms, nS, um  # noqa: E402

from brianmodel.parameters import decode_value  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("results")
    p.add_argument("--out")
    args = p.parse_args(argv)
    path = os.path.join(args.results, "epsp.csv")
    if not os.path.exists(path):
        raise SystemExit(f"error: no epsp.csv in {args.results!r} (run protocols/epsp.py --out {args.results})")
    table = np.genfromtxt(path, delimiter=",", names=True)
    with open(os.path.join(args.results, "params.json")) as f:
        info = json.load(f)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    axes[0].plot(table["location_um"], table["amplitude_mV"], "ko-", ms=3)
    axes[0].set_ylabel("somatic EPSP amplitude (mV)")
    axes[1].plot(table["location_um"], table["latency_ms"], "ko-", ms=3)
    axes[1].set_ylabel("time to peak (ms)")
    for ax in axes:
        ax.set_xlabel("synapse distance from the soma (µm)")
    cable, settings = info["cable"], info["settings"]
    value = lambda text, unit: float(decode_value(text) / unit)  # noqa: E731
    fig.suptitle(f"one synapse, {value(info['g_synapse'], nS):g} nS peak; cable {value(cable['length'], um):g} µm × "
                 f"{value(cable['diameter'], um):g} µm, λ = {info['length_constant_um']:.0f} µm, "
                 f"{cable['n_compartments']} compartments; {settings.get('method', 'exponential_euler')} at "
                 f"dt {value(settings['dt'], ms):g} ms", fontsize=8)
    fig.tight_layout()
    out = args.out or os.path.join(args.results, "epsp.png")
    fig.savefig(out, dpi=130)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
