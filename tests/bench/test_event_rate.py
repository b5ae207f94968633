from bench import event_rate
from tests.bench.conftest import well_formed


def test_sign_ins_vary_and_all_judge_failed_without_a_call() -> None:
    bodies = event_rate.sign_ins(50)
    assert len(set(bodies)) == 50
    found = event_rate.run(bodies)
    assert found["events"] == found["verdicts"] == found["failed"] == 50  # root use: FAILED
    assert found["api_calls"] == 0


def test_rows() -> None:
    (row,) = event_rate.rows(quick=True)
    well_formed([row])
    assert "0 AWS calls" in row.note
