"""What a user installs: a wheel built from the source distribution, into a fresh virtual environment at the
versions of constraints.txt, trains outside the repository's checkout (opt-in: a few minutes, the package
registry). The CUDA device's templates travel as package data."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN = """
import glob, os
from brianmodel.mstdp import preset
from brianmodel.params.run import RunSettings
from brianmodel.training import train
import brianmodel.device.cuda as cuda
params = preset("main").with_overrides(architecture={"n_hidden": 20})
folder = train(params, RunSettings(dataset="mnist", presentations=50, chunk_size=50), "trained")
print(len(folder.read_metrics()), len(glob.glob(os.path.join(os.path.dirname(cuda.__file__), "templates", "*.cu"))))
"""


@pytest.mark.slow
def test_a_wheel_from_the_sdist_installs_and_trains_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    sdist = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            f"print(build_meta.build_sdist({str(dist)!r}))"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()[-1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(dist / sdist)],
                   check=True, capture_output=True)
    wheel = next(name for name in os.listdir(dist) if name.endswith(".whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "-c", os.path.join(ROOT, "constraints.txt"),
                    str(dist / wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["BRIANMODEL_BUILD_ROOT"] = str(tmp_path / "builds")
    done = subprocess.run([python, "-c", TRAIN], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    rows, templates = done.stdout.split()[-2:]
    assert rows == "1" and int(templates) == 7
    assert "site-packages" in subprocess.run([python, "-c", "import brianmodel; print(brianmodel.__file__)"],
                                             cwd=work, capture_output=True, text=True).stdout
