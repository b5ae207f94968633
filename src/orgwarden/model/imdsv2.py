"""Instance metadata service (IMDS) state: an instance's options and a region's defaults."""

from pydantic import BaseModel, ConfigDict

from orgwarden.model.resources import ResourceRef

# Tags EC2 puts on instances launched for an Auto Scaling group or from a launch template.
ASG_TAG = "aws:autoscaling:groupName"
LAUNCH_TEMPLATE_ID_TAG = "aws:ec2launchtemplate:id"
LAUNCH_TEMPLATE_VERSION_TAG = "aws:ec2launchtemplate:version"


class LaunchSource(BaseModel):
    """Where an instance's settings came from: what relaunches it with the same settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auto_scaling_group: str | None = None
    launch_template_id: str | None = None
    launch_template_version: str | None = None

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> "LaunchSource | None":
        source = cls(
            auto_scaling_group=tags.get(ASG_TAG),
            launch_template_id=tags.get(LAUNCH_TEMPLATE_ID_TAG),
            launch_template_version=tags.get(LAUNCH_TEMPLATE_VERSION_TAG),
        )
        return source if source.auto_scaling_group or source.launch_template_id else None


class InstanceMetadataOptions(BaseModel):
    """An instance's metadata options as DescribeInstances reports them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    state: str  # pending | running | shutting-down | terminated | stopping | stopped
    http_tokens: str | None  # optional | required
    http_endpoint: str | None  # enabled | disabled
    launched_by: LaunchSource | None = None


class InstanceMetadataDefaults(BaseModel):
    """The account's instance metadata defaults in one region (GetInstanceMetadataDefaults).

    None means no account-level default is set: the AMI and the launch request decide.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef  # AwsAccount, in the region the defaults apply to
    http_tokens: str | None = None  # optional | required | no-preference
    http_endpoint: str | None = None  # enabled | disabled | no-preference
    # "declarative-policy" when an organization's declarative policy sets the defaults.
    managed_by: str | None = None
