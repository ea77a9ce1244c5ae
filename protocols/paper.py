"""Train, probe and pair everything the paper's figures need, into one root folder.

    python protocols/paper.py --root results/paper            # all runs (about 30 min on one core)
    python protocols/paper.py --root results/paper --only mnist natural
    python figures/paper_figures.py --root results/paper               # then draw every figure

Each role of brianmodel/params/mstdp.py's RECIPES is trained into <root>/<role>
(resumed if it is there already: a finished run is not trained further) and
given the standard probes (protocols/evaluate.py), unless its last checkpoint
already has them; the pairing protocol writes <root>/pairing. --presentations-scale shrinks every training (for a
quick look; the figures say how many presentations they show).
"""
import os

from brianmodel.cli import command, parser
from brianmodel.device import DEVICES
from brianmodel.errors import ParameterError
from brianmodel.mstdp.probes import standard_probes
from brianmodel.params.mstdp import RECIPES, preset
from brianmodel.params.run import RunSettings
from brianmodel.protocols.pairing import PairingProtocol, run_pairing, save_pairing
from brianmodel.results import ResultsFolder
from brianmodel.training import train


def probes_current(folder: ResultsFolder) -> bool:
    """The standard probes exist and were taken of the last checkpoint."""
    if "final" not in folder.evaluations():
        return False
    return int(folder.load_evaluation("final")["checkpoint"]) == folder.checkpoints()[-1]


@command
def main(argv=None):
    p = parser(__doc__)
    p.add_argument("--root", default="results/paper")
    p.add_argument("--only", nargs="+", choices=[*RECIPES, "pairing"], help="these roles only")
    p.add_argument("--presentations-scale", type=float, default=1.0, metavar="F",
                   help="train F times each recipe's presentations (quick looks: 0.1)")
    p.add_argument("--probe-presentations", type=int, default=1000)
    p.add_argument("--device", default="cpp", help=f"one of {', '.join(DEVICES)}")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    roles = args.only or [*RECIPES, "pairing"]
    if not 0 < args.presentations_scale < float("inf"):
        raise ParameterError(f"--presentations-scale must be positive and finite, got {args.presentations_scale}")
    if args.probe_presentations < 1:
        raise ParameterError(f"--probe-presentations must be at least 1, got {args.probe_presentations}")
    for role in roles:
        out = os.path.join(args.root, role)
        if role == "pairing":
            params = preset("main")
            protocol = PairingProtocol()
            save_pairing(out, params, protocol, run_pairing(params, protocol, device=args.device), args.device)
            continue
        recipe = RECIPES[role]
        settings = RunSettings(dataset=recipe.dataset, seed=args.seed, device=args.device, preset=recipe.preset,
                               presentations=max(1, round(recipe.presentations * args.presentations_scale)))
        resume = os.path.exists(os.path.join(out, "params.json"))
        print(f"== {role}: {'resuming' if resume else 'training'} {settings.presentations} presentations of "
              f"{recipe.dataset}")
        train(recipe.params(), settings.validate(), out, resume=resume)
        if probes_current(ResultsFolder(out)):
            print(f"== {role}: probes of the last checkpoint already there")
        else:
            standard_probes(out, presentations=args.probe_presentations)

if __name__ == "__main__":
    main()
