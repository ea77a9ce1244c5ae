"""The Python API: the README's example runs as written, and says what it promises."""
import os
import re
import subprocess
import sys

import pytest

import brianmodel
from brianmodel.errors import DatasetError, TrainingError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# what the example promises, checked on the objects it leaves behind
CHECKS = """
from brian2 import second, volt
assert run.n_presentations == 100 and len(images) == 100
i, t = run.spikes("hidden")
assert t.dim == second.dim and len(i) > 0 and float(t.max()) < 100 * 0.065
assert run.counts.x_hat.shape == (100, 1568) and run.counts.x_hat.sum() > 0   # a final bout: reconstructions
assert run.counts.z.sum() == len(i)
soma = run.monitor("soma_v")
assert soma.v.dim == volt.dim and soma.v.shape == (1, 65000)
assert abs(float(soma.t[1] - soma.t[0]) - 1e-4) < 1e-12
assert float(soma.v.max()) > -0.06                       # the stimulus depolarises visible neuron 0 ...
assert params.locations.feedback == 300e-6 * brian2.units.metre   # ... whose feedback synapse sits at 300 µm
print("checked")
"""


def _readme_example() -> str:
    with open(os.path.join(ROOT, "README.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert len(blocks) == 1, "the README has one Python example"
    return blocks[0]


def test_the_readme_example_is_its_only_copy():
    """The package's docstrings and docs/python-api.md point to it (the suite runs it here, with its promises)."""
    import brianmodel.mstdp
    with open(os.path.join(ROOT, "docs", "python-api.md")) as f:
        api = f.read()
    for text in (brianmodel.__doc__, brianmodel.mstdp.__doc__, api):
        assert "README" in text and 'StateMonitor(net.visible, "v"' not in text


def test_the_readme_example_runs(tmp_path, build_root):
    code = _readme_example() + "\nimport brian2.units\n" + CHECKS
    env = dict(os.environ, BRIANMODEL_BUILD_ROOT=build_root)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("checked")


def test_the_package_loads_what_is_used_only():
    code = ("import sys, brianmodel as bm; assert 'brian2' not in sys.modules; "
            "bm.load_dataset; assert 'brian2' not in sys.modules; bm.mstdp.preset; assert 'brian2' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "Simulator" in dir(brianmodel)


def test_the_api_names_a_wrong_argument_in_one_line(tmp_path):
    with pytest.raises(DatasetError, match="a dataset is named by a string"):
        brianmodel.load_dataset(5)
    params = brianmodel.mstdp.preset("main")
    with pytest.raises(TrainingError, match="settings are a RunSettings, got NoneType"):
        brianmodel.train(params, None, str(tmp_path / "x"))
    with pytest.raises(TrainingError, match="results folder is a path, got None"):
        brianmodel.train(params, brianmodel.RunSettings(), None)
    assert not (tmp_path / "x").exists()
