from bench.call_count import KINDS, by_kind

from bench import api_calls
from orgwarden_harness.simulation import SimulatedOrganization
from tests.bench.conftest import needs_peer, well_formed


def test_rows_count_every_call_of_the_handler(
    organization: SimulatedOrganization, without_peer: None
) -> None:
    scenarios, ours, theirs, tuned = api_calls.measure(quick=True, organization=organization)
    assert theirs is None
    assert tuned is None
    (scenario,) = scenarios
    calls = ours[scenario.event_name]["cold"]
    totals = by_kind(calls)
    assert sum(totals.values()) == sum(calls.values())
    assert set(totals) == set(KINDS)
    # Read, verify and publish at least, in the member account; evidence in our own tables.
    assert calls["member S3:PutPublicAccessBlock"] == 1
    assert calls["member SecurityHub:BatchImportFindings"] == 1
    assert totals["own"] > 0
    (row,) = [api_calls.scenario_row(scenario, ours[scenario.event_name], None)]
    well_formed([row])
    assert row.peer == "not installed"
    assert row.orgwarden.startswith(f"{totals['member']} ")


@needs_peer
def test_the_peer_is_counted_by_the_same_hook(organization: SimulatedOrganization) -> None:
    scenario = api_calls.SCENARIOS[0]
    python = api_calls.peer.peer_python()
    with api_calls.evaluator_environment(organization, api_calls.ENFORCED):
        theirs = api_calls.measure_peer(organization, python, (scenario,), warm=False)
    calls = theirs[scenario.event_name]["cold"]
    totals = by_kind(calls)
    assert calls["member S3:PutPublicAccessBlock"] == 1  # its fix
    assert calls["member SecurityHub:BatchImportFindings"] == 1  # its finding
    assert totals["sts"] >= 1  # the member role it assumes
