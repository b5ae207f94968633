"""A simulated AWS Organization on moto's server: the embedded default for the demo and the
end-to-end tests. No AWS account and no Docker.

What is real here: moto's HTTP endpoint, the EventBridge rule patterns and table key schemas read
from `template.yaml`, EventBridge routing into SQS, and the evaluator handler itself. What stands
in for AWS: CloudTrail (moto records no API calls, so `cloudtrail_event` writes the record the
way CloudTrail would) and the member account's forwarding rule (events are put on the governance
bus directly, keeping the member account in `detail.recipientAccountId`).
"""

import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.model import evidence_items
from orgwarden.model.evidence import EvidenceRecord

MANAGEMENT_ACCOUNT = "123456789012"  # moto's default account plays the management account
HOME_REGION = "us-east-1"
ACCESS_ROLE = "OrganizationAccountAccessRole"
EVIDENCE_TABLE = "orgwarden-evidence"
IDEMPOTENCY_TABLE = "orgwarden-idempotency"
CONTROL_TABLE = "orgwarden-control"
QUEUE_NAME = "orgwarden-evaluation"
DLQ_NAME = "orgwarden-evaluation-dlq"
BUS_NAME = "orgwarden-governance"
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# The person whose changes the demo's and the harness's incidents play.
DEVELOPER = "arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane.doe@example.com"
MEMBER_ROLE_NAMES = ("OrgwardenRead", "OrgwardenRemediation", "OrgwardenFindingWriter")


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """Run moto's server on a free loopback port and point boto3 at it for the duration."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - a dev dependency, loaded on use

    from orgwarden_harness import moto_additions, securityhub_fake  # noqa: PLC0415 - imports moto

    moto_additions.install()
    securityhub_fake.install()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per API call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's documented dummy credentials
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        AWS_DEFAULT_REGION=HOME_REGION,
    )
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ENV_KEYS = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
)


@dataclass(frozen=True)
class Account:
    name: str
    account_id: str
    ou: str


@dataclass
class SimulatedOrganization:
    """An organization with a management account, OUs and member accounts, and orgwarden's
    central resources deployed in the security tooling account."""

    organization_id: str
    accounts: dict[str, Account]
    queue_url: str = ""
    dlq_url: str = ""
    max_receive_count: int = 0  # the queue's redrive policy, from the template
    bus_arn: str = ""
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The account that sent each event put on the bus, by EventBridge's event id (moto drops
    # the envelope's `account`, which real EventBridge sets to the sender).
    senders: dict[str, str] = field(default_factory=dict)

    @property
    def tooling(self) -> Account:
        return self.accounts["security-tooling"]

    def session(self, account_id: str, region: str = HOME_REGION) -> boto3.Session:
        """A session in `account_id`, as the organization's access role (any role works in moto)."""
        if account_id == MANAGEMENT_ACCOUNT:
            return boto3.Session(region_name=region)
        creds = boto3.client("sts", region_name=region).assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{ACCESS_ROLE}", RoleSessionName="simulation"
        )["Credentials"]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )

    def evaluator_environment(self, modes: dict[str, str] | None = None) -> dict[str, str]:
        """The environment the template gives the evaluator function, as the tooling account."""
        creds = self.session(self.tooling.account_id).get_credentials()
        assert creds is not None
        return {
            "AWS_ACCESS_KEY_ID": creds.access_key,
            "AWS_SECRET_ACCESS_KEY": creds.secret_key,
            "AWS_SESSION_TOKEN": creds.token or "",
            "ORGWARDEN_ORGANIZATION_ID": self.organization_id,
            "ORGWARDEN_EVIDENCE_TABLE": EVIDENCE_TABLE,
            "ORGWARDEN_IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
            "ORGWARDEN_CONTROL_TABLE": CONTROL_TABLE,
            # moto keeps each account's Organizations view apart: read OUs as the management
            # account, as a deployment with an organization read role would.
            "ORGWARDEN_ORGANIZATION_ROLE_ARN": (
                f"arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/{ACCESS_ROLE}"
            ),
            "ORGWARDEN_MODES": json.dumps(modes or {}),
            "ORGWARDEN_DEAD_LETTER_QUEUE_URL": self.dlq_url,
            "ORGWARDEN_MAX_RECEIVE_COUNT": str(self.max_receive_count),
            "ORGWARDEN_EVALUATION_QUEUE_URL": self.queue_url,
            # The tooling account is the organization's GuardDuty delegated administrator.
            "ORGWARDEN_GUARDDUTY_ADMINISTRATOR_ACCOUNT": self.tooling.account_id,
            "POWERTOOLS_SERVICE_NAME": "orgwarden",
            "POWERTOOLS_METRICS_NAMESPACE": "Orgwarden",
        }

    def findings(self, account_id: str) -> dict[str, dict[str, Any]]:
        """Every finding in an account's Security Hub (home region), by id."""
        client = self.session(account_id).client("securityhub")
        pages = client.get_paginator("get_findings").paginate()
        return {f["Id"]: f for page in pages for f in page["Findings"]}

    def bucket_block(self, account_id: str, bucket: str) -> dict[str, bool] | None:
        """A bucket's Block Public Access settings, or None when it has none."""
        s3 = self.session(account_id).client("s3")
        try:
            found: dict[str, bool] = s3.get_public_access_block(Bucket=bucket)[
                "PublicAccessBlockConfiguration"
            ]
        except s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
                return None
            raise
        return found

    def evidence(self) -> EvidenceStore:
        dynamodb = self.session(self.tooling.account_id).client("dynamodb")
        return EvidenceStore(dynamodb, EVIDENCE_TABLE)

    def evidence_records(self) -> list[EvidenceRecord]:
        """Every evidence record in the table, in no particular order (the report sorts)."""
        dynamodb = self.session(self.tooling.account_id).client("dynamodb")
        # History items only: each finding's state item carries a copy of its latest record.
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=EVIDENCE_TABLE,
            ProjectionExpression="#r",
            FilterExpression="#k = :history",
            ExpressionAttributeNames={"#r": "record", "#k": "kind"},
            ExpressionAttributeValues={":history": {"S": evidence_items.KIND_HISTORY}},
        )
        return [
            evidence_items.read_record(item["record"]["S"])
            for page in pages
            for item in page["Items"]
        ]

    def deliver(self, event: dict[str, Any], *, sender: str | None = None) -> None:
        """Put a member's event on the governance bus, where the template's rules route it.

        By default the event arrives as a member's forwarding rule delivers it: sent by the
        account it is about. `sender` plays another account putting it on the bus itself (the
        bus policy admits PutEvents from every account of the organization)."""
        events = self.session(self.tooling.account_id).client("events")
        answer = events.put_events(
            Entries=[
                {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "Resources": event.get("resources", []),
                    "EventBusName": self.bus_arn,
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"put_events failed: {answer['Entries']}")
        account = sender or _subject_account(event.get("detail"))
        if account:
            self.senders[answer["Entries"][0]["EventId"]] = account

    def receive(self, queue_url: str | None = None, max_messages: int = 10) -> list[dict[str, Any]]:
        sqs = self.session(self.tooling.account_id).client("sqs")
        answer = sqs.receive_message(
            QueueUrl=queue_url or self.queue_url,
            MaxNumberOfMessages=max_messages,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = list(answer.get("Messages", []))
        for message in messages:
            message["Body"] = _restore_account(message["Body"], self.senders)
        return messages

    def take(self, max_messages: int = 10) -> list[dict[str, Any]]:
        """Receive from the evaluation queue and delete what was received, as Lambda's event
        source mapping deletes a batch it handed over. Messages only received come back after
        the queue's visibility timeout, into whichever later receive runs then."""
        messages = self.receive(max_messages=max_messages)
        if messages:
            sqs = self.session(self.tooling.account_id).client("sqs")
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(messages)
                ],
            )
        return messages

    def drain_queue(self, batch_size: int = 10) -> list[dict[str, Any]]:
        """Play Lambda's event source mapping until the evaluation queue is empty: batches to
        the handler, failed records visible again at once (not after the visibility timeout),
        so they are received until they succeed or the redrive policy takes them. Returns
        every message received, retries included."""
        sqs = self.session(self.tooling.account_id).client("sqs")
        received: list[dict[str, Any]] = []
        while messages := self.receive(max_messages=batch_size):
            received += messages
            answer = self.invoke_evaluator(messages)
            failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            for message in messages:
                if message["MessageId"] in failed:
                    sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
        return received

    def dead_letters(self, hide_for: int = 600) -> list[dict[str, Any]]:
        """Every message visible in the dead-letter queue, with its attributes; each is hidden
        for `hide_for` seconds once read, so the reading ends."""
        sqs = self.session(self.tooling.account_id).client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            answer = sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=hide_for,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            if not answer.get("Messages"):
                return found
            found += answer["Messages"]

    def evaluated_event_ids(self) -> set[str]:
        """The ids of the events with at least one evaluation in the evidence table (history
        items are keyed by time and event id)."""
        dynamodb = self.session(self.tooling.account_id).client("dynamodb")
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=EVIDENCE_TABLE,
            ProjectionExpression="sk",
            FilterExpression="#k = :history",
            ExpressionAttributeNames={"#k": "kind"},
            ExpressionAttributeValues={":history": {"S": evidence_items.KIND_HISTORY}},
        )
        return {
            evidence_items.event_id_of(item["sk"]["S"]) for page in pages for item in page["Items"]
        }

    def invoke_evaluator(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Call the evaluator handler with an SQS batch, as Lambda's event source mapping does,
        and delete the messages it did not report as failed."""
        from handlers.evaluator import handler  # noqa: PLC0415 - import after the environment is set

        queue_arn = f"arn:aws:sqs:{HOME_REGION}:{self.tooling.account_id}:{QUEUE_NAME}"
        records = [sqs_record(m, queue_arn) for m in messages]
        answer: dict[str, Any] = handler({"Records": records}, LambdaContext())
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        sqs = self.session(self.tooling.account_id).client("sqs")
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return answer


def _subject_account(detail: Any) -> str | None:
    """The account an event is about: CloudTrail's `recipientAccountId`, a GuardDuty finding's
    `accountId`, a Config item's (or its summary's) `awsAccountId`."""
    if not isinstance(detail, dict):
        return None
    item = detail.get("configurationItem") or detail.get("configurationItemSummary") or {}
    found = detail.get("recipientAccountId") or detail.get("accountId") or item.get("awsAccountId")
    return found if isinstance(found, str) else None


def _restore_account(body: str, senders: dict[str, str] | None = None) -> str:
    """Put back the envelope's `account`, which moto's EventBridge drops on delivery to SQS.

    Real EventBridge keeps it: the account that sent the event, which for a forwarded event is
    the member it is about. It is the sender `deliver` recorded for the event's id, else the
    CloudTrail detail's `recipientAccountId` (a GuardDuty finding's `accountId`). A replayed
    event keeps the account moto archived, the tooling account that `deliver` puts events as
    in place of the member's forwarding rule: it is put back the same way. Bodies that are not
    such events pass unchanged.
    """
    try:
        event = json.loads(body)
        if "account" not in event or "replay-name" in event:
            detail = event["detail"]
            # CloudTrail names the member in recipientAccountId, a GuardDuty finding in accountId.
            account = (senders or {}).get(event.get("id", "")) or _subject_account(detail)
            if not account:
                return body
            event = {**event, "account": account}
            return json.dumps(event)
    except (ValueError, KeyError, TypeError, RecursionError):
        pass
    return body


def build_organization() -> SimulatedOrganization:
    """Create the organization, its OUs and accounts, and deploy orgwarden into it."""
    org = boto3.client("organizations", region_name=HOME_REGION)
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    ous = {"Security": org.create_organizational_unit(ParentId=root_id, Name="Security")}
    workloads = org.create_organizational_unit(ParentId=root_id, Name="Workloads")
    for name in ("Prod", "Dev"):
        ous[name] = org.create_organizational_unit(
            ParentId=workloads["OrganizationalUnit"]["Id"], Name=name
        )
    accounts = {}
    for name, ou in (
        ("security-tooling", "Security"),
        ("payments-prod", "Prod"),
        ("analytics-prod", "Prod"),
        ("sandbox-dev", "Dev"),
    ):
        created = org.create_account(Email=f"{name}@example.com", AccountName=name)
        account_id = created["CreateAccountStatus"]["AccountId"]
        org.move_account(
            AccountId=account_id,
            SourceParentId=root_id,
            DestinationParentId=ous[ou]["OrganizationalUnit"]["Id"],
        )
        accounts[name] = Account(name=name, account_id=account_id, ou=ou)
    simulated = SimulatedOrganization(organization_id=organization["Id"], accounts=accounts)
    deploy_central(simulated)
    for account in accounts.values():
        if account.name != "security-tooling":
            deploy_member(simulated, account.account_id)
    return simulated


def deploy_central(sim: SimulatedOrganization) -> None:
    """The central stack's event path and tables, from `template.yaml`'s own definitions."""
    resources = load_template()["Resources"]
    session = sim.session(sim.tooling.account_id)
    sqs, events, dynamodb = (
        session.client("sqs"),
        session.client("events"),
        session.client("dynamodb"),
    )

    sim.dlq_url = sqs.create_queue(QueueName=DLQ_NAME)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=sim.dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    queue = resources["EvaluationQueue"]["Properties"]
    sim.max_receive_count = int(queue["RedrivePolicy"]["maxReceiveCount"])
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": sim.max_receive_count}
    sim.queue_url = sqs.create_queue(
        QueueName=QUEUE_NAME,
        Attributes={
            "VisibilityTimeout": str(queue["VisibilityTimeout"]),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=sim.queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]

    sim.bus_arn = events.create_event_bus(Name=BUS_NAME)["EventBusArn"]
    for logical_id, rule in rules_targeting_queue(resources).items():
        pattern = rule["Properties"]["EventPattern"]
        events.put_rule(Name=logical_id, EventBusName=BUS_NAME, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=logical_id, EventBusName=BUS_NAME, Targets=[{"Id": "evaluation", "Arn": queue_arn}]
        )
        sim.rules[logical_id] = pattern

    for logical_id, name in (
        ("EvidenceTable", EVIDENCE_TABLE),
        ("IdempotencyTable", IDEMPOTENCY_TABLE),
        ("ControlTable", CONTROL_TABLE),
    ):
        create_table(dynamodb, resources[logical_id], name)


def create_table(dynamodb: Any, resource: dict[str, Any], name: str) -> str:
    """A table exactly as a template resource declares it (keys, indexes, stream); returns its
    stream ARN, or "" without one."""
    props = resource["Properties"]
    table: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props["BillingMode"],
    }
    if props.get("GlobalSecondaryIndexes"):
        table["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        table["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    created = dynamodb.create_table(**table)["TableDescription"]
    return str(created.get("LatestStreamArn", ""))


def deploy_member(sim: SimulatedOrganization, account_id: str) -> None:
    """What the member StackSet provides: Security Hub on, and orgwarden's roles.

    moto does not enforce IAM, so the roles' policies are not exercised here; their trust policy
    names the tooling account, as in a real deployment.
    """
    session = sim.session(account_id)
    session.client("securityhub").enable_security_hub(EnableDefaultStandards=False)
    iam = session.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{sim.tooling.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for role_name in MEMBER_ROLE_NAMES:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """`template.yaml` as data; short-form intrinsics (`!Ref`) become their long form."""
    from cfn_tools import load_yaml  # noqa: PLC0415 - a dev dependency

    template: dict[str, Any] = json.loads(json.dumps(load_yaml(path.read_text())))
    return template


def rules_targeting_queue(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's EventBridge rules whose targets include the evaluation queue."""
    found = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Events::Rule":
            continue
        targets = json.dumps(resource["Properties"].get("Targets", []))
        if '"EvaluationQueue"' in targets:
            found[logical_id] = resource
    return found


