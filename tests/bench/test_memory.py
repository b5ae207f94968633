from pathlib import Path

from bench import memory
from orgwarden_harness.simulation import SimulatedOrganization
from tests.bench.conftest import well_formed


def test_rows(organization: SimulatedOrganization) -> None:
    batch, packages = memory.rows(quick=True, organization=organization)
    well_formed([batch, packages])
    assert batch.measure.startswith("Peak memory, evaluator handling a batch of 3 ")
    assert batch.orgwarden.endswith("RSS / not traced")
    assert "3 records, 0 failed" in batch.note
    assert packages.orgwarden == "not measured"


def test_package_sizes_of_a_build(tmp_path: Path) -> None:
    build = tmp_path
    (build / "EvaluatorFunction" / "handlers").mkdir(parents=True)
    (build / "EvaluatorFunction" / "handlers" / "evaluator.py").write_text("x = 1\n" * 1000)
    (build / "template.yaml").write_text("not a function\n")
    ((disk, zipped),) = memory.package_sizes(build).values()
    assert disk == 6000
    assert 0 < zipped < disk
