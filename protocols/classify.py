"""Train a supervised network on labelled images and classify held-out ones.

    python protocols/classify.py --out results/classify-mstdp
    python protocols/classify.py --model symstdp --out results/classify-symstdp
    python protocols/classify.py --model symstdp --dataset fashion --holdout 10000 --out results/fashion-symstdp
    python protocols/classify.py --out results/classify-idx --dataset /data/mnist --holdout 10000

--model mstdp: the mirrored-STDP network with 10 label units in its visible
layer (brianmodel.mstdp.labels): training presents image + one-hot label, testing
the image alone, and the class is the most active label unit of the final
bout. --model symstdp: the sym-STDP network of Hao et al. 2020
(brianmodel.symstdp): a teacher drives the image's label neuron in training;
in testing the most active label neuron answers.

--holdout images are never presented in training and are the test set: a
seeded split of the bundled digits, or the first N images of the test split
of a dataset that has one (Fashion-MNIST, IDX folders with t10k files).
Re-running with the same --out resumes the training and re-runs the test.
Writes the training's results folder plus classification.json and
evaluation/held-out.npz, then draws <out>/classification.png
(figures/classification.py). mstdp also generates one image per class from
its clamped label units (evaluation/generation.npz, <out>/generation.png) and,
with --passes K, runs K feedback passes per test image with momentum
(evaluation/iterative.npz; accuracy per pass in classification.json).
"""
import math
import os
import subprocess
import sys

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.errors import ParameterError
from brianmodel.mstdp import classification as mstdp_classification
from brianmodel.parameters import parse_assignments
from brianmodel.params.mstdp import PRESETS as MSTDP_PRESETS
from brianmodel.params.run import N_CLASSES, RunSettings
from brianmodel.results import ResultsFolder
from brianmodel.symstdp import classification as symstdp_classification
from brianmodel.training import MODELS, train


def _check_inference(args):
    """The test's options, checked before the training they follow."""
    if args.passes < 1:
        raise ParameterError(f"--passes must be at least 1, got {args.passes}")
    if not 0 <= args.momentum < 1:
        raise ParameterError(f"--momentum must lie in [0, 1), got {args.momentum}")
    if args.generate_intensity is not None and not 0 < args.generate_intensity < math.inf:
        raise ParameterError(f"--generate-intensity must be positive and finite, got {args.generate_intensity}")


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--model", default="mstdp", help=f"one of {', '.join(MODELS)}")
    p.add_argument("--dataset", default="mnist",
                   help="'mnist' (the 5,000 bundled digits), 'fashion' (Fashion-MNIST) or a folder of IDX files")
    p.add_argument("--holdout", type=int, default=1000, help="images held out of training for the test")
    p.add_argument("--presentations", type=int, default=5000)
    p.add_argument("--chunk", type=int, default=500)
    p.add_argument("--hidden", type=int, help="hidden (mstdp, preset 200) or excitatory (symstdp, preset 100) neurons")
    p.add_argument("--preset", help=f"parameter preset: mstdp {', '.join(MSTDP_PRESETS)} (default main); "
                                    "symstdp mnist, fashion (default: fashion for Fashion-MNIST, else mnist)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE")
    p.add_argument("--label-intensity", type=float, default=1.0, help="mstdp: stimulus intensity of the lit label unit")
    p.add_argument("--label-copies", type=int, default=1, help="mstdp: label units per class (a population code)")
    p.add_argument("--passes", type=int, default=1,
                   help="mstdp: feedback passes per test image (> 1: iterative inference, label input carried "
                        "between passes with momentum)")
    p.add_argument("--momentum", type=float, default=0.5, help="mstdp: momentum of the iterative inference")
    p.add_argument("--generate-intensity", type=float,
                   help="mstdp: intensity of the clamped label units when generating class images "
                        "(default: the training's label intensity)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    if args.model not in MODELS:
        raise ParameterError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
    if args.model == "symstdp":
        mstdp_only = [flag for flag, used in (("--label-copies", args.label_copies != 1), ("--passes", args.passes != 1),
                                              ("--label-intensity", args.label_intensity != 1.0),
                                              ("--generate-intensity", args.generate_intensity is not None))
                      if used]
        if mstdp_only:
            raise ParameterError(f"{', '.join(mstdp_only)} apply to --model mstdp only")
    _check_inference(args)
    overrides = parse_assignments(args.set)
    if args.hidden is not None:
        size = "n_excitatory" if args.model == "symstdp" else "n_hidden"
        overrides.setdefault("architecture", {})[size] = args.hidden
    name = args.preset or ("main" if args.model == "mstdp" else "fashion" if args.dataset == "fashion" else "mnist")
    params = MODELS[args.model].preset(name).with_overrides(**overrides)
    settings = RunSettings(dataset=args.dataset, presentations=args.presentations, chunk_size=args.chunk,
                           seed=args.seed, device=args.device, preset=name, labels=args.model == "mstdp",
                           label_intensity=args.label_intensity, label_copies=args.label_copies,
                           holdout=args.holdout, model=args.model).validate()
    # a folder holding this training (interrupted or finished) resumes it; the test is re-run
    resume = os.path.exists(os.path.join(args.out, "params.json"))
    chunk = (RunSettings.from_info(ResultsFolder(args.out).read_params()) if resume else settings).effective_chunk
    if args.model == "mstdp" and chunk < N_CLASSES:
        raise ParameterError(f"the chunk ({chunk} presentations) must be at least {N_CLASSES}: the class images "
                             f"are generated in one chunk")
    train(params, settings, args.out, resume=resume)
    if args.model == "symstdp":
        symstdp_classification.classify(args.out)
    else:
        mstdp_classification.classify(args.out)
        if args.passes > 1:
            mstdp_classification.iterative_inference(args.out, passes=args.passes, momentum=args.momentum)
        mstdp_classification.generate(args.out, intensity=args.generate_intensity)
    figures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures")
    for script in ("classification.py",) + (("generation.py",) if args.model == "mstdp" else ()):
        subprocess.run([sys.executable, os.path.join(figures, script), args.out], check=True)


if __name__ == "__main__":
    main()
