"""Progress reporting and cancellation for long work.

Library functions take an optional `progress(done, total, stage)` callback and a `cancelled()`
check. The CLI turns them into a progress bar, the worker into `progress` events.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Protocol

from talking_heads.errors import Cancelled


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int | None, stage: str) -> None: ...


CancelFn = Callable[[], bool]


def no_progress(done: int, total: int | None, stage: str) -> None:
    """The default progress callback: report nothing."""


def never_cancelled() -> bool:
    """The default cancel check: never cancelled."""
    return False


def raise_if_cancelled(cancelled: CancelFn) -> None:
    if cancelled():
        raise Cancelled()


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressFn]:
    """A tqdm bar on stderr driven by the progress callback; one bar per stage."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(done: int, total: int | None, stage: str) -> None:
        if not enabled:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="frame", file=sys.stderr,
                                     dynamic_ncols=True, leave=True)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


@contextlib.contextmanager
def cancel_on_interrupt() -> Iterator[CancelFn]:
    """Turn the first Ctrl-C into a cancel request that long work honours at its next step (so
    it can finish its files cleanly); a second Ctrl-C interrupts at once."""
    import signal

    requested = False

    def handler(signum, frame):
        nonlocal requested
        if requested:
            raise KeyboardInterrupt
        requested = True
        print("\nstopping after the current step (Ctrl-C again to stop at once)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: requested
    finally:
        signal.signal(signal.SIGINT, previous)
