"""What the benchmark tests share: the GPU script's stages module (benchmarks/gpu/stages.py), loaded from its file."""
import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def stages():
    sys.path.insert(0, os.path.join(ROOT, "benchmarks", "gpu"))
    try:
        spec = importlib.util.spec_from_file_location("gpu_stages", os.path.join(ROOT, "benchmarks", "gpu",
                                                                                 "stages.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)
