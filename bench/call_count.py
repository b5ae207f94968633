"""Counting AWS API calls by where they go, with a botocore hook on every client created.

Standard library and botocore only: Cloud Custodian's driver (`bench.custodian_driver`) runs it
in the peer's own virtual environment, so both tools are counted by the same code.

A call is classed by the client that makes it:
- `sts`: STS (AssumeRole, GetCallerIdentity): role credentials, excluded from the target;
- `organizations`: Organizations (the trust check's account lookup, cached per container);
- `own`: any other call with the function's own credentials (orgwarden's DynamoDB tables);
- `member`: calls with assumed credentials in a member account (reads, fixes, verification,
  Security Hub imports).
"""

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session

KINDS = ("member", "sts", "organizations", "own")


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()  # "kind service:operation" -> count
        self.on = False
        self._original: Any = None

    def install(self) -> None:
        """Count every client created from now on (clients made earlier are not seen)."""
        original = botocore.session.Session.create_client
        self._original = original
        counter = self

        def counted_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            kind = counter.kind_of(session, client, kwargs)
            client.meta.events.register(
                "before-call.*.*", lambda model, **_: counter.count(kind, model)
            )
            return client

        botocore.session.Session.create_client = counted_client

    def uninstall(self) -> None:
        if self._original is not None:
            botocore.session.Session.create_client = self._original
            self._original = None

    @staticmethod
    def kind_of(session: Any, client: Any, kwargs: dict[str, Any]) -> str:
        service = client.meta.service_model.service_id
        if service == "STS":
            return "sts"
        if service == "Organizations":
            return "organizations"
        key = kwargs.get("aws_access_key_id")
        if key is None:
            credentials = session.get_credentials()
            key = credentials.access_key if credentials else None
        return "own" if key == os.environ.get("AWS_ACCESS_KEY_ID") else "member"

    def count(self, kind: str, model: Any) -> None:
        if self.on:
            self.calls[f"{kind} {model.service_model.service_id}:{model.name}"] += 1

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        """Count the calls made inside the block; yields the counts (filled on exit)."""
        found: Counter[str] = Counter()
        self.calls.clear()
        self.on = True
        try:
            yield found
        finally:
            self.on = False
            found.update(self.calls)


def by_kind(calls: dict[str, int]) -> dict[str, int]:
    """Totals per kind (member, sts, organizations, own) of a `counting()` result."""
    totals = dict.fromkeys(KINDS, 0)
    for name, count in calls.items():
        totals[name.split(" ", 1)[0]] += count
    return totals
