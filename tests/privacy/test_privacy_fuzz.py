"""schemathesis over the privacy endpoints only, with more examples than the project-wide bounded run:
no 5xx, responses match the schema, and nothing is erased by a fuzzed request without ``confirm``."""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings

EXAMPLES = int(os.environ.get("SQMS_PRIVACY_FUZZ_EXAMPLES", "15"))


@pytest.mark.django_db
def test_fuzz_privacy_operations(org, world, keep_test_connection) -> None:
    import schemathesis
    from django.core.handlers.wsgi import WSGIHandler
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from sqms.api import api
    from sqms.core.services import create_api_token

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = WSGIHandler()
    _token, key = create_api_token(actor=org.quality, user=org.quality, name="fuzz", can_write=True)
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/privacy/" not in operation.path:
            continue

        @hsettings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            nonlocal cases
            cases += 1
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance], headers=headers
            )

        try:
            run()
        except Exception as exc:  # collected and reported below
            failures.append(
                f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {str(exc)[:600]}"
            )
    assert not failures, "\n\n".join(failures)
    assert cases >= 8
