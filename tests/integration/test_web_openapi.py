"""Schemathesis against /openapi.json with a valid token: no input makes the API answer 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.fixtures.web import WebWorld

EXAMPLES = 25


def test_no_input_gives_a_server_error(sqlite_world: WebWorld) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", sqlite_world.app)
    headers = sqlite_world.auth("ivy")
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:  # every operation is fuzzed; report them all at the end
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
    # The token was honoured: most answers are not 401, and many are successes.
    assert statuses.count(401) < len(statuses) / 4
    assert statuses.count(200) > len(operations)
