"""AWS errors translated into what they mean for a verdict: the one place a botocore
`ClientError` from a member account is read.

Access errors become `AccessDenied` (the verdict is NOT_AVAILABLE), the not-found codes a call
documents become `ResourceGone` (NOT_APPLICABLE), the "not configured" codes it declares yield
None (`call`), and anything else propagates to the batch's failure report.
"""

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "InvalidClientTokenId",
        "ExpiredToken",
    }
)


class AccessDenied(Exception):
    """We may not read or change this resource: the verdict is NOT_AVAILABLE, with this reason."""

    def __init__(self, operation: str, principal: str, detail: str) -> None:
        super().__init__(f"{operation} denied for {principal}: {detail}")
        self.operation = operation
        self.principal = principal


class ResourceGone(Exception):
    """The resource does not exist (any more): the verdict is NOT_APPLICABLE."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_access_denied(error: ClientError) -> bool:
    return error_code(error) in ACCESS_DENIED_CODES


@contextmanager
def translated(operation: str, principal: str, gone: Collection[str] = ()) -> Iterator[None]:
    """AWS calls whose errors mean: denied (NOT_AVAILABLE) or, for `gone` codes, not there."""
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        if code in gone:
            raise ResourceGone(f"{operation}: {code}") from error
        if is_access_denied(error):
            raise AccessDenied(operation, principal, str(error)) from error
        raise


def call[T](
    operation: str,
    principal: str,
    request: Callable[[], T],
    *,
    absent: Collection[str] = (),
    gone: Collection[str] = (),
) -> T | None:
    """Run one API request. Error codes in `absent` mean "not configured" and yield None; codes
    in `gone` mean the resource does not exist (ResourceGone); access errors become
    AccessDenied; anything else propagates."""
    try:
        with translated(operation, principal, gone):
            return request()
    except ClientError as error:
        if error_code(error) in absent:
            return None
        raise
