"""Nothing the evaluator logs at INFO carries credentials or a full policy document.

Representative messages go through the real handler on moto's server with Powertools' logger
and the root logger at INFO: a bucket policy event (its requestParameters carry the policy)
fixed in enforce mode, so the read, remediation and finding-writer roles are assumed; a
malformed one carrying a policy; a root sign-in; a GuardDuty finding naming an access key; and
a read that times out on the last allowed receive (logged with its traceback). The output is
searched for every credential STS handed out in the run, and for the policy document.
"""

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from handlers import evaluator as evaluator_handler
from orgwarden_harness.demo import make_drift, public_read_policy
from orgwarden_harness.incidents import (
    access_key_resource,
    guardduty_finding_event,
    root_signin_event,
)
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import hook_new_clients
from tests.reliability import faults

ACCOUNT = "analytics-prod"


@pytest.fixture
def info_level() -> Iterator[None]:
    """Powertools' logger at INFO, as the template sets it (POWERTOOLS_LOG_LEVEL)."""
    logger = evaluator_handler.logger
    saved = logger.log_level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(saved)


@pytest.mark.usefixtures("info_level")
def test_no_credentials_and_no_policy_document_reach_the_logs(
    sim: SimulatedOrganization,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secrets: set[str] = set()

    def keep_credentials(parsed: dict[str, Any], **_: Any) -> None:
        creds = parsed.get("Credentials") or {}
        secrets.update(str(creds[k]) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken"))

    hook_new_clients(monkeypatch, "after-call.sts.AssumeRole", keep_credentials)
    wire = faults.install(monkeypatch)  # patches create_client again, on top of this hook
    caplog.set_level(logging.INFO)  # the root logger too: botocore, urllib3, Powertools

    member = sim.accounts[ACCOUNT].account_id
    canary = f"policy-canary-{uuid.uuid4().hex}"
    bucket = f"logging-{uuid.uuid4().hex[:8]}-{member}"
    policy = {**public_read_policy(bucket), "Id": canary}
    fixed = make_drift(sim, ACCOUNT, bucket, policy)
    broken = json.loads(json.dumps(fixed))
    broken["detail"]["recipientAccountId"] = 12345
    broken["detail"]["eventID"] = str(uuid.uuid4())
    slow_bucket = f"logging-slow-{uuid.uuid4().hex[:8]}-{member}"
    slow = make_drift(sim, ACCOUNT, slow_bucket, {**public_read_policy(slow_bucket), "Id": canary})
    wire.add("s3.*", faults.raising("ReadTimeoutError"), url_has=slow_bucket)
    for event in (
        fixed,
        broken,
        root_signin_event(member),
        guardduty_finding_event(
            member,
            "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            access_key_resource("AKIAIOSFODNN7EXAMPLE", "build-bot"),
        ),
        slow,
    ):
        sim.deliver(event)
    messages = sim.take()
    for message in messages:
        if slow_bucket in message["Body"]:  # its last allowed receive: parked, with a traceback
            message["Attributes"]["ApproximateReceiveCount"] = str(sim.max_receive_count)
    caplog.clear()  # only the handler's records from here
    sim.invoke_evaluator(messages)

    # Each record as Powertools writes it to CloudWatch (JSON, with its extra fields and any
    # traceback), and as plain text.
    formatter = evaluator_handler.logger.registered_formatter
    printed = "\n".join(formatter.format(record) for record in caplog.records)
    output = printed + "\n" + caplog.text

    # The run did what is searched for: roles assumed, verdicts and rejections logged.
    sim_creds = {value for key, value in sim.evaluator_environment().items() if "AWS_" in key}
    secrets |= {value for value in sim_creds if value and value != "testing"}
    assert len(secrets) >= 6  # at least two AssumeRole answers
    assert '"message":"verdict"' in printed
    assert bucket in printed
    assert '"message":"event rejected"' in printed
    assert "retries exhausted" in printed
    assert "ReadTimeoutError" in printed  # the traceback is there

    leaked = sorted(secret[:8] + "..." for secret in secrets if secret in output)
    assert leaked == [], "credentials in the logs"
    assert canary not in output, "a policy document in the logs"
    assert '"Statement"' not in output
    assert '\\"Statement\\"' not in output
