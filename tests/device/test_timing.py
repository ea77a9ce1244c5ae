"""A binary's timing file and output read back: set-up, loop and write-out, the device's set-up reports, and
None for what a binary did not write (an older build)."""
import pytest

from brianmodel.device.timing import TIMING_FILE, read_timing


def test_the_parts_of_a_run_and_the_device_s_own_set_up_lines(tmp_path):
    (tmp_path / TIMING_FILE).write_text("setup_us 2500000\nloop_us 7000000\nwriteout_us 500000\n")
    output = ("INFO: _init_arrays() took 0s and used 12MB of device memory.\nNumber of spikes: 4\n"
              "INFO: feedforward_pre initialisation took 0.31s (313600 synapses, 1568 bundles, delays 50-50 steps)\n"
              "brianmodel-graph clocks 1 nodes 27\nbrianmodel-spikes hidden_spikes 12 4096\n")
    timing = read_timing(str(tmp_path), loop_s=6.9, binary_s=11.0, output=output)
    assert (timing.setup_s, timing.loop_s, timing.writeout_s) == (2.5, 7.0, 0.5)  # the binary's own loop time
    assert timing.other_s == pytest.approx(1.0)
    assert [line.split()[1] for line in timing.setup_lines] == ["_init_arrays()", "feedforward_pre", "clocks"]


def test_a_binary_without_the_timing_file_gives_brian2_s_loop_only(tmp_path):
    timing = read_timing(str(tmp_path), loop_s=6.9, binary_s=11.0)
    assert (timing.setup_s, timing.loop_s, timing.writeout_s, timing.other_s) == (None, 6.9, None, None)
