#!/usr/bin/env bash
# The GPU measurements of docs/gpu.md, in order of importance; each stage's results land in OUTDIR as soon as it
# ends, so a run cut short returns what it finished.
#
#   benchmarks/gpu/run.sh OUTDIR [FIRST [LAST]]  on the GPU machine (stages 1-5 in about 7 minutes, 6-7 in about
#                                                4, on an H200: two calls, docs/gpu.md)
#   benchmarks/gpu/run.sh --dry-run OUTDIR       here, without a GPU: cpp parts run, cuda parts are built only
#
# Stages: 1 versions; 2 calibration (launch, copy, synchronisation, graph costs); 3 devices: brianmodel's CUDA
# device (cuda; cuda-graphs, its step captured as a CUDA graph) and brian2cuda's (cuda-stock) at K = 1 ... 1,024
# copies against one CPU core, the loop, set-up and write-out apart; 4 an ensemble whose copies have their own
# delays against identical copies; 5 one network of 6,400 hidden units against cpp on 16 threads; 6 cuda and
# cuda-graphs = cpp (the pairing window, one chunk of 500 presentations)
# and an ensemble's copy against the network alone; 7 Nsight Systems' summary of a run (where nsys is);
# 8 learning curves on cuda and cpp; 9 (GPU machine only) compiling one cuda network there; 10 (optional) profile
# builds and Nsight Compute. After the stages: targets.txt, every target met or missed.
# Wheels in .whl/ (benchmarks/gpu/wheels.sh) are installed when brian2cuda is missing. CUDA binaries compiled here
# for sm_90 (benchmarks/gpu/prebuild.py) are carried, packed, in .gpu/builds, and run as they are where the code
# generated there matches what they were compiled from (brianmodel.device.standalone.build); they are compiled
# there otherwise. Intermediate files go to GPU_WORK. GPU_DEVICE_RUNS="cuda-1024 stock-64" runs only those of stage 3
# (added to its earlier results).
set -uo pipefail
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
out=${1:?usage: run.sh [--dry-run] OUTDIR [FIRST_STAGE [LAST_STAGE]]}
first=${2:-1}
last=${3:-9}
mkdir -p "$out"; out=$(cd "$out" && pwd)
cd "$(dirname "$0")/../.."
work=${GPU_WORK:-/tmp/brianmodel-gpu-work}
rm -rf "$work"; mkdir -p "$work"
exec > >(tee -a "$out/log.txt") 2>&1
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore::SyntaxWarning  # (brian2cuda's regular expressions, when compiled)

if ! $PY -c "import brian2cuda, mlxtend" 2>/dev/null; then
  [ -d .whl ] || { echo "brian2cuda missing and no .whl/: run benchmarks/gpu/wheels.sh first"; exit 1; }
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || exit 1
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export BRIANMODEL_CUDA_COMPUTE_CAPABILITY=${BRIANMODEL_CUDA_COMPUTE_CAPABILITY:-9.0}
# a build root of the carried binaries' copies (generating there writes sources and data beside each binary)
export BRIANMODEL_BUILD_ROOT=${BRIANMODEL_BUILD_ROOT:-/tmp/brianmodel-gpu-builds}
mkdir -p "$BRIANMODEL_BUILD_ROOT"
if [ -d .gpu/builds ]; then
  $PY -c "
import glob, lzma, os, shutil, sys
root = sys.argv[1]
for packed in glob.glob('.gpu/builds/*/main.xz'):
    folder = os.path.join(root, os.path.basename(os.path.dirname(packed)))
    os.makedirs(folder, exist_ok=True)
    shutil.copy2(os.path.join(os.path.dirname(packed), 'PREBUILT.json'), folder)
    with lzma.open(packed) as f, open(os.path.join(folder, 'main'), 'wb') as binary:
        shutil.copyfileobj(f, binary)
    os.chmod(os.path.join(folder, 'main'), 0o755)
