"""Heatmaps of a sweep (protocols/sweep.py) over any two of its grid's fields.

    python figures/sweep_heatmaps.py results/sweep [--x FIELD] [--y FIELD] [--out FOLDER]

Reads <sweep>/sweep.csv and sweep.json and writes <out>/sweep.png (default:
the sweep folder). Columns of panels: reconstruction corr(x, x̂) of the frozen
probe (of the held-out images when the sweep held some out), corr(Q, Wᵀ), the
mean correlation of the Q columns of co-active hidden units (where the sweep
measured it: lower is more distinct features), and Δt2 − Δt1 (the imbalance
of the bout gaps), each over --x × --y (default: the grid's first two fields; with one field, its
values × the seeds); one row of panels per value of every other field; seeds
are averaged (a cell shows the mean, and how many seeds made it when several).
"""
import itertools

import numpy as np

from brianmodel.cli import command, parser
from brianmodel.errors import ProtocolError
from brianmodel.plots import plt, save
from brianmodel.readers import read_sweep
from brianmodel.results import ResultsFolder

PANELS = (("reconstruction_corr", "corr(x, x̂)", "viridis", (0, None)),
          ("qw_correlation", "corr(Q, Wᵀ)", "viridis", (0, 1)),
          ("dt_imbalance", "Δt2 − Δt1 (ms)", "RdBu_r", "symmetric"))
HELD_OUT = ("held_out_corr", "held-out corr(x, x̂)", "viridis", (0, None))
COACTIVE = ("q_column_corr_coactive", "co-active Q columns' r", "viridis_r", (0, 1))


def value_of(row, column):
    return row["dt2_ms"] - row["dt1_ms"] if column == "dt_imbalance" else row.get(column, float("nan"))


def panels_of(rows) -> tuple:
    """PANELS, the reconstruction measured on held-out images where the sweep held some out, and the co-active Q
    columns' correlation where it measured that."""
    def measured(column):
        return any(np.isfinite(value_of(r, column)) for r in rows)
    first = HELD_OUT if measured("held_out_corr") else PANELS[0]
    return (first, PANELS[1], *((COACTIVE,) if measured(COACTIVE[0]) else ()), PANELS[2])


def slice_grid(rows, column, x, y, fixed):
    """(mean over the other rows of each (y, x) cell, how many rows each cell has) for rows matching ``fixed``."""
    xs, ys = sorted({r[x] for r in rows}), sorted({r[y] for r in rows})
    total, count = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)), dtype=int)
    for row in rows:
        if all(row[k] == v for k, v in fixed.items()):
            value = value_of(row, column)
            if np.isfinite(value):
                cell = ys.index(row[y]), xs.index(row[x])
                total[cell] += value
                count[cell] += 1
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0), count, xs, ys


def columns_of(sweep: dict) -> dict:
    """{field or 'seed': table column}."""
    return {**{a["field"]: a["column"] for a in sweep["axes"]}, "seed": "seed"}


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("sweep", help="the sweep's results folder")
    p.add_argument("--x", help="the field across (default: the grid's first)")
    p.add_argument("--y", help="the field up (default: the grid's second, or the seed)")
    p.add_argument("--out", help="folder for sweep.png (default: the sweep folder)")
    args = p.parse_args(argv)
    rows, sweep = read_sweep(args.sweep)
    columns = columns_of(sweep)
    fields = [a["field"] for a in sweep["axes"]]
    x = args.x or fields[0]
    y = args.y or (fields[1] if len(fields) > 1 else "seed")
    for name in (x, y):
        if name not in columns:
            raise ProtocolError(f"{name!r} is not a field of the sweep's grid: {', '.join(columns)}")
    if x == y:
        raise ProtocolError("--x and --y must be two different fields")
    others = [f for f in fields if f not in (x, y)]
    panels_rows = [dict(zip([columns[f] for f in others], values))
                   for values in itertools.product(*[sorted({r[columns[f]] for r in rows}) for f in others])]
    limits, panels = {}, panels_of(rows)
    for column, _, _, scale in panels:
        every = np.array([value_of(r, column) for r in rows])
        every = every[np.isfinite(every)]
        if scale == "symmetric":
            bound = np.abs(every).max() if every.size else 1
            limits[column] = (-bound, bound)
        else:
            limits[column] = (scale[0], scale[1] if scale[1] is not None else (every.max() if every.size else 1))
    fig, axes = plt.subplots(len(panels_rows), len(panels), figsize=(3.6 * len(panels), 2.7 * len(panels_rows)),
                             squeeze=False)
    for r, fixed in enumerate(panels_rows):
        for c, (column, label, cmap, _) in enumerate(panels):
            ax = axes[r, c]
            values, count, xs, ys = slice_grid(rows, column, columns[x], columns[y], fixed)
            image = ax.imshow(values, origin="lower", cmap=cmap, vmin=limits[column][0], vmax=limits[column][1],
                              aspect="auto")
            for (i, j), value in np.ndenumerate(values):
                text = "–" if not np.isfinite(value) else f"{value:.3f}" if abs(value) < 1 else \
                    f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
                if count[i, j] > 1:
                    text += f"\n(n={count[i, j]})"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="w" if column != "dt_imbalance" else "k")
            ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], fontsize=7)
            ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys], fontsize=7)
            ax.set_xlabel(columns[x], fontsize=7)
            ax.set_ylabel(columns[y], fontsize=7)
            where = ", ".join(f"{k} {v:g}" for k, v in fixed.items())
            ax.set_title(f"{label}{', ' + where if where else ''}", fontsize=8, loc="left")
            fig.colorbar(image, ax=ax, shrink=0.85).ax.tick_params(labelsize=6)
    info = ResultsFolder(args.sweep).read_params()
    run = info["run"]
    seeds = sweep["seeds"]
    fig.suptitle(f"Sweep: {run['presentations']} {run['dataset']} presentations per point, "
                 f"{info['model']['architecture']['n_hidden']} hidden units, seed{'s' if len(seeds) > 1 else ''} "
                 f"{', '.join(map(str, seeds))} (– : no final bout, Δt2 undefined)", fontsize=9)
    fig.tight_layout()
    save(fig, args.out or args.sweep, "sweep.png")


if __name__ == "__main__":
    main()
