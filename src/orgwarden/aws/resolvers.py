"""Reading a resource's current state, per ASFF resource type: the input of `evaluate`."""

from collections.abc import Callable
from typing import Any

from orgwarden.aws import s3
from orgwarden.aws.sessions import Sessions
from orgwarden.model.resources import ResourceRef

Resolver = Callable[[Sessions, ResourceRef, str], Any]


def bucket_access(sessions: Sessions, ref: ResourceRef, role_name: str) -> Any:
    def client(service: str) -> Any:
        return sessions.client(
            service, account_id=ref.account_id, role_name=role_name, region=ref.region
        )

    principal = sessions.role_arn(ref.account_id, role_name)
    return s3.read_bucket_access(client("s3"), client("s3control"), ref, principal)


RESOLVERS: dict[str, Resolver] = {"AwsS3Bucket": bucket_access}
