"""Shared fixtures: real event JSON from tests/events, and moto's server as the AWS endpoint."""

import json
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from orgwarden.aws.member import MemberContext
from orgwarden.aws.sessions import Sessions
from orgwarden.engine.evaluator import Evaluator
from orgwarden.engine.policy import default_policy
from orgwarden.engine.runtime import build_evaluator, event_service
from orgwarden.engine.settings import Settings
from orgwarden.model.resources import ResourceRef
from orgwarden_harness.simulation import SimulatedOrganization, build_organization, moto_endpoint

EVENTS = Path(__file__).parent / "events"

# The slow tier: end-to-end flows, benchmarks' smoke runs, fault and load runs, the stacks on
# moto's CloudFormation, the built Lambda package, the engine's whole-pipeline tests on the
# simulated organization, and the tests that boot one (or a subprocess) per test.
# `pytest -m "not slow"` runs the rest (pure, adapter and handler tests); `./dev test` and CI
# run both.
SLOW = (
    "tests/e2e/",
    "tests/bench/",
    "tests/reliability/",
    "tests/orgwarden/audit/",
    "tests/orgwarden/engine/test_evaluator.py",
    "tests/orgwarden/engine/test_lifecycle.py",
    "tests/orgwarden/engine/test_safety.py",
    "tests/orgwarden/engine/test_sweep.py",
    "tests/orgwarden/engine/test_sweep_tasks.py",
    "tests/orgwarden/engine/test_tag_reads.py",
    "tests/test_stacks_on_moto.py",
    "tests/test_lambda_package.py",
    "tests/test_installed_cli.py",
)
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(ROOT).as_posix().startswith(SLOW):
            item.add_marker(pytest.mark.slow)


def load_event(kind: str, service: str, name: str) -> dict[str, Any]:
    """A real-shaped event fixture, e.g. load_event("cloudtrail", "s3", "PutBucketPolicy")."""
    loaded: dict[str, Any] = json.loads((EVENTS / kind / service / f"{name}.json").read_text())
    return loaded


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto server for the session; tests keep apart by unique accounts and names."""
    with moto_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def organization(moto_server: str) -> SimulatedOrganization:
    return build_organization()


Configure = Callable[..., SimulatedOrganization]


@pytest.fixture
def lambda_env(
    organization: SimulatedOrganization, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Configure]:
    """Give the process the evaluator function's environment (as the tooling account), with
    the rule modes asked for; the handler's wiring is rebuilt from it."""

    def configure(modes: dict[str, str] | None = None) -> SimulatedOrganization:
        for key, value in organization.evaluator_environment(modes=modes).items():
            monkeypatch.setenv(key, value)
        event_service.cache_clear()
        return organization

    yield configure
    event_service.cache_clear()


def evaluator_as_deployed(
    modes: Mapping[str, Any] | None = None,
    *,
    sessions: Sessions | None = None,
    settings: Settings | None = None,
    **build: Any,
) -> Evaluator:
    """The evaluator as the runtime builds it (`build_evaluator`), from the evaluator function's
    environment that `lambda_env` gave the process: the simulated organization's tables, its
    directory and its control table. `modes` replace the environment's rule modes; `build`
    passes a policy file, a clock or a sleep."""
    if settings is None:
        settings = Settings() if modes is None else Settings(modes=dict(modes))  # type: ignore[call-arg]
    return build_evaluator(settings, sessions or Sessions(), **build)


@pytest.fixture
def account_id() -> str:
    """A fresh member account id: moto creates an account's state on first use."""
    return "".join(str(secrets.randbelow(10)) for _ in range(12))


def session_in(account_id: str) -> boto3.Session:
    creds = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="test",
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


class ApiCalls:
    """Counts the AWS API calls boto3 makes, through botocore's event system."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_id}.{model.name}")

    def named(self, name: str) -> list[str]:
        return [c for c in self.calls if c.endswith(f".{name}")]


def hook_new_clients(monkeypatch: pytest.MonkeyPatch, event: str, hook: Any) -> None:
    """Register `hook` for botocore `event` on every client created from here on."""
    create_client = botocore.session.Session.create_client

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register(event, hook)
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", hooked)


def member_context(
    sessions: Sessions, ref: ResourceRef, role_name: str, payload: Any = None
) -> MemberContext:
    """What the evaluator hands a reader or a fix, with the packaged policy file."""
    return MemberContext(
        sessions=sessions,
        ref=ref,
        role_name=role_name,
        policy=default_policy(),
        now=datetime.now(UTC),
        payload=payload,
    )


@pytest.fixture
def evidence_table(moto_server: str) -> tuple[Any, str, str]:
    """A fresh evidence table, declared as in template.yaml: (dynamodb client, name, stream ARN)."""
    from orgwarden_harness.simulation import create_table, load_template

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    name = f"evidence-{secrets.token_hex(6)}"
    resource = load_template()["Resources"]["EvidenceTable"]
    return dynamodb, name, create_table(dynamodb, resource, name)
