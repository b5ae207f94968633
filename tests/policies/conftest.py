"""The shared case modules assert as test modules do: pytest rewrites their asserts too."""

import pytest

pytest.register_assert_rewrite("tests.policies.tag_cases")