print(len(glob.glob('.gpu/builds/*/main.xz')), 'carried binaries unpacked')" "$BRIANMODEL_BUILD_ROOT" || exit 1
fi
# the carried binaries link libcurand.so.10 by a path of the machine that built them
curand=$($PY -c "
import glob, os
found = []
try:
    import nvidia
    found += [p for root in nvidia.__path__ for p in glob.glob(os.path.join(root, '*', 'lib', 'libcurand.so.10'))]
except ImportError:
    pass
found += glob.glob('/usr/local/cuda*/lib64/libcurand.so.10') + glob.glob('/usr/local/cuda*/targets/*/lib/libcurand.so.10')
print(os.path.dirname(found[0]) if found else '')")
[ -n "$curand" ] && export LD_LIBRARY_PATH=$curand${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# cuRAND's headers, for a CUDA build there, from those carried (prebuild.py) where neither toolkit nor wheel has them
if ! $PY -c "from brianmodel.device.cuda.toolkit import _curand_paths, cuda_toolkit; _curand_paths(cuda_toolkit())" \
    2>/dev/null && [ -n "$curand" ] && [ -d .gpu/curand-include ]; then
  mkdir -p /tmp/site/nvidia/cu13/lib && cp -r .gpu/curand-include /tmp/site/nvidia/cu13/include
  ln -sf "$curand/libcurand.so.10" /tmp/site/nvidia/cu13/lib/
  export PYTHONPATH=/tmp/site:$PYTHONPATH
fi
echo "== $(date +%T) out=$out work=$work builds=$BRIANMODEL_BUILD_ROOT curand=${curand:-?} dry_run=$dry"

export stages="$PY benchmarks/gpu/stages.py" out work PY
export cuda_only=""; [ $dry = 1 ] && cuda_only="--build-only"
dryflag=""; [ $dry = 1 ] && dryflag="--dry-run"
scale=1; [ $dry = 1 ] && scale=100  # no limits on a dry run: it may compile every cuda network (~100 min on 2 cores)
stage() {  # stage N SECONDS NAME COMMAND...: run it unless outside FIRST..LAST, within SECONDS
  local n=$1 limit=$(($2 * scale)) name=$3; shift 3
  { [ "$n" -lt "$first" ] || [ "$n" -gt "$last" ]; } && return 0
  echo "== $(date +%T) stage $n: $name"
  local start=$SECONDS
  timeout "$limit" bash -c '"$@"' stage "$@"; local code=$?
  echo "== $(date +%T) stage $n: $name ended ($code) after $((SECONDS - start)) s"
}
background() {  # background NAME COMMAND...: a cpp reference of stages 6 and 8 (CPU only, not timed)
  local name=$1; shift
  timeout $((400 * scale)) "$@" > "$work/$name.log" 2>&1 &
  echo $! > "$work/$name.pid"
}
await() {  # await NAME: wait for a background job (of this script or of an earlier stage) and show its end
  [ -f "$work/$1.pid" ] || return 1
  while kill -0 "$(cat "$work/$1.pid")" 2>/dev/null; do sleep 1; done
  tail -2 "$work/$1.log"
}
export -f await

stage 1 60 versions $stages versions "$out"
stage 2 90 "calibration: launches, copies, synchronisation, graphs" $stages calibrate "$out" "$work" $cuda_only
stage 3 330 "devices: cuda, cuda-graphs and cuda-stock, K = 1 ... 1,024, against one CPU core" $stages devices "$out" "$work" $dryflag \
  ${GPU_DEVICE_RUNS:+--runs $GPU_DEVICE_RUNS}
[ "$first" -le 3 ] && [ "$last" -ge 3 ] && $stages compare "$work" "$out"  # an ensemble's copy against one network
stage 4 120 "copies with their own delays against identical copies" $stages delays "$out" $dryflag
stage 5 150 "one network of 6,400 hidden units: cuda against cpp on 16 threads" $stages wide "$out" $dryflag

if [ "$first" -le 6 ] && [ "$last" -ge 6 ]; then
  background chunk-cpp $stages chunk cpp "$work"
  background pairing-cpp $stages pairing cpp "$work"
fi
equivalence() {
  $stages chunk cuda "$work" $cuda_only
  $stages pairing cuda "$work" $cuda_only
  $stages pairing cuda-graphs "$work" $cuda_only
  $stages chunk cuda-graphs "$work" $cuda_only
  await chunk-cpp; await pairing-cpp
}
export -f equivalence
stage 6 260 "cuda, cuda-graphs = cpp: the pairing window, one chunk of 500 presentations; a copy against the network alone" \
  equivalence
[ "$first" -le 6 ] && [ "$last" -ge 6 ] && $stages compare "$work" "$out"  # what finished, also after a timeout

[ $dry = 0 ] && stage 7 360 "Nsight Systems: where a step's time goes" $stages nsys "$out" "$work"

[ "$first" -le 8 ] && [ "$last" -ge 8 ] && background learn-cpp $stages learn cpp "$work"
learning() {
  $stages learn cuda "$work" $cuda_only
  await learn-cpp || $stages learn cpp "$work"
}
export -f learning
stage 8 330 "learning: 2,000 presentations on cuda and cpp" learning
[ "$first" -le 8 ] && [ "$last" -ge 8 ] && $stages compare "$work" "$out"

compile_there() {  # what carrying the binaries saved: one network compiled from scratch on this machine
  local built src
  built=$($stages chunk cuda "$work" --build-only | tail -n 1) || return 1  # its sources and makefile, generated here
  src=$($PY -c "import json, sys; print(json.loads(sys.argv[1])['build_dir'])" "$built")
  rm -rf /tmp/compile-there && cp -r "$src" /tmp/compile-there && cd /tmp/compile-there || return 1
  make clean > /dev/null 2>&1
  local start=$SECONDS
  make -j > /dev/null && echo "compile there: the 200-hidden network (cuda, sm_90) in $((SECONDS - start)) s on $(nproc) cores" \
    | tee "$out/compile-there.txt"
}
export -f compile_there
[ $dry = 0 ] && stage 9 150 "compile time of one cuda network on this machine" compile_there
# (optional, not carried: its two profile builds compile there) brian2cuda's profile builds beside Nsight Compute
[ "$last" -ge 10 ] && stage 10 240 "profile builds and ncu: K = 1 and 64" $stages profile "$out" "$work" $dryflag
$stages targets "$out"
cat "$out/targets.txt"
echo "== $(date +%T) done"
ls -la "$out"
