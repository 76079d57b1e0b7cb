"""Progress bars on stderr for the commands' long work (``--quiet``, ``--progress``).

Bars are drawn by tqdm when stderr is a terminal, never when it is not (a log, a pipe)
unless ``--progress`` asks, and never with ``--quiet``. Inside a command,
:func:`bars` listens to :mod:`jpegzoo.progress` (the library's long loops: quality
searches, lossless coding, progressive iterations) and shows one bar per task.
"""

import contextlib
import sys

from jpegzoo import progress


def add_arguments(parser):
    """``--quiet`` and ``--progress`` (mutually exclusive)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", action="store_true",
                       help="no progress bars (the default when stderr is not a terminal)")
    group.add_argument("--progress", action="store_true",
                       help="progress bars on stderr even when it is not a terminal")


def enabled(args):
    """Whether to draw progress bars for this command line."""
    if getattr(args, "quiet", False):
        return False
    return getattr(args, "progress", False) or sys.stderr.isatty()


@contextlib.contextmanager
def bars(show):
    """Inside the block, the library's progress reports draw tqdm bars on stderr (one per
    task, replaced when the task changes); nothing when ``show`` is false."""
    if not show:
        yield
        return
    listener = _Bars()
    try:
        with progress.listening(listener):
            yield
    finally:
        listener.close()


class _Bars:
    """A :data:`jpegzoo.progress.Listener` drawing the current task's tqdm bar."""

    def __init__(self):
        self.task, self.bar = None, None

    def __call__(self, task, done, total):
        if task != self.task or self.bar is None or done < self.bar.n:
            self._open(task, total)
        self.bar.update(done - self.bar.n)

    def _open(self, task, total):
        from tqdm import tqdm

        self.close()
        self.task = task
        self.bar = tqdm(total=total, desc=task, unit="step", leave=False, file=sys.stderr,
                        dynamic_ncols=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
        self.task, self.bar = None, None
