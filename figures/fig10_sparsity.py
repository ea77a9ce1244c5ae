"""Fig 10: learned feedforward weights for other target rates ρ.

    python figures/fig10_sparsity.py [--root results/paper] [--out figures/paper]

a: MNIST with ρ = 0.001; b: natural patches with ρ = 0.001; c: MNIST with
ρ = 0.3 (runs ``mnist-rho0.001``, ``natural-rho0.001``, ``mnist-rho0.3``).
First 100 hidden units, ON − OFF, each scaled to its largest weight.
"""
from brianmodel.cli import command
from brianmodel.plots import DATASET_LABEL, arguments, field_grid, plt, present_runs, save

ROLES = ("mnist-rho0.001", "natural-rho0.001", "mnist-rho0.3")


@command
def main(argv=None):
    args = arguments(__doc__, argv)
    runs = [run for run, _ in present_runs(args.root, ROLES)]
    fig = plt.figure(figsize=(5.5 * len(runs), 6.2))
    grid = fig.add_gridspec(1, len(runs), wspace=0.08)
    for k, run in enumerate(runs):
        role = run.role
        done = run.state().presentations
        rows = run.folder.read_metrics()
        dataset = DATASET_LABEL[role.split("-")[0]]
        rho = run.info["model"]["homeostasis"]["rho"]
        title = (f"{'abc'[ROLES.index(role)]}  {dataset}, ρ = {rho:g}, {done} presentations\n"
                 f"hidden spikes/unit/presentation {rows[-1]['hidden_rate']:.3f}, "
                 f"corr(x, x̂) {rows[-1]['reconstruction_corr']:.2f}")
        field_grid(fig, grid[0, k], run.fields()[:100], title=title)
    fig.suptitle("Fig 10: feedforward weights for different target activation rates ρ", fontsize=10)
    save(fig, args.out, "fig10_sparsity.png")


if __name__ == "__main__":
    main()
