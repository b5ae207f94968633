"""Which organizational units an account sits in, and whether it is an active member.

Read through the Organizations API: from the management account, a delegated administrator,
or a read-only role in the management account (`ORGWARDEN_ORGANIZATION_ROLE_ARN`). Answers are
cached per container for `ttl` seconds: OU moves are rare, and this keeps the per-event cost
at zero calls once warm.
"""

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from orgwarden.aws.errors import error_code

NOT_FOUND = ("AccountNotFoundException", "ChildNotFoundException")


def is_active(account: dict[str, Any]) -> bool:
    """Whether an account, as DescribeAccount or ListAccounts returns it, is active.

    Organizations is retiring `Status` (ACTIVE, SUSPENDED, PENDING_CLOSURE) for `State` (ACTIVE,
    SUSPENDED, PENDING_ACTIVATION, PENDING_CLOSURE, CLOSED): `State` decides when present,
    `Status` otherwise, and an account that names neither is not active (fail closed).
    """
    if "State" in account:
        return account["State"] == "ACTIVE"
    return account.get("Status") == "ACTIVE"


class Directory:
    def __init__(
        self,
        client: Callable[[], Any],
        ttl: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_factory = client
        self._client: Any = None
        self._ttl = ttl
        self._clock = clock
        self._ous: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._members: dict[str, tuple[float, bool]] = {}
        self._active: tuple[float, list[str]] | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def ous(self, account_id: str) -> tuple[str, ...]:
        """The account's OUs, innermost first, each as its id and its name."""
        cached = self._ous.get(account_id)
        if cached and cached[0] > self._clock():
            return cached[1]
        found: list[str] = []
        child = account_id
        while True:
            try:
                parents = self.client.list_parents(ChildId=child)["Parents"]
            except ClientError as error:
                if error_code(error) in NOT_FOUND:
                    break
                raise
            if not parents or parents[0]["Type"] != "ORGANIZATIONAL_UNIT":
                break
            ou_id = parents[0]["Id"]
            unit = self.client.describe_organizational_unit(OrganizationalUnitId=ou_id)
            found += [ou_id, unit["OrganizationalUnit"]["Name"]]
            child = ou_id
        result = tuple(found)
        self._ous[account_id] = (self._clock() + self._ttl, result)
        return result

    def is_member(self, account_id: str) -> bool:
        """True when the account is an active member of the organization."""
        cached = self._members.get(account_id)
        if cached and cached[0] > self._clock():
            return cached[1]
        try:
            account = self.client.describe_account(AccountId=account_id)["Account"]
            member = is_active(account)
        except ClientError as error:
            if error_code(error) not in NOT_FOUND:
                raise
            member = False
        self._members[account_id] = (self._clock() + self._ttl, member)
        return member

    def active_accounts(self) -> list[str]:
        """Every ACTIVE account of the organization (suspended and closing ones are skipped)."""
        if self._active and self._active[0] > self._clock():
            return self._active[1]
        pages = self.client.get_paginator("list_accounts").paginate()
        found = sorted(
            account["Id"] for page in pages for account in page["Accounts"] if is_active(account)
        )
        self._active = (self._clock() + self._ttl, found)
        return found

    def is_active_member(self, account_id: str) -> bool:
        """Like `is_member`, from the list of all accounts: for a sweep, which asks about every
        account in turn (one ListAccounts walk per container and TTL, not a DescribeAccount per
        account, which Organizations' low request rate would throttle at a thousand accounts).
        An account missing from the list is asked about on its own (it may have just joined)."""
        return account_id in self.active_accounts() or self.is_member(account_id)
