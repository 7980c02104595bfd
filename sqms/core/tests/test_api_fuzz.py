"""Schemathesis fuzzes every operation of the served OpenAPI schema as several roles, in process.

Each operation gets a few generated requests (valid and invalid) through the real WSGI app and
test database; a 5xx, an undocumented status code or content type, or a body that does not
match the schema fails the test. Deeper runs:

    SQMS_FUZZ_EXAMPLES=50 SQMS_FUZZ_COVERAGE=1 pytest sqms/core/tests/test_api_fuzz.py

(SQMS_FUZZ_COVERAGE adds schemathesis's coverage phase: boundary and invalid values of every
parameter, several times slower.)
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from sqms.conftest import Org, build_org
from sqms.core import tokens
from sqms.core.roles import role_permissions
from sqms.core.tests.factories import UserFactory

# Every role at once reaches the most code; a front-line agent and a read-only auditor check
# the refusals (403, out-of-scope 404) are answered as documented.
EVERY_ROLE = "every-role"
ROLES = [EVERY_ROLE, "agent", "auditor"]
EXAMPLES = int(os.environ.get("SQMS_FUZZ_EXAMPLES", "3"))
COVERAGE_PHASE = os.environ.get("SQMS_FUZZ_COVERAGE", "") == "1"

FUZZ_CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": COVERAGE_PHASE}}}
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=FUZZ_CONFIG)


@pytest.fixture(scope="module")
def fuzz_org(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Org]:
    """One org tree for the module, rolled back at its end; each operation's own writes are
    rolled back after it (the `db` fixture), so every role's data stays small."""
    # The requests run inside the test's transaction, which Django would end by closing the
    # connection after each request (PostgreSQL; SQLite's in-memory one is kept): detach that,
    # as Django's own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_org()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", params=ROLES)
def fuzz_headers(
    request: pytest.FixtureRequest, fuzz_org: Org, django_db_blocker: Any
) -> Iterator[dict[str, str]]:
    role = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        roles = list(role_permissions()) if role == EVERY_ROLE else [role]
        user = UserFactory(org_unit=fuzz_org.branch1, roles=roles, username=f"fuzz-{role}")
        _token, key = tokens.create_token(user=user, name="fuzz", actor=user)
        yield {"Authorization": f"Token {key}"}
        transaction.set_rollback(True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same requests on every run: a failure is never luck
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_schema(case: Any, fuzz_headers: dict[str, str], db: Any) -> None:
    # A schema-valid id of a record that does not exist, or a transition the record's state
    # refuses, is rightly answered 400/404/409: the schema cannot say which records exist.
    excluded = [positive_data_acceptance]
    if not _only_body_invalid(case):
        # DRF and django-filter ignore an empty or malformed filter or page size (the list
        # comes unfiltered, or in default pages) rather than refuse it; only an invalid body
        # must be refused.
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=fuzz_headers, excluded_checks=excluded)


def _only_body_invalid(case: Any) -> bool:
    if case.meta is None:
        return False
    components = case.meta.components
    body = components.get(ParameterLocation.BODY)
    description = str(getattr(case.meta.phase.data, "description", None) or "")
    return (
        body is not None
        # DRF trims surrounding whitespace before it checks a length, so a string made too
        # long or too short by whitespace is valid; and it reads 0/1 as booleans and a number
        # as its text, by design. The fuzzer counts both as invalid input accepted.
        and "Length`" not in description
        and "Incorrect type" not in description
        and not _lenient_by_design(case)
        and body.mode.is_negative
        and not any(
            info.mode.is_negative
            for location, info in components.items()
            if location != ParameterLocation.BODY
        )
    )


# Type changes DRF accepts on purpose (the same leniency as above, as the generation phase
# describes it): a number where text is expected is read as its text, 0/1 as a boolean.
LENIENT_TYPE_CHANGES = {("string", "integer"), ("string", "number"), ("boolean", "integer")}


def _lenient_by_design(case: Any) -> bool:
    mutations = getattr(getattr(case.meta.phase, "data", None), "mutations", None) or ()
    return bool(mutations) and all(
        tuple(m.keywords) == ("type",) and (m.original_value, m.new_value) in LENIENT_TYPE_CHANGES
        for m in mutations
    )
