"""A teacher's locks: settings a student cannot change, enforced on the spec itself.

Widgets only show a lock; the spec is what gets trained. So every path that changes the settings
(a preset, a share link, a challenge, the widgets, Train) passes its spec through `apply_locks`,
which puts back the teacher's value of every locked or hidden setting. The teacher's values come
from one spec: the exercise link's, or the class's current step (nnlab.classroom.service).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nnlab.core.fields import table
from nnlab.core.spec import RunSpec

SPEC_FIELDS: tuple[str, ...] = tuple(table(RunSpec))  # every setting a teacher may fix


def known_fields(names: Iterable[str]) -> frozenset[str]:
    """The RunSpec field names among `names` (anything else is dropped)."""
    return frozenset(name for name in names if name in SPEC_FIELDS)


@dataclass(frozen=True)
class Locks:
    """Which settings a teacher fixed, and at which values."""

    spec: RunSpec  # the teacher's settings: a locked or hidden field keeps this spec's value
    locked: frozenset[str] = frozenset()  # shown but disabled
    hidden: frozenset[str] = frozenset()  # not shown at all (and fixed too)
    source: str = "link"  # "link" (an exercise link) or "class" (a class the lab joined)

    def __post_init__(self) -> None:
        object.__setattr__(self, "locked", known_fields(self.locked))
        object.__setattr__(self, "hidden", known_fields(self.hidden))

    @property
    def fixed(self) -> frozenset[str]:
        """Every setting a student cannot change: the locked and the hidden ones."""
        return self.locked | self.hidden

    def values(self) -> dict[str, Any]:
        """The fixed settings' values, by field name."""
        return {name: getattr(self.spec, name) for name in SPEC_FIELDS if name in self.fixed}


def apply_locks(spec: RunSpec, locks: Locks | None) -> RunSpec:
    """`spec` with every fixed setting put back to the teacher's value (always a valid spec)."""
    if locks is None or not locks.fixed:
        return spec
    values = locks.values()
    try:
        return spec.replace(**values)
    except ValueError:
        pass
    # The student's free settings clash with the teacher's fixed ones (Adam locked, a preset's
    # SGD momentum free): start from the teacher's spec and keep each free setting that fits.
    result = locks.spec
    free = [name for name in SPEC_FIELDS if name not in locks.fixed]
    for _ in range(2):  # a second pass: one free value may make room for another
        for name in free:
            value = getattr(spec, name)
            if getattr(result, name) == value:
                continue
            try:
                result = result.replace(**{name: value})
            except ValueError:
                continue
    return result


def broken_locks(spec: RunSpec, locks: Locks | None) -> list[str]:
    """Names of the fixed settings whose value in `spec` is not the teacher's."""
    if locks is None:
        return []
    return [name for name, value in locks.values().items() if getattr(spec, name) != value]
