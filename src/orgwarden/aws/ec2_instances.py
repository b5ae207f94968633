"""EC2 reads and fixes for the instance metadata (IMDSv2) rules, and stopping an instance."""

from datetime import datetime
from typing import Any

from orgwarden.aws.errors import ResourceGone, translated
from orgwarden.aws.member import Change, Grant, MemberContext, Reader, Remediation
from orgwarden.model.imdsv2 import InstanceMetadataDefaults, InstanceMetadataOptions, LaunchSource
from orgwarden.model.resources import ResourceRef

# DescribeInstances answers these for an id that does not exist (or no longer does).
INSTANCE_GONE = ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")
DESCRIBE_INSTANCES = "ec2:DescribeInstances"
GET_METADATA_DEFAULTS = "ec2:GetInstanceMetadataDefaults"


def describe_instance(ec2: Any, ref: ResourceRef, principal: str) -> dict[str, Any]:
    """One instance as DescribeInstances reports it."""
    with translated(DESCRIBE_INSTANCES, principal, INSTANCE_GONE):
        pages = ec2.get_paginator("describe_instances").paginate(InstanceIds=[ref.resource_id])
        found = [i for page in pages for r in page["Reservations"] for i in r["Instances"]]
    if not found:
        raise ResourceGone(f"instance {ref.resource_id} is not reported by DescribeInstances")
    instance: dict[str, Any] = found[0]
    return instance


def instance_of(ctx: MemberContext) -> dict[str, Any]:
    """The instance of `ctx`, described once per unit of work (or taken from a sweep task's
    listing)."""
    return ctx.once(
        DESCRIBE_INSTANCES, lambda: describe_instance(ctx.client("ec2"), ctx.ref, ctx.principal)
    )


