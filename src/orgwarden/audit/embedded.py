"""The simulated organization, when one is installed (the `orgwarden-harness` package, which a
checkout's `uv sync` installs): what the CLI's commands answer from without a deployed stack.

The harness registers itself under the `orgwarden.embedded` entry point; the CLI looks it up
there and never imports it, so an installed CLI runs without moto.
"""

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from importlib.metadata import entry_points
from typing import Any, Protocol, cast

from orgwarden.model.evidence import EvidenceRecord

GROUP = "orgwarden.embedded"


class Embedded(Protocol):
    DESCRIPTION: str

    def run_demo(self) -> int: ...

    def evidence_source(self) -> AbstractContextManager[Any]: ...

    def evidence_records(self) -> AbstractContextManager[list[EvidenceRecord]]: ...

    def scan_environment(
        self,
    ) -> AbstractContextManager[tuple[list[str], Callable[[], dict[str, int]]]]: ...


class NotInstalled(Exception):
    pass


def embedded() -> Embedded:
    found = entry_points(group=GROUP)
    if not found:
        raise NotInstalled(
            "the simulated organization is not installed (the orgwarden-harness package); "
            "name a deployed stack with --profile, or run from a checkout after `uv sync`"
        )
    return cast(Embedded, next(iter(found)).load())


def embedded_or_exit() -> Embedded:
    """The simulated organization, or exit 2 saying why there is none."""
    try:
        return embedded()
    except NotInstalled as error:
        print(f"orgwarden: {error}", file=sys.stderr)
        raise SystemExit(2) from None
