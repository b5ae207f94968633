"""Whether a member role's policy, as member.yaml renders it, allows a request, decided by the
evaluator tests/scps uses (`tests.scps.scp_evaluator`: AWS's documented semantics, case-sensitive
ARN matching) over the role's statements with the account and partition filled in. An identity
policy is decided as one SCP level is: an explicit Deny wins, otherwise an Allow is needed.

`CallRecorder` turns the boto3 calls a fix makes into the IAM requests AWS authorizes for them
(action, resource ARN and the condition keys the request carries), as the Service Authorization
Reference and the services' guides describe them:

- EC2 "Grant permission to tag Amazon EC2 resources during creation": tags in a create call's
  TagSpecifications are authorized as ec2:CreateTags on the new resource, with
  ec2:CreateAction naming the create call;
- EC2 resource tags are the resource's tags at the time of the call (ec2:ResourceTag/<key>);
- S3's s3:ResourceAccount is the account that owns the bucket.

A call it has no model for fails the test: an unmodelled call would pass unchecked.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgwarden_harness.simulation import load_template
from tests.scps import scp_evaluator

ROOT = Path(__file__).resolve().parents[2]
PARTITION = "aws"


def _resolve(value: Any, account_id: str, parameters: dict[str, str]) -> Any:
    """`Fn::Sub` strings with the partition, the account and the template's parameters (at
    their defaults) filled in."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = (
            value["Fn::Sub"]
            .replace("${AWS::Partition}", PARTITION)
            .replace("${AWS::AccountId}", account_id)
        )
        for name, default in parameters.items():
            text = text.replace("${" + name + "}", default)
        return text
    if isinstance(value, dict):
        return {k: _resolve(v, account_id, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, account_id, parameters) for v in value]
    return value


def role_policy(
    role: str, account_id: str, template: Path = ROOT / "member.yaml"
) -> dict[str, Any]:
    """The identity policy of `role` (its AWS::IAM::Policy resources) in `account_id`."""
    resources = load_template(template)["Resources"]
    statements = [
        s
        for resource in resources.values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role} in resource["Properties"]["Roles"]
        for s in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements, f"{role} has no policy in {template.name}"
    parameters = {
        name: str(spec["Default"])
        for name, spec in load_template(template).get("Parameters", {}).items()
        if "Default" in spec
    }
    return {"Version": "2012-10-17", "Statement": _resolve(statements, account_id, parameters)}


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.action} on {self.resource} with {json.dumps(dict(self.context))}"


def allows(policy: dict[str, Any], request: Request, account_id: str) -> bool:
    principal = f"arn:{PARTITION}:iam::{account_id}:role/OrgwardenRemediation"
    decided = scp_evaluator.Request(
        request.action, request.resource, principal, dict(request.context)
    )
    return not scp_evaluator.scp_denies([[policy]], decided)


def _tag_context(prefixes: tuple[str, ...], tags: Mapping[str, str]) -> dict[str, str]:
    return {f"{prefix}/{k}": v for prefix in prefixes for k, v in tags.items()}


