"""Every Python block of docs/ runs as written: each file's blocks in order, in one namespace (a later block may
use what an earlier one made), in a fresh folder (their results/ paths land there). They train thousands of
presentations: slow. (The README's example runs in the default suite, with what it promises: tests/test_api.py.)
"""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(name):
    with open(os.path.join(ROOT, name)) as f:
        return BLOCK.findall(f.read())


DOCUMENTS = [name for name in sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                                    if f.endswith(".md")) if _blocks(name)]


@pytest.mark.slow
@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_documents_python_blocks_run_as_written(name, tmp_path, build_root, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIANMODEL_BUILD_ROOT", build_root)
    namespace = {"__name__": "__docs__"}
    for k, code in enumerate(_blocks(name)):
        exec(compile(code, f"{name}, Python block {k + 1}", "exec"), namespace)


def test_the_documents_with_python_blocks_are_found():
    assert {"docs/python-api.md", "docs/rules.md"} <= set(DOCUMENTS)
