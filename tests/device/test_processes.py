"""Worker processes do not outlive the process that started them: killed or interrupted, a sweep's workers and
the binaries they run stop with it (Linux)."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from brianmodel.device.processes import worker_pool
from brianmodel.errors import DeviceError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
linux = pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("pgrep") is None,
                           reason="the parent-death signal is Linux's (and pgrep finds the processes)")


def _processes_running(pattern: str) -> list[int]:
    done = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(pid) for pid in done.stdout.split()]


def _start_sweep(seconds: str):
    """A process whose worker runs a binary (sleep) for ``seconds``; returned once that binary runs."""
    script = ("import subprocess\nfrom brianmodel.device.processes import worker_pool\n"
              f"with worker_pool(1) as submit:\n    submit(subprocess.call, [['sleep', '{seconds}']])\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    deadline = time.monotonic() + 60
    while not _processes_running(f"sleep {seconds}"):
        assert parent.poll() is None and time.monotonic() < deadline, "the worker's binary never started"
        time.sleep(0.2)
    return parent


def _wait_gone(pattern: str, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while _processes_running(pattern):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@linux
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["killed", "interrupted"])
def test_a_worker_and_its_binary_end_with_the_process_that_started_them(how):
    seconds = "317.25" if how == signal.SIGKILL else "318.25"  # (a pattern no other process has)
    parent = _start_sweep(seconds)
    try:
        parent.send_signal(how)
        parent.wait(timeout=30)
        assert _wait_gone(f"sleep {seconds}"), "the worker's binary outlived the sweep"
    finally:
        for pid in _processes_running(f"sleep {seconds}"):
            os.kill(pid, signal.SIGKILL)


def test_a_task_s_results_come_in_task_order_and_a_bad_pool_size_is_refused():
    with worker_pool(2) as submit:
        assert submit(abs, [-3, 2, -1]) == [3, 2, 1]
    with pytest.raises(DeviceError, match="workers must be at least 1"):
        worker_pool(0)
