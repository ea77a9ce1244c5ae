"""Train the mirrored-STDP autoencoder and write a results folder.

    python protocols/train.py --dataset mnist --presentations 5000 --out results/mnist
    python protocols/train.py --out results/mnist --resume --presentations 15000
    python protocols/train.py --seeds 8 --out results/mnist-seeds      # 8 seeds as one ensemble
    python protocols/train.py --seeds 8 --workers 2 --out results/s8   # as 2 ensembles of 4, one per core
    python protocols/train.py --rule feedforward=triplet,feedback=astdp --out results/triplet

Writes params.json, metrics.csv, one checkpoint_*.npz per chunk and
last_chunk.npz to --out; figures/training.py draws them. A folder is written
by one training at a time; --resume continues from its last good checkpoint.
With --seeds N > 1 the seeds --seed .. --seed + N − 1 train as the copies of
one ensemble (one binary, in lockstep), each into <out>/seed-<s> exactly as
it would train alone, with a summary table in <out>/ensemble.csv; --workers W
splits them into W ensembles trained at once, one process each (the same
results; on cpp, how they use W cores).
"""
import dataclasses
import os

from brian2 import ms

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.errors import ParameterError
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import PRESETS, preset
from brianmodel.params.run import RunSettings
from brianmodel.rules.options import add_rule_argument, rule_overrides
from brianmodel.training import Member, train, train_ensemble


def parse_args(argv=None):
    p = parser(__doc__)
    p.add_argument("--dataset", default="mnist",
                   help="'mnist' (the 5,000 bundled digits), 'fashion', 'natural[:P[:F0[:S[:N]]]]', 'gabors[:P]' "
                        "(synthetic patches of localized Gabors), a .mat file or a folder of photographs "
                        "(PATH[:P[:F0[:S[:N]]]]), or a folder of MNIST IDX files")
    p.add_argument("--preset", default="main", help=f"parameter preset: {', '.join(PRESETS)}")
    p.add_argument("--hidden", type=int, help="number of hidden neurons (preset: 200)")
    p.add_argument("--presentations", type=int, default=5000)
    p.add_argument("--chunk", type=int, default=500, help="presentations per binary run and checkpoint")
    p.add_argument("--holdout", type=int, default=0,
                   help="images held out of training (a seeded split; the dataset's test split where it has one): "
                        "evaluate.py --code measures the code on them")
    p.add_argument("--rho", type=float, help="target hidden spikes per unit per presentation")
    p.add_argument("--eta", type=float, help="learning rate η of feedforward STDP")
    p.add_argument("--zeta-over-eta", type=float, help="ratio ζ/η of the feedback (aSTDP) learning rate")
    p.add_argument("--delay-feedforward", type=float, metavar="MS", help="axonal delay of W (ms)")
    p.add_argument("--delay-feedback", type=float, metavar="MS", help="axonal delay of Q (ms)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE",
                   help="any other parameter, with units where it has them, e.g. --set connections.g_feedback=3 "
                        "--set 'presentation.readout_split=10*ms' (repeatable; see brianmodel/params/mstdp.py)")
    add_rule_argument(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", type=int, default=1, help="seeds trained as one ensemble (--seed, --seed + 1, ...)")
    p.add_argument("--workers", type=int, default=1,
                   help="with --seeds: train the seeds as this many smaller ensembles at once, one process each "
                        "(on cpp, how they use several cores; default 1)")
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    p.add_argument("--threads", type=int, default=0, help="OpenMP threads for cpp (0: single-threaded)")
    p.add_argument("--compute-capability", type=float, metavar="CC",
                   help="cuda: compile for this GPU generation (e.g. 9.0 for H100) instead of detecting the GPU")
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--resume", action="store_true", help="continue the training in --out from its last checkpoint")
    return p.parse_args(argv)


def params_from_args(args):
    overrides = {}

    def put(section, name, value):
        if value is not None:
            overrides.setdefault(section, {})[name] = value
    put("architecture", "n_hidden", args.hidden)
    put("homeostasis", "rho", args.rho)
    put("plasticity", "eta", args.eta)
    put("plasticity", "zeta_over_eta", args.zeta_over_eta)
    put("connections", "delay_feedforward", None if args.delay_feedforward is None else args.delay_feedforward * ms)
    put("connections", "delay_feedback", None if args.delay_feedback is None else args.delay_feedback * ms)
    for section, values in {**parse_assignments(args.set), **rule_overrides(args)}.items():
        for name, value in values.items():  # (None too: an optional field unset)
            overrides.setdefault(section, {})[name] = value
    params = preset(args.preset).with_overrides(**overrides)
    for section, values in overrides.items():  # a value given that the rules in use ignore is a mistake
        for name in values:
            params.check_effective(section, name)
    return params


@command
def main(argv=None):
    args = parse_args(argv)
    params = params_from_args(args)
    settings = RunSettings(dataset=args.dataset, presentations=args.presentations, chunk_size=args.chunk,
                           seed=args.seed, device=args.device, threads=args.threads, preset=args.preset,
                           holdout=args.holdout, compute_capability=args.compute_capability).validate()
    if args.seeds < 1:
        raise ParameterError(f"--seeds must be at least 1, got {args.seeds}")
    if args.workers < 1 or (args.workers > 1 and args.seeds == 1):
        raise ParameterError(f"--workers must be at least 1 (more than 1 with --seeds > 1), got {args.workers}")
    if args.seeds == 1:
        train(params, settings, args.out, resume=args.resume)
        return
    members = [Member(params, dataclasses.replace(settings, seed=seed), os.path.join(args.out, f"seed-{seed}"))
               for seed in range(args.seed, args.seed + args.seeds)]
    train_ensemble(members, resume=args.resume, summary=args.out, workers=args.workers)


if __name__ == "__main__":
    main()
