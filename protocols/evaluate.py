"""Probe a trained network (plasticity off) and save the activity the paper's figures read.

    python protocols/evaluate.py results/mnist                 # the standard probes
    python protocols/evaluate.py results/mnist --label test --presentations 2000 --phi-scale 1.2

The standard probes are ``final`` (1,000 presentations of a seeded image set),
``phi-1.5`` (Φ × 1.5, Fig 7e) and ``checkpoint-<n>`` at six points of training
(Fig 5). Each writes <results>/evaluation/<label>.npz; the training's binary
is reused.
"""
import argparse

from brianmodel.mstdp.probes import probe, standard_probes
from brianmodel.protocols.cli import command


@command
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="results folder written by protocols/train.py")
    p.add_argument("--label", help="run one probe with this name instead of the standard set")
    p.add_argument("--presentations", type=int, default=1000)
    p.add_argument("--checkpoint", type=int, help="presentations done at the checkpoint to probe (default: last)")
    p.add_argument("--phi-scale", type=float,
                   help="factor on every Φ_j (default: 1 for --label, 1.5 for the standard set's Φ probe)")
    args = p.parse_args(argv)
    if args.label:
        probe(args.results, args.label, presentations=args.presentations, checkpoint=args.checkpoint,
              phi_scale=1.0 if args.phi_scale is None else args.phi_scale)
    else:
        standard_probes(args.results, presentations=args.presentations,
                        phi_scale=1.5 if args.phi_scale is None else args.phi_scale)


if __name__ == "__main__":
    main()
