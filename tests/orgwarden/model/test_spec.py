"""The one text clip that verdicts, findings, Config annotations and dead letters share."""

import pytest

from orgwarden.model.spec import REASON_LIMIT, clip


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("abcd", 4, "abcd"),  # exactly at the limit: untouched
        ("abcde", 4, "abc…"),  # one over: cut, the ellipsis is the last of the four
        ("", 1, ""),
    ],
)
def test_clip_cuts_to_the_limit_with_an_ellipsis(text: str, limit: int, clipped: str) -> None:
    assert clip(text, limit) == clipped
    assert len(clip(text, limit)) <= limit


def test_clip_defaults_to_the_verdict_reason_limit() -> None:
    assert REASON_LIMIT == 1024
    assert clip("x" * 1024) == "x" * 1024
    assert clip("x" * 2000) == "x" * 1023 + "…"
