"""Property-based tests of the HTTP API against its own OpenAPI schema.

Schemathesis loads ``/schema/openapi.json`` from the app (over ASGI, which
also runs the app's startup, so the projection runners are live), generates
requests for every operation (valid ones and, half the time, invalid ones),
sends them with the bearer token of a user drawn per example, and checks
that the server never answers 5xx and that every documented response
matches its schema.

Each operation is one test, on a fresh copy of a store that already holds
the demo users and a case in each state; path parameters are drawn from the
real case ids and usernames as well as at random, so generated commands
reach the domain's rules and not only the 404 path.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ledger.application import Ledger
from ledger.settings import Settings
from ledger_http.app import create_app
from tests.e2e import payloads as p
from tests.e2e.conftest import running_api

MAX_EXAMPLES = 20

# Every operation of the served schema (checked against it below).
OPERATIONS = [
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("GET", "/auth/me"),
    ("POST", "/auth/password"),
    ("POST", "/admin/units"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{username}/assignment"),
    ("POST", "/admin/users/{username}/disable"),
    ("POST", "/admin/users/{username}/enable"),
    ("POST", "/cases"),
    ("GET", "/cases/{case_id}"),
    ("GET", "/cases/{case_id}/history"),
    ("POST", "/cases/{case_id}/accept"),
    ("POST", "/cases/{case_id}/refuse"),
    ("POST", "/cases/{case_id}/dispatch"),
    ("POST", "/cases/{case_id}/serve"),
    ("POST", "/cases/{case_id}/rate"),
    ("POST", "/cases/{case_id}/follow-ups"),
    ("POST", "/cases/{case_id}/rectifications"),
    ("POST", "/cases/{case_id}/penalty-revocations"),
    ("POST", "/cases/{case_id}/penalty-remakes"),
    ("POST", "/cases/{case_id}/withdraw"),
    ("POST", "/cases/{case_id}/archive"),
    ("POST", "/cases/{case_id}/corrections"),
    ("POST", "/cases/{case_id}/annotations"),
    ("GET", "/queues/{stage}"),
    ("GET", "/registry"),
    ("GET", "/registry/guidance-register"),
    ("GET", "/audit"),
    ("GET", "/stats"),
    ("GET", "/calendar/due"),
    ("POST", "/calendar/years"),
    ("GET", "/ledger/digest"),
    ("GET", "/ledger/consistency"),
]

# Who sends the requests: most operations are for the registrar; the
# administration ones for the administrator; the audit log and the ledger's
# digests for the supervisor; unit staff exercise the unit scoping.
FUZZ_USERS = (p.REGISTRAR, p.ADMIN, p.SUPERVISOR, p.MARKET_STAFF)


@dataclass
class Target:
    schema: Any
    tokens: dict[str, str]
    case_ids: list[str]
    ledger: Ledger


@pytest.fixture(scope="session")
def fuzz_store(seeded_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], list[str]]:
    """The seeded store plus one case in each state, and a token per user
    (the JWT secret file is copied with the store, so the tokens stay valid)."""
    path = tmp_path_factory.mktemp("fuzz") / "ledger.sqlite3"
    with closing(sqlite3.connect(seeded_sqlite)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    with pytest.MonkeyPatch.context() as mp, running_api(Settings(backend="sqlite", sqlite_path=str(path)), mp, seed=False) as api:
        ids = [api.book()["case_id"] for _ in range(5)]
        for i, cid in enumerate(ids[1:], start=1):
            steps = [
                (p.REGISTRAR, "accept", p.accept()),
                (p.DISPATCHER, "dispatch", p.dispatch()),
                (p.MARKET_STAFF, "serve", p.serve()),
                (p.MARKET_STAFF, "rate", p.rate()),
            ][:i]
            for user, step, body in steps:
                api.ok(user, f"/cases/{cid}/{step}", body)
        demo = api.get(p.REGISTRAR, "/registry", params={"wait_for": api.head()}).json()[0]["case_id"]
        tokens = {u: api.token(u) for u in FUZZ_USERS}
    return path, tokens, [demo, *ids]


@pytest.fixture
def target(fuzz_store: tuple[Path, dict[str, str], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    source, tokens, case_ids = fuzz_store
    path = tmp_path / "ledger.sqlite3"
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    shutil.copy(str(source) + ".secret", str(path) + ".secret")
    monkeypatch.delenv("LEDGER_SECRET", raising=False)
    settings = Settings(backend="sqlite", sqlite_path=str(path))
    ledger = Ledger(settings)
    try:
        app = create_app(settings, ledger=ledger)
        # Schemathesis reaches the app over ASGI and runs its lifespan (startup
        # starts the projection runners); its pytest plugin shuts it down when
        # the test ends, and so does this, should the plugin be disabled.
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        yield Target(schema=schema, tokens=tokens, case_ids=case_ids, ledger=ledger)
    finally:
        from schemathesis.python import asgi

        asgi.shutdown_lifespans()
        ledger.close()


def test_the_fuzzed_operations_are_exactly_those_of_the_served_schema(target: Target) -> None:
    served = {(op.ok().method.upper(), op.ok().path) for op in target.schema.get_all_operations()}
    assert served == set(OPERATIONS)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: keep the run bounded
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p_}" for m, p_ in OPERATIONS])
def test_no_operation_answers_5xx_or_breaks_its_documented_response_schema(target: Target, method: str, path: str) -> None:
    operation = target.schema[path][method]
    usernames = [*p.USERS, "nobody"]

    @FUZZ_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), label="mode")
        path_parameters: dict[str, Any] = {}
        if "{case_id}" in path and data.draw(st.booleans(), label="real case"):
            path_parameters["case_id"] = data.draw(st.sampled_from(target.case_ids), label="case_id")
        if "{username}" in path and data.draw(st.booleans(), label="real user"):
            path_parameters["username"] = data.draw(st.sampled_from(usernames), label="username")
        case = data.draw(operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
        if isinstance(case.query, dict) and isinstance(case.query.get("wait_for"), int):
            # A position beyond the log's head makes the read wait its full
            # five seconds before a 409; keep it within the log.
            case.query["wait_for"] = min(case.query["wait_for"], target.ledger.recorder.max_notification_id() or 0)
        user = data.draw(st.sampled_from(FUZZ_USERS), label="user")
        headers = {"Authorization": f"Bearer {target.tokens[user]}"}
        response = case.call(headers=headers)
        if response.status_code >= 500 or response.status_code == 401:
            print("DBG", mode, response.status_code, case.method, case.formatted_path, case.query, case.headers, case.body, response.text[:300])
        checks = [not_a_server_error, response_schema_conformance]
        if response.status_code == 400:
            # Known product bug, pinned by the strict xfail below: every 400 is
            # documented with Litestar's default body but sent as ErrorBody.
            checks = [not_a_server_error]
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.mark.xfail(
    strict=True,
    reason="product bug: the schema documents every 400 with Litestar's default ValidationException body "
    "(required status_code and detail) but http/errors.py validation_error/http_error send ErrorBody "
    "(code, message, errors); no other error status (401, 403, 404, 409, 413, 422, 429) is documented at all",
)
def test_a_400_answer_matches_the_400_response_the_schema_documents(target: Target) -> None:
    operation = target.schema["/cases"]["POST"]
    case = operation.Case(body={**p.book(), "priority": "high"}, media_type="application/json")
    response = case.call(headers={"Authorization": f"Bearer {target.tokens[p.REGISTRAR]}"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    case.validate_response(response, checks=[response_schema_conformance])