def _request_tags(tags: Mapping[str, str]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = dict(_tag_context(("aws:RequestTag",), tags))
    context["aws:TagKeys"] = sorted(tags)
    return context


def _pairs(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def _specified(params: Mapping[str, Any], resource_type: str) -> dict[str, str]:
    return {
        k: v
        for spec in params.get("TagSpecifications", [])
        if spec["ResourceType"] == resource_type
        for k, v in _pairs(spec["Tags"]).items()
    }


class CallRecorder:
    """Records the IAM requests of the calls made while it is `recording`, through botocore's
    provide-client-params event (the parameters as the caller passed them)."""

    def __init__(self, account_id: str, region: str, describe: Callable[[str, str], Any]) -> None:
        self.account_id = account_id
        self.region = region
        # describe(service, what) -> what the simulation knows now (tags of a group, ...).
        self.describe = describe
        self.recording = False
        self.requests: list[Request] = []
        self.calls: list[str] = []

    def __call__(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if not self.recording:
            return
        service = model.service_model.service_name
        self.calls.append(f"{service}:{model.name}")
        self.requests += self.requests_of(service, model.name, params)

    def _ec2(self, kind: str, resource_id: str) -> str:
        owner = "" if kind == "snapshot" else self.account_id
        return f"arn:{PARTITION}:ec2:{self.region}:{owner}:{kind}/{resource_id}"

    def _tagged(self, kind: str, resource_id: str) -> dict[str, str]:
        tags = self.describe(kind, resource_id)
        return _tag_context(("aws:ResourceTag", "ec2:ResourceTag"), tags)

    def requests_of(self, service: str, operation: str, params: Mapping[str, Any]) -> list[Request]:
        method = getattr(self, f"_{service.replace('-', '_')}_{operation}", None)
        if method is None:
            raise AssertionError(f"no IAM request model for {service}:{operation}")
        found: list[Request] = method(params)
        return found

    # ---------------------------------------------------------------- EC2

    def _ec2_DescribeSecurityGroups(self, params: Mapping[str, Any]) -> list[Request]:
        return [Request("ec2:DescribeSecurityGroups", "*")]

    def _ec2_DescribeSnapshots(self, params: Mapping[str, Any]) -> list[Request]:
        return [Request("ec2:DescribeSnapshots", "*")]

    def _ec2_DescribeInstances(self, params: Mapping[str, Any]) -> list[Request]:
        return [Request("ec2:DescribeInstances", "*")]

    def _ec2_CreateSecurityGroup(self, params: Mapping[str, Any]) -> list[Request]:
        group = self._ec2("security-group", "*")
        tags = _specified(params, "security-group")
        found = [
            Request("ec2:CreateSecurityGroup", group, _request_tags(tags) if tags else {}),
            Request("ec2:CreateSecurityGroup", self._ec2("vpc", params["VpcId"])),
        ]
        if tags:
            context = {**_request_tags(tags), "ec2:CreateAction": "CreateSecurityGroup"}
            found.append(Request("ec2:CreateTags", group, context))
        return found

    def _revoke(self, action: str, params: Mapping[str, Any]) -> list[Request]:
        group = params["GroupId"]
        return [
            Request(
                action, self._ec2("security-group", group), self._tagged("security-group", group)
            )
        ]

    def _ec2_RevokeSecurityGroupIngress(self, params: Mapping[str, Any]) -> list[Request]:
        return self._revoke("ec2:RevokeSecurityGroupIngress", params)

    def _ec2_RevokeSecurityGroupEgress(self, params: Mapping[str, Any]) -> list[Request]:
        return self._revoke("ec2:RevokeSecurityGroupEgress", params)

    def _ec2_ModifyNetworkInterfaceAttribute(self, params: Mapping[str, Any]) -> list[Request]:
        action = "ec2:ModifyNetworkInterfaceAttribute"
        interface = self.describe("network-interface", params["NetworkInterfaceId"])
        found = [
            Request(action, self._ec2("network-interface", params["NetworkInterfaceId"])),
            Request(action, self._ec2("subnet", interface["SubnetId"])),
        ]
        if interface.get("InstanceId"):
            found.append(Request(action, self._ec2("instance", interface["InstanceId"])))
        found += [
            Request(action, self._ec2("security-group", g), self._tagged("security-group", g))
            for g in params.get("Groups", [])
        ]
        return found

    def _ec2_CreateSnapshot(self, params: Mapping[str, Any]) -> list[Request]:
        snapshot = self._ec2("snapshot", "*")
        tags = _specified(params, "snapshot")
        found = [
            Request("ec2:CreateSnapshot", self._ec2("volume", params["VolumeId"])),
            Request("ec2:CreateSnapshot", snapshot, _request_tags(tags) if tags else {}),
        ]
        if tags:
            context = {**_request_tags(tags), "ec2:CreateAction": "CreateSnapshot"}
            found.append(Request("ec2:CreateTags", snapshot, context))
        return found

    def _ec2_CreateTags(self, params: Mapping[str, Any]) -> list[Request]:
        kinds = {"i-": "instance", "vol-": "volume", "sg-": "security-group", "snap-": "snapshot"}
        tags = _pairs(params["Tags"])
        found = []
        for resource in params["Resources"]:
            (kind,) = [k for prefix, k in kinds.items() if resource.startswith(prefix)]
            found.append(Request("ec2:CreateTags", self._ec2(kind, resource), _request_tags(tags)))
        return found

    def _ec2_ModifyInstanceMetadataOptions(self, params: Mapping[str, Any]) -> list[Request]:
        context = {
            f"ec2:Metadata{name}": params[name]
            for name in ("HttpTokens", "HttpEndpoint")
            if name in params
        }
        return [
            Request(
                "ec2:ModifyInstanceMetadataOptions",
                self._ec2("instance", params["InstanceId"]),
                context,
            )
        ]

    def _ec2_StopInstances(self, params: Mapping[str, Any]) -> list[Request]:
        return [
            Request("ec2:StopInstances", self._ec2("instance", i)) for i in params["InstanceIds"]
        ]

    # ---------------------------------------------------------------- IAM

    def _iam_UpdateAccessKey(self, params: Mapping[str, Any]) -> list[Request]:
        user = f"arn:{PARTITION}:iam::{self.account_id}:user/{params['UserName']}"
        return [Request("iam:UpdateAccessKey", user)]

    # ---------------------------------------------------------------- S3

    def _bucket(self, action: str, params: Mapping[str, Any]) -> list[Request]:
        bucket = params["Bucket"]
        owner = self.describe("bucket", bucket)
        return [Request(action, f"arn:{PARTITION}:s3:::{bucket}", {"s3:ResourceAccount": owner})]

    def _s3_PutPublicAccessBlock(self, params: Mapping[str, Any]) -> list[Request]:
        return self._bucket("s3:PutBucketPublicAccessBlock", params)

    def _s3_PutBucketEncryption(self, params: Mapping[str, Any]) -> list[Request]:
        return self._bucket("s3:PutEncryptionConfiguration", params)

    def _s3_GetBucketTagging(self, params: Mapping[str, Any]) -> list[Request]:
        return self._bucket("s3:GetBucketTagging", params)

    def _s3_PutBucketTagging(self, params: Mapping[str, Any]) -> list[Request]:
        return self._bucket("s3:PutBucketTagging", params)
