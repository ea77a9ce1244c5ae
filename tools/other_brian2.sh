#!/usr/bin/env bash
# Try brianmodel with another brian2 than constraints.txt's: a version from the registry (2.11.0) or a source
# checkout (a clone of brian-team/brian2). Makes /tmp/brianmodel-brian2-<name>/ with its own venv and build folder,
# trains make demo's run there and compares its final checkpoint, array by array, with the locked brian2's (made
# too, in .venv, if results/demo-locked is missing). With --suite, also runs the default test suite under it
# (on TEST_WORKERS processes, 2 by default, as make test does).
# Usage: tools/other_brian2.sh VERSION-OR-SOURCE-FOLDER [--suite]
# (brian2cuda 1.0b1 asks for brian2 2.10.1 exactly: it is installed without its dependencies here.)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:?usage: tools/other_brian2.sh VERSION-OR-SOURCE-FOLDER [--suite]}"
if [ -d "$what" ]; then spec="$(cd "$what" && pwd)"; name="$(git -C "$what" describe --tags 2>/dev/null || basename "$what")"
else spec="brian2==$what"; name="$what"; fi
place="/tmp/brianmodel-brian2-$name"
tools/venv.sh test
py=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
mkdir -p "$place"
if [ ! -x "$place/venv/bin/python" ]; then
  "$py" -m venv "$place/venv"
  "$place/venv/bin/pip" install -q --upgrade pip
  grep -iv '^brian2==' constraints.txt > "$place/constraints.txt"
  "$place/venv/bin/pip" install -q -c "$place/constraints.txt" "$spec"
  "$place/venv/bin/pip" install -q -c "$place/constraints.txt" -e .  # (keeps that brian2 if setup.cfg's range holds it)
  "$place/venv/bin/pip" install -q -c "$place/constraints.txt" --no-deps brian2cuda==1.0b1
  "$place/venv/bin/pip" install -q -c "$place/constraints.txt" pytest pytest-xdist dask distributed nvidia-curand
fi
echo "brian2 $("$place/venv/bin/python" -c 'import brian2; print(brian2.__version__)') in $place/venv"
train() {  # train PYTHON OUT BUILDS: make demo's training
  rm -rf "$2"
  BRIANMODEL_BUILD_ROOT="$3" "$1" protocols/train.py --dataset mnist --presentations 5000 --out "$2" > "$2.log" 2>&1
  tail -1 "$2/metrics.csv"
}
[ -f results/demo-locked/checkpoint_0005000.npz ] || train .venv/bin/python results/demo-locked "$place/builds-locked"
train "$place/venv/bin/python" "$place/demo" "$place/builds"
.venv/bin/python - "$place/demo" results/demo-locked <<'EOF'
import sys
import numpy as np
other, locked = (np.load(f"{folder}/checkpoint_0005000.npz") for folder in sys.argv[1:])
for name in locked.files:
    a, b = other[name].astype(float), locked[name].astype(float)
    print(f"{name}: {'identical' if np.array_equal(a, b) else f'max |difference| {np.abs(a - b).max():.3g}'}")
EOF
if [ "${2:-}" = "--suite" ]; then
  "$place/venv/bin/python" -c 'import xdist' 2>/dev/null ||  # (an environment made before make test ran on two)
    "$place/venv/bin/pip" install -q -c "$place/constraints.txt" pytest-xdist
  # as make test runs it: TEST_WORKERS processes, a file's tests on one
  BRIANMODEL_BUILD_ROOT="$place/builds" "$place/venv/bin/python" -m pytest -q -p no:cacheprovider \
    -n "${TEST_WORKERS:-2}" --dist loadfile
fi
