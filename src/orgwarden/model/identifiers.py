"""AWS identifier formats: every identifier taken from an event is checked before an API call.

The formats of accounts, regions, partitions and bucket names; each resource type's identifier
format and ARN are in its entry of `orgwarden.model.resource_types`.
"""

from typing import Annotated

from pydantic import StringConstraints

ACCOUNT_ID_PATTERN = r"^\d{12}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$"
PARTITION_PATTERN = r"^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$"
# General purpose bucket naming rules: 3-63 characters, lowercase letters, digits, dots and
# hyphens, beginning and ending with a letter or digit; no two adjacent dots, not formatted as
# an IP address, not beginning with xn--.
BUCKET_NAME_PATTERN = r"^(?!xn--)(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
Partition = Annotated[str, StringConstraints(pattern=PARTITION_PATTERN)]
