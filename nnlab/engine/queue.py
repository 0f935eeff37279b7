"""The fair queue as pure functions: which run starts next, the order, and how long each waits.

No processes and no clock here: the engine and the test stand-in both order their runs with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QueuedEntry:
    """What the queue needs to know about one waiting run."""

    run_id: str
    lab_id: str
    queued_at: float  # a sequence number or time: smaller is older


def select_next(
    queued: Sequence[QueuedEntry],
    running_by_lab: dict[str, int],
    last_dispatch_by_lab: dict[str, float],
) -> int:
    """Index of the run to start next: fewest running in its lab, lab served longest ago, oldest.

    So nobody's second run starts before everyone's first. A lab never served counts as served
    longest ago.
    """
    if not queued:
        raise ValueError("The queue is empty.")

    def rank(index: int) -> tuple[int, float, float, int]:
        entry = queued[index]
        return (
            running_by_lab.get(entry.lab_id, 0),
            last_dispatch_by_lab.get(entry.lab_id, -math.inf),
            entry.queued_at,
            index,
        )

    return min(range(len(queued)), key=rank)


def dispatch_order(
    queued: Sequence[QueuedEntry],
    running_by_lab: dict[str, int],
    last_dispatch_by_lab: dict[str, float],
) -> list[QueuedEntry]:
    """The order the queued runs would start in if nothing else changed."""
    remaining = list(queued)
    running = dict(running_by_lab)
    last = dict(last_dispatch_by_lab)
    order = []
    tick = max([0.0, *[value for value in last.values() if math.isfinite(value)]])
    while remaining:
        chosen = remaining.pop(select_next(remaining, running, last))
        order.append(chosen)
        running[chosen.lab_id] = running.get(chosen.lab_id, 0) + 1
        tick += 1.0
        last[chosen.lab_id] = tick
    return order


def wait_estimates(
    order: Sequence[QueuedEntry],
    free_in_s: Sequence[float],
    expected_seconds: Callable[[QueuedEntry], float],
) -> list[float]:
    """Seconds until each run of `order` starts, by list scheduling on the workers.

    free_in_s: when each worker is free (0 for an idle one); each run starts when the first
    worker frees up and keeps it for `expected_seconds(run)`.
    """
    free_at = sorted(free_in_s) or [0.0]
    starts = []
    for entry in order:
        start = free_at.pop(0)
        starts.append(start)
        free_at.append(start + expected_seconds(entry))
        free_at.sort()
    return starts
