"""The benchmark suite's smoke tests: tiny workloads, well-formed rows, consistent counts; no
figure is asserted. Cloud Custodian's parts run only where its venv is (`.bench/c7n`, made by
`python -m bench`); CI does not install it."""

import pytest
from bench.table import Row

from bench import peer

needs_peer = pytest.mark.skipif(not peer.installed(), reason="Cloud Custodian is not in .bench/c7n")


@pytest.fixture
def without_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as where Cloud Custodian is not installed (a quick run never installs it)."""
    monkeypatch.setattr(peer, "installed", lambda: False)


def well_formed(rows: list[Row]) -> None:
    assert rows
    for row in rows:
        assert row.measure
        assert row.orgwarden
        assert row.note
        assert row.verdict in ("met", "missed", "—")
        if row.target == "—":
            assert row.met is None, row
        elif row.met is None:  # a target relative to the peer, which is not there
            assert row.peer == peer.NOT_INSTALLED, row
