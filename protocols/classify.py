"""Train a network with label units on labelled images and classify held-out ones.

    python protocols/classify.py --out results/classify-mstdp
    python protocols/classify.py --out results/classify-idx --dataset /data/mnist --holdout 10000

The mirrored-STDP network ("mstdp") gets 10 label units in its visible layer
(brianmodel.labels): training presents image + one-hot label, testing the
image alone, and the class is the most active label unit of the final bout.
--holdout images (a seeded split) are never presented in training and are
the test set. Re-running with the same --out resumes the training and
re-runs the test. Writes the training's results folder plus
classification.json and evaluation/held-out.npz, then draws
<out>/classification.png (figures/classification.py).
"""
import argparse
import os
import subprocess
import sys

from brianmodel.classification import classify
from brianmodel.data import DatasetError
from brianmodel.device import DEVICES, DeviceError
from brianmodel.evaluation import ProbeError
from brianmodel.labels import LabelError
from brianmodel.parameters import PRESETS, ParameterError, parse_assignments, preset
from brianmodel.training import RunSettings, TrainingError, train

MODELS = ("mstdp",)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--model", default="mstdp", help=f"one of {', '.join(MODELS)}")
    p.add_argument("--dataset", default="mnist", help="'mnist' (the 5,000 bundled digits) or a folder of IDX files")
    p.add_argument("--holdout", type=int, default=1000, help="images held out of training for the test")
    p.add_argument("--presentations", type=int, default=5000)
    p.add_argument("--chunk", type=int, default=500)
    p.add_argument("--hidden", type=int, help="hidden neurons (preset: 200)")
    p.add_argument("--preset", default="main", help=f"parameter preset: {', '.join(PRESETS)}")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.NAME=VALUE")
    p.add_argument("--label-intensity", type=float, default=1.0, help="stimulus intensity of the lit label unit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    args = p.parse_args(argv)
    try:
        if args.model not in MODELS:
            raise ParameterError(f"unknown model {args.model!r}; choose one of {', '.join(MODELS)}")
        overrides = parse_assignments(args.set)
        if args.hidden is not None:
            overrides.setdefault("architecture", {})["n_hidden"] = args.hidden
        params = preset(args.preset).with_overrides(**overrides)
        settings = RunSettings(dataset=args.dataset, presentations=args.presentations, chunk_size=args.chunk,
                               seed=args.seed, device=args.device, preset=args.preset, labels=True,
                               label_intensity=args.label_intensity,
                               holdout=args.holdout).validate()
        # a folder holding this training (interrupted or finished) resumes it; the test is re-run
        train(params, settings, args.out, resume=os.path.exists(os.path.join(args.out, "params.json")))
        classify(args.out)
    except (ParameterError, DatasetError, DeviceError, TrainingError, ProbeError, LabelError,
            FileNotFoundError) as error:
        sys.exit(f"error: {error}")
    figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "figures", "classification.py")
    subprocess.run([sys.executable, figure, args.out], check=True)


if __name__ == "__main__":
    main()
