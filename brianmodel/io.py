"""Files: atomic writes, JSON and CSV, and the provenance every results folder records.

Nothing here imports brian2: figures and readers of results stay light.
"""
from __future__ import annotations

import csv
import errno
import getpass
import io
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from . import __version__
from .errors import DamagedFile, MissingResult, ResultsError

__all__ = ["atomic_write", "npz_bytes", "write_json", "read_json", "csv_text", "read_csv", "provenance",
           "versions"]


def atomic_write(path: str, data: bytes):
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one. A full disk
    (or quota) is a ResultsError naming the file and the space it needs; the old file, if any, stays."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-" + os.path.basename(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ResultsError(f"no space left to write {path}: it needs {_megabytes(len(data))}, its file system "
                               f"has {_megabytes(shutil.disk_usage(folder).free)} free; free some space or write "
                               f"elsewhere (what was written before stays as it was)") from None
        raise


def _megabytes(size: int) -> str:
    return f"{size / 2 ** 20:.1f} MB"


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_json(path: str, content) -> None:
    atomic_write(path, json.dumps(content, indent=2, sort_keys=True).encode())


def read_json(path: str, what: str = "file"):
    """A JSON file's content; a clear error if it is missing or not JSON."""
    if not os.path.exists(path):
        raise MissingResult(f"no {os.path.basename(path)} in {os.path.dirname(path) or '.'!r} ({what})")
    try:
        with open(path) as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DamagedFile(f"{path} is not readable JSON ({error})") from None


def csv_text(columns, rows, formats: dict | None = None) -> str:
    """``rows`` (dicts) as CSV text with these ``columns``; ``formats`` maps a column to a function of its value."""
    formats = formats or {}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: formats.get(k, _default_format)(row[k]) for k in columns})
    return buffer.getvalue()


def _default_format(value):
    return f"{value:.6g}" if isinstance(value, float) else value


def read_csv(path: str) -> list[dict]:
    """A CSV file as a list of rows of strings ([] if the file is missing)."""
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def versions() -> dict:
    """Versions of what a result depends on (read from the installed packages, nothing imported)."""
    def installed(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"python": platform.python_version(), "brianmodel": __version__, "brian2": installed("brian2"),
            "brian2cuda": installed("brian2cuda"), "numpy": np.__version__, "platform": platform.platform()}


def provenance() -> dict:
    """Who made a result, where, when, with what and by which command."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        user = None
    return {"command": list(sys.argv), "created": time.strftime("%Y-%m-%d %H:%M:%S"), "host": socket.gethostname(),
            "user": user, "cwd": os.getcwd(), "versions": versions()}
