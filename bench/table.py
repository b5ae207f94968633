"""One row of the benchmark table: what `python -m bench` prints and writes to
docs/benchmarks.md.

Every benchmark module in this package exposes `rows(quick: bool) -> list[Row]` beside its own
`main()`; `quick` shrinks the workload for a smoke run, never the way it is measured.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    measure: str  # what was measured and in which unit, e.g. "cold import, handlers.sweep (ms)"
    orgwarden: str  # orgwarden's figure, formatted
    peer: str = "—"  # the peer's figure on the same machine in the same run, or "—"
    target: str = "—"  # the target, e.g. "≤ half the peer", or "—"
    met: bool | None = None  # None when there is no target to meet
    note: str = ""  # how it was measured, or why a target is missed and what would close it

    @property
    def verdict(self) -> str:
        return {True: "met", False: "missed", None: "—"}[self.met]
