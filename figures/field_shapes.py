"""The shapes of trainings' receptive fields side by side: Gabor fits, orientation, localization.

    python figures/field_shapes.py results/natural results/natural-lateral --out figures/lateral
    python figures/field_shapes.py results/run@80000 results/run --out figures/run   # a checkpoint, the last

For each results folder (its last checkpoint, or the one after N presentations
with FOLDER@N; no simulation re-run): the
ON − OFF fields of the first 100 hidden units, and a 2-D Gabor fitted to
each (brianmodel.analysis.gabor_fits). A field counts as oriented when ON
and OFF subregions sit side by side (analysis.oriented), as localized when
±2σ of the envelope's longer axis spans at most the patch (analysis.localized:
not gratings across the patch), and as V1-like when it is both (the wavelets
of sparse coding; a small blob is localized but not oriented).
Writes field_shapes.png (the fields, and the envelope sizes of the good fits)
and field_shapes.csv (one row per training).
"""
import os

import numpy as np

from brianmodel.analysis import envelope_extent, field_shapes, gabor_fits, receptive_fields
from brianmodel.cli import command, parser
from brianmodel.errors import UsageError
from brianmodel.plots import field_grid, plt, save, save_table, trained_weights
from brianmodel.results import ResultsFolder

PER_ROW = 3  # trainings side by side; more go on further rows
COLUMNS = ("training", "presentations", "units", "gabor_r2_0.5", "oriented", "localized", "v1_like", "median_extent")


def shapes(folder: ResultsFolder, presentations: int | None = None, n: int = 100
           ) -> tuple[dict, np.ndarray, np.ndarray]:
    """(the table's row, the fields, the envelope extents of the fits with R² ≥ 0.5) of the checkpoint after
    ``presentations`` (default: the last)."""
    _, state, shape = trained_weights(folder, presentations)
    fields = receptive_fields(state["W"], shape)[:n]
    params, r2 = gabor_fits(fields)
    shares = field_shapes(params, r2, shape)
    row = {"training": training_name(folder.path), "presentations": state.presentations,
           "units": len(fields), "gabor_r2_0.5": shares["gabor"], "oriented": shares["oriented"],
           "localized": shares["localized"], "v1_like": shares["v1_like"], "median_extent": shares["median_extent"]}
    return row, fields, envelope_extent(params, shape)[r2 >= 0.5]


def training_name(path: str) -> str:
    """The folder's name; a sweep's point (SWEEP/points/POINT) as SWEEP/POINT."""
    parent, name = os.path.split(os.path.normpath(os.path.abspath(path)))
    return f"{os.path.basename(os.path.dirname(parent))}/{name}" if os.path.basename(parent) == "points" else name


def checkpoint_of(argument: str) -> tuple[ResultsFolder, int | None]:
    """FOLDER or FOLDER@N (the checkpoint after N presentations) as (folder, N or None)."""
    path, at, presentations = argument.rpartition("@") if "@" in os.path.basename(argument) else (argument, "", "")
    if at and not presentations.isdigit():
        raise UsageError(f"{argument!r}: a checkpoint is named FOLDER@N, N the presentations done at it")
    return ResultsFolder(path), int(presentations) if at else None


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", nargs="+", help="results folders of trainings on image patches, each FOLDER (its "
                                              "last checkpoint) or FOLDER@N (the checkpoint after N presentations)")
    p.add_argument("--out", required=True, help="folder for field_shapes.png and field_shapes.csv")
    args = p.parse_args(argv)
    checkpoints = [checkpoint_of(argument) for argument in args.results]  # every name checked before any fit
    measured = [shapes(*checkpoint) for checkpoint in checkpoints]  # everything read before anything written
    columns = min(len(measured), PER_ROW)
    rows = -(-len(measured) // columns)
    fig = plt.figure(figsize=(5.2 * columns, 8.2 * rows))
    grid = fig.add_gridspec(2 * rows, columns, height_ratios=[5, 1.6] * rows, hspace=0.3, wspace=0.12)
    bins = np.linspace(0, 1, 21)
    for k, (row, fields, extent) in enumerate(measured):
        top, column = 2 * (k // columns), k % columns
        field_grid(fig, grid[top, column], fields,
                   title=f"{row['training']}\nafter {row['presentations']} presentations")
        ax = fig.add_subplot(grid[top + 1, column])
        ax.hist(extent, bins=bins, color="0.3")
        ax.axvline(0.25, color="r", lw=0.8)
        ax.set_xlabel("envelope's larger σ / patch side (Gabor fits with R² ≥ 0.5)", fontsize=7)
        ax.set_ylabel("units", fontsize=7)
        ax.set_title(f"Gabor {100 * row['gabor_r2_0.5']:.0f}%, oriented {100 * row['oriented']:.0f}%, "
                     f"localized (left of red) {100 * row['localized']:.0f}%, both {100 * row['v1_like']:.0f}%",
                     fontsize=8, loc="left")
    save(fig, args.out, "field_shapes.png")
    save_table(args.out, "field_shapes.csv", COLUMNS, [row for row, _, _ in measured],
               {c: "{:.3g}".format for c in COLUMNS[3:]})
    print(f"wrote {args.out}/field_shapes.png and field_shapes.csv")


if __name__ == "__main__":
    main()
