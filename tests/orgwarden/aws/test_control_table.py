"""Fix leases and rate limits taken together, against moto's server."""

import secrets
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from orgwarden.aws.control_table import ControlTable
from orgwarden_harness.simulation import create_table, load_template

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def control(moto_server: str) -> ControlTable:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    name = f"control-{secrets.token_hex(6)}"
    create_table(dynamodb, load_template()["Resources"]["ControlTable"], name)
    return ControlTable(dynamodb, name)


def reserve(control: ControlTable, subject: str, owner: str, at: datetime = NOW) -> str | None:
    return control.reserve_fix(
        subject, owner, at, 120, scope="111122223333#rule", limit=2, window_minutes=10
    )


def test_a_fix_takes_the_lease_and_a_slot_and_its_retry_keeps_them(control: ControlTable) -> None:
    assert reserve(control, "finding-a", "event-1") is None
    assert reserve(control, "finding-a", "event-2") == "lease"  # another worker's fix
    assert reserve(control, "finding-a", "event-1") is None  # the same work, retried


def test_a_full_window_refuses_and_holds_no_lease(control: ControlTable) -> None:
    assert reserve(control, "finding-a", "event-1") is None
    assert reserve(control, "finding-b", "event-2") is None
    assert reserve(control, "finding-c", "event-3") == "rate"
    # Refused as a whole: the lease on finding-c was not taken.
    assert control.acquire_fix_lease("finding-c", "event-4", NOW, 120)
    assert reserve(control, "finding-d", "event-5", NOW + timedelta(minutes=10)) is None


def test_an_expired_lease_is_free_again(control: ControlTable) -> None:
    assert reserve(control, "finding-a", "event-1") is None
    assert reserve(control, "finding-a", "event-2", NOW + timedelta(seconds=121)) is None
