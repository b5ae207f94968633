"""How the auditor's CLI reaches a deployed stack: the AWS session of a named (or exported)
profile, checked before use, so that a user's mistake (an unknown profile, no credentials, an
unknown region) is one line and exit status 2, never a traceback nor a quiet change of source.
"""

import os
from typing import Any


class UsageError(Exception):
    """A mistake in what the user asked for: the CLI prints the message and exits 2."""


def session(profile: str | None, region: str | None) -> Any:
    """A boto3 session for `profile` (else `AWS_PROFILE`, else the default chain) in `region`
    (else the profile's), with credentials; UsageError saying what is missing otherwise."""
    import boto3  # noqa: PLC0415 - the CLI's AWS path only
    from botocore.exceptions import ProfileNotFound  # noqa: PLC0415

    named = profile or os.environ.get("AWS_PROFILE") or None
    origin = "--profile" if profile else "AWS_PROFILE"
    try:
        found = boto3.Session(profile_name=named, region_name=region)
    except ProfileNotFound:
        raise UsageError(
            f"the AWS profile {named!r} ({origin}) is not in the AWS config or credentials "
            "files: name another with --profile, or use --demo for the simulated organization"
        ) from None
    if not found.region_name:
        raise UsageError("no AWS region: give --region, or set one in the profile or AWS_REGION")
    check_region(found, found.region_name)
    if found.get_credentials() is None:
        who = f"the profile {named!r}" if named else "the default credential chain"
        raise UsageError(
            f"no AWS credentials from {who}: sign in (e.g. aws sso login), name a profile with "
            "--profile, or use --demo for the simulated organization"
        )
    return found


def check_region(found: Any, region: str) -> None:
    """UsageError unless `region` is one of the regions botocore knows in any partition."""
    known: set[str] = set()
    for partition in found.get_available_partitions():
        known.update(found.get_available_regions("dynamodb", partition_name=partition))
    if known and region not in known:
        from difflib import get_close_matches  # noqa: PLC0415

        near = get_close_matches(region, sorted(known), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise UsageError(f"unknown AWS region {region!r}{hint}")
