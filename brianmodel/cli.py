"""What every command-line protocol shares: progress on the terminal, and errors as one line.

A protocol's ``main(argv)`` is wrapped with :func:`command`. It logs
brianmodel's messages (progress, builds) to stderr, and turns a
:class:`~brianmodel.errors.BrianModelError` into ``error: <message>`` on one
line and exit status 1. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import sys

from .errors import BrianModelError, UsageError

__all__ = ["command", "parser", "configure_logging", "worker_log"]


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose errors are a :class:`UsageError`: one line and exit 1 under :func:`command`, like
    every other mistake a user can make (argparse alone prints its usage and exits 2)."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def parser(description: str) -> argparse.ArgumentParser:
    """The argument parser of a command: its docstring as the description, kept as written."""
    return _Parser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)


def configure_logging(level: int = logging.INFO):
    """brianmodel's log messages to stderr, as plain lines (Brian2's own logging is left as it is)."""
    logger = logging.getLogger("brianmodel")
    if not any(getattr(h, "_brianmodel", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._brianmodel = True
        logger.addHandler(handler)
    logger.setLevel(level)


@contextlib.contextmanager
def worker_log(name: str, quiet: bool = False, stream=None):
    """brianmodel's messages in a worker process, each line prefixed by ``[name]`` (nothing if ``quiet``)."""
    logger = logging.getLogger("brianmodel")
    if quiet:
        yield
        return
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter(f"[{name}] %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def command(main):
    """Run ``main(argv)`` as a command: logging set up, a BrianModelError printed as one line (exit 1)."""
    @functools.wraps(main)
    def run(argv=None):
        configure_logging()
        try:
            return main(argv)
        except BrianModelError as error:
            raise SystemExit("error: " + " ".join(str(error).split())) from None
        except KeyboardInterrupt:
            print("interrupted (a training continues with --resume)", file=sys.stderr)
            raise SystemExit(130) from None
    return run