def tag_pairs(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """Tags from AWS's list of {Key, Value} pairs."""
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def instance_tags(instance: dict[str, Any]) -> dict[str, str]:
    return tag_pairs(instance.get("Tags"))


def first_launched(instance: dict[str, Any]) -> datetime | None:
    """When the instance first ran. LaunchTime moves on every start, so the primary network
    interface's and the root volume's attachment times (set once, at launch) come first."""
    times = [
        eni["Attachment"]["AttachTime"]
        for eni in instance.get("NetworkInterfaces", [])
        if eni.get("Attachment", {}).get("DeviceIndex") == 0 and "AttachTime" in eni["Attachment"]
    ]
    times += [
        bdm["Ebs"]["AttachTime"]
        for bdm in instance.get("BlockDeviceMappings", [])
        if bdm.get("DeviceName") == instance.get("RootDeviceName") and "Ebs" in bdm
    ]
    if "LaunchTime" in instance:
        times.append(instance["LaunchTime"])
    return min(times) if times else None


def _read_options(ctx: MemberContext) -> InstanceMetadataOptions:
    instance = instance_of(ctx)
    options = instance.get("MetadataOptions", {})
    return InstanceMetadataOptions(
        ref=ctx.ref,
        state=instance.get("State", {}).get("Name", "unknown"),
        http_tokens=options.get("HttpTokens"),
        http_endpoint=options.get("HttpEndpoint"),
        launched_by=LaunchSource.from_tags(instance_tags(instance)),
    )


def _plan_require(state: InstanceMetadataOptions) -> dict[str, Any]:
    return {
        "api": "ec2:ModifyInstanceMetadataOptions",
        "instance": state.ref.resource_id,
        "HttpTokens": "required",
        "HttpEndpoint": "enabled",
    }


def _apply_require(ctx: MemberContext, state: InstanceMetadataOptions) -> Change:
    with translated("ec2:ModifyInstanceMetadataOptions", ctx.principal, INSTANCE_GONE):
        ctx.client("ec2").modify_instance_metadata_options(
            InstanceId=ctx.ref.resource_id, HttpTokens="required", HttpEndpoint="enabled"
        )
    return Change(
        before={"HttpTokens": state.http_tokens, "HttpEndpoint": state.http_endpoint},
        after={"HttpTokens": "required", "HttpEndpoint": "enabled"},
    )


def _read_defaults(ctx: MemberContext) -> InstanceMetadataDefaults:
    ec2 = ctx.client("ec2")

    def read() -> dict[str, Any]:
        with translated(GET_METADATA_DEFAULTS, ctx.principal):
            level: dict[str, Any] = ec2.get_instance_metadata_defaults().get("AccountLevel", {})
        return level

    level = ctx.once(GET_METADATA_DEFAULTS, read)
    return InstanceMetadataDefaults(
        ref=ctx.ref,
        http_tokens=level.get("HttpTokens"),
        http_endpoint=level.get("HttpEndpoint"),
        managed_by=level.get("ManagedBy"),
    )


def _plan_default(state: InstanceMetadataDefaults) -> dict[str, Any]:
    return {
        "api": "ec2:ModifyInstanceMetadataDefaults",
        "account": state.ref.account_id,
        "region": state.ref.region,
        "HttpTokens": "required",
    }


def _apply_default(ctx: MemberContext, state: InstanceMetadataDefaults) -> Change:
    with translated("ec2:ModifyInstanceMetadataDefaults", ctx.principal):
        ctx.client("ec2").modify_instance_metadata_defaults(HttpTokens="required")
    return Change(before={"HttpTokens": state.http_tokens}, after={"HttpTokens": "required"})


def _plan_stop(state: Any) -> dict[str, Any]:
    return {"api": "ec2:StopInstances", "instance": state.ref.resource_id}


def _apply_stop(ctx: MemberContext, state: Any) -> Change:
    with translated("ec2:StopInstances", ctx.principal, INSTANCE_GONE):
        answer = ctx.client("ec2").stop_instances(InstanceIds=[ctx.ref.resource_id])
    after = answer["StoppingInstances"][0]["CurrentState"]["Name"]
    return Change(before={"State": state.state}, after={"State": after})


READERS = (
    Reader(
        name="ec2_instance_metadata_options",
        permissions=("ec2:DescribeInstances",),
        read=_read_options,
    ),
    Reader(
        name="ec2_instance_metadata_defaults",
        permissions=("ec2:GetInstanceMetadataDefaults",),
        read=_read_defaults,
    ),
)
REMEDIATIONS = (
    # Require session tokens (IMDSv2) on the instance; the endpoint stays enabled.
    Remediation(
        name="ec2_require_imdsv2",
        permissions=("ec2:ModifyInstanceMetadataOptions",),
        plan=_plan_require,
        apply=_apply_require,
        changes=(DESCRIBE_INSTANCES,),
        # Only ever to require tokens with the endpoint on: never to allow IMDSv1 again, nor
        # to turn the metadata service off under a workload.
        grants=(
            Grant(
                "ec2:ModifyInstanceMetadataOptions",
                {
                    "StringEquals": {
                        "ec2:MetadataHttpTokens": "required",
                        "ec2:MetadataHttpEndpoint": "enabled",
                    }
                },
            ),
        ),
    ),
    # Require IMDSv2 for instances launched later in this account and region.
    Remediation(
        name="ec2_require_imdsv2_by_default",
        permissions=("ec2:ModifyInstanceMetadataDefaults",),
        plan=_plan_default,
        apply=_apply_default,
        changes=(GET_METADATA_DEFAULTS,),
    ),
    # Stop (never terminate) an instance; its volumes and data stay. It contains a violation
    # rather than curing it, so it is verified by the instance's state, not by the rule.
    Remediation(
        name="ec2_stop_instance",
        permissions=("ec2:StopInstances",),
        plan=_plan_stop,
        apply=_apply_stop,
        changes=(DESCRIBE_INSTANCES,),
        disruptive=True,
        holds=lambda state: state.state in ("stopping", "stopped"),
    ),
)
