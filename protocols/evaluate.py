"""Probe a trained network (plasticity off) and save the activity the paper's figures read.

    python protocols/evaluate.py results/mnist                 # the standard probes
    python protocols/evaluate.py results/mnist --label test --presentations 2000 --phi-scale 1.2
    python protocols/evaluate.py results/mnist --label refractory-8ms --held-out --set 'neurons.refractory=8*ms'
    python protocols/evaluate.py results/mnist --code          # the code's measures and ceilings (docs/code.md)
    python protocols/evaluate.py results/mnist --code --reuse  # the report again, from the probes saved
    python protocols/evaluate.py results/mnist --alignment     # ΔW against the autoencoder's gradient

The standard probes are ``final`` (1,000 presentations of a seeded image set),
``phi-1.5`` (Φ × 1.5, Fig 7e) and ``checkpoint-<n>`` at six points of training
(Fig 5). Each writes <results>/evaluation/<label>.npz; the training's binary
is reused. --label runs one probe instead: of --held-out images (each once),
or of the seeded set; --set probes the trained weights under another value of
a model parameter (compiled anew if that parameter is compiled in; saved with the
probe as ``overrides``).

--code (a training with a holdout) probes --presentations (4,000) training
images (``code-train``) and every held-out image (``code-held-out``), writes the
code's measures and the ceilings of other codes of its size to
<results>/evaluation/code.json and prints them. With --reuse, code probes
already saved for that checkpoint are read instead of run again.

--alignment (a training with a holdout): from six checkpoints, the network
learns on the held-out images and on as many training images, and the cosine
of its weight change with the autoencoder's descent direction Σ z (x − x̂) (and
with the direction its window predicts, Σ z (r x − x̂)) goes to
<results>/evaluation/alignment.json.
"""

from brianmodel.analysis import format_report
from brianmodel.cli import command, parser
from brianmodel.errors import UsageError
from brianmodel.mstdp.probes import alignment_probe, code_probe, probe, standard_probes
from brianmodel.parameters import parse_assignments


# what each kind of run reads; a flag given to another is a mistake (it would be silently ignored)
FLAGS = {"presentations": "--presentations", "checkpoint": "--checkpoint", "phi_scale": "--phi-scale",
         "held_out": "--held-out", "set": "--set", "reuse": "--reuse", "label": "--label"}
TAKES = {"--alignment": set(),
         "--code": {"presentations", "checkpoint", "reuse"},
         "--label": {"label", "presentations", "checkpoint", "phi_scale", "held_out", "set"},
         "the standard probes": {"presentations", "phi_scale"}}


def _check_flags(args):
    kind = ("--alignment" if args.alignment else "--code" if args.code else
            "--label" if args.label is not None else "the standard probes")
    if args.alignment and args.code:
        raise UsageError("--alignment and --code are two runs: give one")
    given = [name for name in FLAGS if getattr(args, name) is not None and getattr(args, name) is not False
             and getattr(args, name) != []]  # (identity: a given 0 is given)
    ignored = [FLAGS[name] for name in given if name not in TAKES[kind]]
    if ignored:
        raise UsageError(f"{', '.join(ignored)} would be ignored by {kind} (it reads "
                         f"{', '.join(sorted(FLAGS[n] for n in TAKES[kind])) or 'no other option'})")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("results", help="results folder written by protocols/train.py")
    p.add_argument("--label", help="run one probe with this name instead of the standard set")
    p.add_argument("--code", action="store_true",
                   help="measure the code against ceilings (training images and held-out ones) instead")
    p.add_argument("--reuse", action="store_true",
                   help="with --code: read the code probes saved for that checkpoint instead of running them again")
    p.add_argument("--alignment", action="store_true",
                   help="the weight change's cosine with the autoencoder's gradient on held-out and training images, "
                        "at six points of training (evaluation/alignment.json; figures/alignment.py draws it)")
    p.add_argument("--presentations", type=int,
                   help="images probed (default 1,000; with --code, 4,000 training images)")
    p.add_argument("--checkpoint", type=int, help="presentations done at the checkpoint to probe (default: last)")
    p.add_argument("--phi-scale", type=float,
                   help="factor on every Φ_j (default: 1 for --label, 1.5 for the standard set's Φ probe)")
    p.add_argument("--held-out", action="store_true",
                   help="with --label: probe the training's held-out images, each once (a training with --holdout)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="with --label: probe the trained weights under this parameter instead of the training's, "
                        "e.g. --set neurons.refractory=8*ms (repeatable; saved with the probe)")
    args = p.parse_args(argv)
    if args.held_out and args.label is None:
        raise UsageError("--held-out needs --label (the standard probes and --code choose their own images)")
    if args.set and args.label is None:
        raise UsageError("--set needs --label: a probe under other parameters gets a name of its own, and the "
                         "standard probes keep theirs")
    if args.reuse and not args.code:
        raise UsageError("--reuse goes with --code (it reads the saved code probes)")
    _check_flags(args)
    presentations = args.presentations if args.presentations is not None else 4000 if args.code else 1000
    if args.alignment:
        alignment_probe(args.results)
    elif args.code:
        print(format_report(code_probe(args.results, presentations=presentations,
                                       checkpoint=args.checkpoint, reuse=args.reuse)))
    elif args.label is not None:
        probe(args.results, args.label, presentations=presentations, checkpoint=args.checkpoint,
              phi_scale=1.0 if args.phi_scale is None else args.phi_scale, held_out_only=args.held_out,
              overrides=parse_assignments(args.set))
    else:
        standard_probes(args.results, presentations=presentations,
                        phi_scale=1.5 if args.phi_scale is None else args.phi_scale)


if __name__ == "__main__":
    main()