def cloudtrail_event(
    *,
    event_name: str,
    account_id: str,
    region: str,
    request_parameters: dict[str, Any],
    principal_arn: str,
    source_ip: str = "203.0.113.24",
    user_agent: str = "aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.0 os/linux#6.8 lang/python#3.12.6",
    event_time: datetime | None = None,
    service: str = "s3",
    error_code: str | None = None,
) -> dict[str, Any]:
    """The EventBridge event CloudTrail would emit for a call moto just served."""
    moment = (event_time or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    role_arn, _, session_name = (
        principal_arn.replace(":sts::", ":iam::")
        .replace(":assumed-role/", ":role/")
        .rpartition("/")
    )
    detail: dict[str, Any] = {
        "eventVersion": "1.10",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLEROLEID:{session_name}",
            "arn": principal_arn,
            "accountId": account_id,
            "accessKeyId": "ASIAEXAMPLEKEYID",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEROLEID",
                    "arn": role_arn,
                    "accountId": account_id,
                    "userName": role_arn.rsplit("/", 1)[-1],
                },
                "attributes": {"creationDate": moment, "mfaAuthenticated": "true"},
            },
        },
        "eventTime": moment,
        "eventSource": f"{service}.amazonaws.com",
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": request_parameters,
        "responseElements": None,
        "requestID": uuid.uuid4().hex[:16].upper(),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if error_code:
        detail["errorCode"] = error_code
        detail["errorMessage"] = error_code
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": f"aws.{service}",
        "account": account_id,
        "time": moment,
        "region": region,
        "resources": [],
        "detail": detail,
    }


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": HOME_REGION,
    }


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that Powertools reads."""

    function_name: str = "orgwarden-evaluator"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        f"arn:aws:lambda:{HOME_REGION}:000000000000:function:orgwarden-evaluator"
    )
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
