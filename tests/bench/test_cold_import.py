import sys

from bench import cold_import
from orgwarden_harness.simulation import SimulatedOrganization
from tests.bench.conftest import needs_peer, well_formed


def test_import_times_come_from_fresh_interpreters() -> None:
    timings = cold_import.measure_imports(
        [("handlers.sweep", sys.executable, str(cold_import.SRC)), ("json", sys.executable, "")],
        runs=2,
    )
    assert {k: len(v) for k, v in timings.items()} == {"handlers.sweep": 2, "json": 2}
    assert all(t > 0 for times in timings.values() for t in times)


def test_rows_without_the_peer(organization: SimulatedOrganization, without_peer: None) -> None:
    found = cold_import.rows(quick=True, organization=organization)
    well_formed(found)
    imported, first = found
    assert imported.measure.startswith("Cold import, handlers.evaluator")
    assert imported.peer == "not installed"
    assert imported.met is None
    assert first.peer == "not installed"
    assert float(first.orgwarden) > float(imported.orgwarden)  # the first event comes on top


@needs_peer
def test_the_peer_handles_its_first_event(organization: SimulatedOrganization) -> None:
    (found,) = cold_import.peer_first_events(organization, 1, cold_import.peer_python())
    assert set(found) == {"import_ms", "first_event_ms"}
