"""Smoke test of the load benchmark on a small burst: its rows are well formed and its counts
agree with each other (the figures themselves are never asserted)."""

from bench import load
from orgwarden.engine.dead_letters import PERMANENT


def test_a_small_burst_balances_and_its_rows_agree_with_the_run() -> None:
    result = load.run(load.QUICK_EVENTS)
    workload = result.workload

    sent = len(workload.bodies)
    assert sent == load.QUICK_EVENTS
    assert workload.families["duplicate deliveries"] == round(sent * load.DUPLICATE_SHARE)
    malformed = sum(n for family, n in workload.families.items() if family.startswith("malformed"))
    assert malformed == round(sent * load.MALFORMED_SHARE)
    assert result.handled == sent  # nothing failed transiently, so nothing was received twice
    balance = result.balance
    assert balance.balanced, balance.summary()
    # Each malformed event parked (a duplicated body that is not JSON counts twice: without an
    # id, two deliveries are two messages), for a reason that retrying cannot mend.
    assert len(balance.dead_lettered) >= malformed
    assert set(balance.reasons()) <= {reason.value for reason in PERMANENT}
    assert sum(result.fixes.values()) == len(workload.remediable) > 0
    assert 0 < result.timed_messages < result.handled  # every 10th batch traced, not timed
    assert result.rss_peak_kib > 0
    assert result.batch_peak_bytes > 0

    rows = load.rows_of(result)
    assert [row.measure.split(":")[0] for row in rows] == ["load"] * 4
    assert all(row.orgwarden and row.note for row in rows)
    ledger, fixes = rows[2], rows[3]
    assert ledger.met is True
    assert ledger.orgwarden.startswith(f"{len(balance.received):,} = ")
    assert fixes.met is True
    assert rows[1].met is (result.rss_peak_kib < 128 * 1000 * 1000 / 1024)
