"""Faults injected on the wire, below botocore's retry logic, for every client made meanwhile.

A `before-send` hook answers a chosen request in place of moto's server: with an error
response (throttling, access denied, not found) or by raising a connection error, exactly as
the HTTP layer would. botocore's own retries (the clients' adaptive mode) and our error
translation then run unchanged. The backoff botocore sleeps between attempts, and the waits
its adaptive rate limiter imposes after throttling, are recorded instead of waited (the
limiter's clock moves on by each wait), so tests do not wait for them.
"""

import fnmatch
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import botocore.retries.bucket
import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


class _Body:
    """The part of urllib3's response that AWSResponse reads."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def xml_error(status: int, code: str, message: str = "") -> Callable[[AWSPreparedRequest], Any]:
    """An error as S3 (REST-XML) answers it."""
    body = f"<Error><Code>{code}</Code><Message>{message or code}</Message></Error>"

    def answer(request: AWSPreparedRequest) -> AWSResponse:
        headers = {"Content-Type": "application/xml"}
        return AWSResponse(request.url, status, headers, _Body(body.encode()))

    return answer


def query_error(status: int, code: str, message: str) -> Callable[[AWSPreparedRequest], Any]:
    """An error as a query-protocol service (STS) answers it."""
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    )

    def answer(request: AWSPreparedRequest) -> AWSResponse:
        headers = {"Content-Type": "text/xml"}
        return AWSResponse(request.url, status, headers, _Body(body.encode()))

    return answer


def json_answer(status: int, payload: dict[str, Any]) -> Callable[[AWSPreparedRequest], Any]:
    """A REST-JSON answer (Security Hub), success or error."""

    def answer(request: AWSPreparedRequest) -> AWSResponse:
        headers = {"Content-Type": "application/json"}
        if "__type" in payload:
            headers["x-amzn-ErrorType"] = str(payload["__type"])
        return AWSResponse(request.url, status, headers, _Body(json.dumps(payload).encode()))

    return answer


CONNECTION_ERRORS: dict[str, Callable[[str], Exception]] = {
    "ConnectTimeoutError": lambda url: ConnectTimeoutError(endpoint_url=url),
    "ReadTimeoutError": lambda url: ReadTimeoutError(endpoint_url=url),
    "EndpointConnectionError": lambda url: EndpointConnectionError(endpoint_url=url),
}


def raising(name: str) -> Callable[[AWSPreparedRequest], Any]:
    """The connection error `name`, raised where the HTTP send would be."""

    def answer(request: AWSPreparedRequest) -> Any:
        raise CONNECTION_ERRORS[name](request.url)

    return answer


@dataclass
class Fault:
    # "<service id>.<operation>", a glob: "s3.GetBucketPolicy", or "s3.*" for any S3 call
    # (the bucket's reads, whichever the reader makes).
    operation: str
    answer: Callable[[AWSPreparedRequest], Any]
    times: int | None  # None: for ever
    url_has: str | None  # only requests whose URL (or body) contains this
    hits: int = 0


class _LimiterClock:
    """The adaptive rate limiter's clock: real time plus every wait it asked for."""

    def __init__(self, waits: list[float]) -> None:
        self.offset = 0.0
        self.waits = waits

    def current_time(self) -> float:
        return time.time() + self.offset

    def sleep(self, amount: float) -> None:
        self.offset += amount
        self.waits.append(amount)


class _Condition:
    """The token bucket's condition variable, whose wait moves the limiter's clock on."""

    def __init__(self, lock: Any, clock: _LimiterClock) -> None:
        self._condition = threading.Condition(lock)
        self._clock = clock

    def __enter__(self) -> bool:
        return self._condition.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._condition.__exit__(*exc)

    def wait(self, timeout: float | None = None) -> bool:
        self._clock.sleep(timeout or 0.0)
        return True

    def notify(self, n: int = 1) -> None:
        self._condition.notify(n)

    def notify_all(self) -> None:
        self._condition.notify_all()


@dataclass
class WireFaults:
    faults: list[Fault] = field(default_factory=list)
    backoff: list[float] = field(default_factory=list)  # what botocore would have slept
    limited: list[float] = field(default_factory=list)  # the adaptive limiter's waits
    # Every request sent: ("<service>.<operation>", URL), e.g. ("s3.GetBucketPolicy", ...).
    sent: list[tuple[str, str]] = field(default_factory=list)

    def add(
        self,
        operation: str,
        answer: Callable[[AWSPreparedRequest], Any],
        *,
        times: int | None = None,
        url_has: str | None = None,
    ) -> Fault:
        fault = Fault(operation, answer, times, url_has)
        self.faults.append(fault)
        return fault

    def on_send(self, request: AWSPreparedRequest, event_name: str, **_: Any) -> Any:
        operation = event_name.removeprefix("before-send.")
        self.sent.append((operation, request.url))
        for fault in self.faults:
            spent = fault.times is not None and fault.hits >= fault.times
            if spent or not fnmatch.fnmatchcase(operation, fault.operation):
                continue
            body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
            if fault.url_has and fault.url_has not in request.url and fault.url_has not in body:
                continue
            fault.hits += 1
            return fault.answer(request)
        return None


def install(monkeypatch: pytest.MonkeyPatch) -> WireFaults:
    """Hook every botocore client created from now on (tests rebuild the handler's wiring)."""
    wire = WireFaults()
    create_client = botocore.session.Session.create_client

    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register("before-send", wire.on_send)
        return client

    monkeypatch.setattr(botocore.session.Session, "create_client", hooked)

    class Backoff:
        @staticmethod
        def sleep(seconds: float) -> None:
            wire.backoff.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", Backoff)
    clock = _LimiterClock(wire.limited)
    monkeypatch.setattr(botocore.retries.bucket, "Clock", lambda: clock)
    monkeypatch.setattr(
        botocore.retries.bucket,
        "threading",
        SimpleNamespace(Lock=threading.Lock, Condition=lambda lock: _Condition(lock, clock)),
    )
    return wire
