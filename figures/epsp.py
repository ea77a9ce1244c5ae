"""EPSP amplitude and latency at the soma against synapse location (reads protocols/epsp.py's results).

    python figures/epsp.py results/epsp [--out FOLDER]

Writes <out>/epsp.png (default: the results folder).
"""

from brianmodel.cli import command, parser
from brianmodel.plots import plt, save
from brianmodel.readers import read_epsp
from brianmodel.values import si_value


def value(text, scale: int) -> float:
    """A saved quantity in units of 10**-scale of its SI unit (value(g, 9): nS)."""
    return si_value(text)[0] * 10 ** scale


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results")
    p.add_argument("--out")
    args = p.parse_args(argv)
    table = read_epsp(args.results)
    info = table["info"]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    axes[0].plot(table["location_um"], table["amplitude_mV"], "ko-", ms=3)
    axes[0].set_ylabel("somatic EPSP amplitude (mV)")
    axes[1].plot(table["location_um"], table["latency_ms"], "ko-", ms=3)
    axes[1].set_ylabel("time to peak (ms)")
    for ax in axes:
        ax.set_xlabel("synapse distance from the soma (µm)")
    cable, settings = info["cable"], info["settings"]
    fig.suptitle(f"one synapse, {value(info['g_synapse'], 9):g} nS peak; cable {value(cable['length'], 6):g} µm × "
                 f"{value(cable['diameter'], 6):g} µm, λ = {info['length_constant_um']:.0f} µm, "
                 f"{cable['n_compartments']} compartments; {settings.get('method', 'exponential_euler')} at "
                 f"dt {value(settings['dt'], 3):g} ms", fontsize=8)
    fig.tight_layout()
    save(fig, args.out or args.results, "epsp.png")


if __name__ == "__main__":
    main()
