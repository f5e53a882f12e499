"""cProfile listing shared by the benchmarks: cumulative time first, then where time is spent."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable


def profile_calls(fn: Callable[[], object], n: int, top: int) -> str:
    """Profile ``n`` calls of ``fn``; the ``top`` entries by cumulative and by own time."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write(f"\n-- tottime (where the time is actually spent), {n} calls --\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
