"""Progress of jpegzoo's long loops, for whoever listens: nobody by default.

Loops that can run for minutes (the quality searches of ``qtable`` and ``mutated``, the
lossless coder's wavefronts, the progressive codec's iterations) report each step here;
the library itself never prints. A caller that wants to show progress installs a
listener for a block of work::

    from jpegzoo import progress

    def show(task, done, total):  # task: str; done: steps so far; total: int or None
        print(f"{task}: {done}/{total or '?'}")

    with progress.listening(show):
        data = codec.compress(image)

The listener is a context variable, so it follows the work in this thread (and in
asyncio tasks) and nowhere else; worker processes start without one. The command line
draws tqdm bars on stderr with it (:mod:`jpegzoo.cli.progress`).
"""

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Listener = Callable[[str, int, "int | None"], None]
T = TypeVar("T")

_LISTENER: contextvars.ContextVar = contextvars.ContextVar("jpegzoo_progress", default=None)


@contextlib.contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the progress of the work inside the block to ``listener(task, done, total)``
    (None: to nobody)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report(task: str, done: int, total: int | None = None) -> None:
    """Tell the listener, if any, that ``done`` steps of ``task`` (of ``total``; None:
    unknown) are finished."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(task, done, total)


def tracked(steps: Iterable[T], task: str, total: int | None = None) -> Iterator[T]:
    """Yield the items of ``steps``, reporting each one as a finished step of ``task``
    once the loop body has run (``total``: default ``len(steps)`` where it has one)."""
    if total is None and hasattr(steps, "__len__"):
        total = len(steps)
    report(task, 0, total)
    for done, item in enumerate(steps, 1):
        yield item
        report(task, done, total)
