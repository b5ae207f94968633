"""AWS identifier formats: every identifier taken from an event is checked before an API call."""

import re
from typing import Annotated

from pydantic import StringConstraints

ACCOUNT_ID_PATTERN = r"^\d{12}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$"
PARTITION_PATTERN = r"^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$"
# General purpose bucket naming rules: 3-63 characters, lowercase letters, digits, dots and
# hyphens, beginning and ending with a letter or digit.
BUCKET_NAME_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
Partition = Annotated[str, StringConstraints(pattern=PARTITION_PATTERN)]

_BUCKET_NAME = re.compile(BUCKET_NAME_PATTERN)
_IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def is_bucket_name(value: str) -> bool:
    """True when `value` is a valid general purpose bucket name."""
    return (
        bool(_BUCKET_NAME.match(value))
        and ".." not in value
        and not _IP_LIKE.match(value)
        and not value.startswith("xn--")
    )
