"""Property-based tests of the HTTP API against its own OpenAPI schema.

Schemathesis loads ``/schema/openapi.json`` from the app (over ASGI, which
also runs the app's startup, so the projection runners are live), generates
requests for every operation (valid ones and, half the time, invalid ones),
sends them with the bearer token of a user drawn per example, and checks
that the server never answers 5xx and that every documented response
matches its schema. (Negative cases include requests whose Authorization
header schemathesis deliberately drops: those must be a clean 401.)

Each operation is one test, on a fresh copy of a store that already holds
the demo users and a case in each state; path parameters are drawn from the
real case ids and usernames as well as at random, so generated commands
reach the domain's rules and not only the 404 path. The run is derandomized
(reproducible in CI); ``LEDGER_FUZZ_RANDOM=1`` and ``LEDGER_FUZZ_EXAMPLES=N``
explore further.

Below the fuzzing, hand-made requests pin what the first runs found (500s
at the edges of parameter ranges; error bodies the schema did not document)
and check the successful answers of the main operations against the schema.
"""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.python import asgi

from ledger.application import Ledger
from ledger.settings import Settings
from ledger_http.app import create_app
from tests.e2e import payloads as p
from tests.e2e.conftest import running_api

MAX_EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "25"))
# Derandomized so that CI is reproducible; LEDGER_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = os.environ.get("LEDGER_FUZZ_RANDOM", "") not in ("1", "yes", "true")

SCHEMA_PATH = "/schema/openapi.json"
_SERVED_SCHEMA: dict[str, Any] = {}  # the document the first app served

# Every operation of the served schema (checked against it below).
OPERATIONS = [
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("GET", "/auth/me"),
    ("POST", "/auth/password"),
    ("GET", "/admin/units"),
    ("POST", "/admin/units"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{username}/assignment"),
    ("POST", "/admin/users/{username}/confirmation"),
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
    ("GET", "/access-log"),
    ("GET", "/stats"),
    ("GET", "/calendar/due"),
    ("POST", "/calendar/years"),
    ("GET", "/ledger/digest"),
    ("GET", "/ledger/consistency"),
    ("GET", "/cases/{case_id}/documents"),
    ("GET", "/cases/{case_id}/documents/{kind}"),
    ("GET", "/documents/verify"),
    ("POST", "/documents/verify"),
    ("POST", "/catalogues/{authority}/editions"),
    ("POST", "/catalogues/{authority}/imports"),
    ("POST", "/catalogues/{authority}/editions/{version}/amendments"),
    ("POST", "/catalogues/{authority}/editions/{version}/item-repeals"),
    ("POST", "/catalogues/{authority}/editions/{version}/repeal"),
    ("POST", "/catalogues/{authority}/legal-review"),
    ("GET", "/catalogues"),
    ("GET", "/catalogues/{authority}"),
    ("GET", "/catalogues/{authority}/editions/{version}"),
    ("GET", "/supervision/reversals"),
    ("GET", "/supervision/reversals/stats"),
    ("GET", "/supervision/queue"),
    ("GET", "/supervision/reviews/{review_id}/history"),
    ("POST", "/supervision/reviews/{review_id}/confirm"),
    ("POST", "/supervision/reviews/{review_id}/objections"),
    ("POST", "/supervision/reviews/{review_id}/answers"),
    ("GET", "/supervision/filings"),
    ("POST", "/supervision/filings"),
    ("POST", "/supervision/filings/{filing_id}/file"),
    ("POST", "/guidance"),
    ("GET", "/guidance"),
    ("GET", "/guidance/{guidance_id}"),
    ("GET", "/guidance/{guidance_id}/history"),
    ("POST", "/guidance/{guidance_id}/opinion"),
    ("POST", "/guidance/{guidance_id}/delivery"),
    ("POST", "/guidance/{guidance_id}/record"),
    ("POST", "/guidance/{guidance_id}/simple"),
    ("POST", "/guidance/{guidance_id}/interview"),
    ("POST", "/guidance/{guidance_id}/commitments"),
    ("POST", "/guidance/{guidance_id}/commitments/tracking"),
    ("POST", "/guidance/{guidance_id}/acceptance"),
    ("POST", "/guidance/{guidance_id}/termination"),
    ("POST", "/guidance/{guidance_id}/effect"),
    ("POST", "/guidance/{guidance_id}/follow-ups"),
    ("POST", "/guidance/{guidance_id}/typical"),
    ("GET", "/guidance-methods"),
    ("GET", "/register-reports"),
    ("POST", "/register-reports"),
    ("GET", "/register-reports/queue"),
    ("GET", "/register-reports/due"),
    ("GET", "/register-reports/draft"),
    ("GET", "/register-reports/{report_id}"),
    ("POST", "/register-reports/{report_id}/corrections"),
    ("POST", "/register-reports/{report_id}/receive"),
    ("POST", "/register-reports/{report_id}/return"),
    ("GET", "/register-reports/consolidations"),
    ("POST", "/register-reports/consolidations"),
    ("GET", "/register-reports/consolidations/{consolidation_id}"),
    ("POST", "/register-reports/consolidations/{consolidation_id}/forward"),
    ("POST", "/guidance/{guidance_id}/correction-order"),
    ("POST", "/guidance/{guidance_id}/correction-order/tracking"),
    ("GET", "/guidance/{guidance_id}/documents"),
    ("GET", "/guidance/{guidance_id}/documents/{kind}"),
    ("POST", "/admin/units/{name}/number-formats"),
    ("POST", "/admin/users/{username}/post"),
    ("POST", "/guidance-matters/{authority}/editions"),
    ("POST", "/guidance-matters/{authority}/imports"),
    ("POST", "/guidance-matters/{authority}/editions/{version}/amendments"),
    ("POST", "/guidance-matters/{authority}/editions/{version}/item-repeals"),
    ("POST", "/guidance-matters/{authority}/editions/{version}/repeal"),
    ("POST", "/guidance-matters/{authority}/methods"),
    ("GET", "/guidance-matters"),
    ("GET", "/guidance-matters/{authority}"),
    ("GET", "/guidance-matters/{authority}/editions/{version}"),
    ("GET", "/guidance/platform-export"),
    ("POST", "/guidance/platform-exports"),
    ("GET", "/guidance/platform-exports"),
    # supervision feedback (seed 003 四)
    ("GET", "/feedback/boxes"),
    ("POST", "/feedback/boxes"),
    ("GET", "/feedback/boxes/{box_id}"),
    ("POST", "/feedback/boxes/{box_id}/keeper"),
    ("POST", "/feedback/boxes/{box_id}/checks"),
    ("GET", "/feedback/checks"),
    ("GET", "/feedback/forms"),
    ("POST", "/feedback/forms"),
    ("GET", "/feedback/forms/{form_id}"),
    ("GET", "/feedback/forms/{form_id}/history"),
    ("POST", "/feedback/forms/{form_id}/documents"),
    ("GET", "/feedback/late"),
    ("GET", "/feedback/dashboard"),
    ("GET", "/suggestion-letters"),
    ("POST", "/suggestion-letters"),
    ("GET", "/suggestion-letters/{letter_id}"),
    ("GET", "/suggestion-letters/{letter_id}/history"),
    ("POST", "/suggestion-letters/{letter_id}/answers"),
    ("POST", "/suggestion-letters/{letter_id}/verification"),
    ("POST", "/suggestion-letters/{letter_id}/documents"),
    # the supervision network (ledger_http.network)
    ("POST", "/network/quotas"),
    ("GET", "/network/quotas/{year}"),
    ("POST", "/contact-points"),
    ("GET", "/contact-points"),
    ("GET", "/contact-points/{contact_point_id}"),
    ("GET", "/contact-points/{contact_point_id}/history"),
    ("POST", "/contact-points/{contact_point_id}/plaque"),
    ("POST", "/contact-points/{contact_point_id}/rejection"),
    ("POST", "/contact-points/{contact_point_id}/adjustment"),
    ("POST", "/contact-points/{contact_point_id}/removal"),
    ("POST", "/invited-supervisors"),
    ("GET", "/invited-supervisors"),
    ("GET", "/invited-supervisors/{supervisor_id}"),
    ("GET", "/invited-supervisors/{supervisor_id}/history"),
    ("POST", "/invited-supervisors/{supervisor_id}/appointment"),
    ("POST", "/invited-supervisors/{supervisor_id}/appointment-letter"),
    ("POST", "/invited-supervisors/{supervisor_id}/renewal"),
    ("POST", "/invited-supervisors/{supervisor_id}/dismissal"),
    ("POST", "/pairings"),
    ("GET", "/pairings"),
    ("GET", "/pairings/check"),
    ("GET", "/pairings/{pairing_id}"),
    ("POST", "/pairings/{pairing_id}/visits"),
    ("POST", "/pairings/{pairing_id}/end"),
    ("POST", "/network-reports"),
    ("GET", "/network-reports"),
    ("GET", "/network-reports/{report_id}"),
    ("POST", "/network-reports/{report_id}/forward"),
    # legal review of major decisions, the lists filed with the 司法局, credit repair
    ("GET", "/legal-reviews"),
    ("POST", "/legal-reviews"),
    ("GET", "/legal-reviews/{review_id}"),
    ("GET", "/legal-reviews/{review_id}/rounds"),
    ("GET", "/legal-reviews/{review_id}/history"),
    ("POST", "/legal-reviews/{review_id}/opinions"),
    ("POST", "/legal-reviews/{review_id}/resubmissions"),
    ("GET", "/legal-reviews/indicators"),
    ("GET", "/legal-reviews/filings"),
    ("POST", "/legal-reviews/filings/{filing_id}/review"),
    ("GET", "/legal-reviews/thresholds"),
    ("POST", "/legal-reviews/thresholds"),
    ("POST", "/catalogues/{authority}/justice-filings"),
    ("GET", "/credit-repairs"),
    ("POST", "/credit-repairs"),
    ("GET", "/credit-repairs/{repair_id}"),
    ("GET", "/credit-repairs/{repair_id}/history"),
    ("POST", "/credit-repairs/{repair_id}/guidance"),
    ("POST", "/credit-repairs/{repair_id}/conclusion"),
    # administrative mediation (seed 002 第十五条–第十八条)
    ("GET", "/mediations"),
    ("POST", "/mediations"),
    ("GET", "/mediations/{mediation_id}"),
    ("GET", "/mediations/{mediation_id}/history"),
    ("POST", "/mediations/{mediation_id}/consents"),
    ("POST", "/mediations/{mediation_id}/consents/withdrawal"),
    ("POST", "/mediations/{mediation_id}/acceptance"),
    ("POST", "/mediations/{mediation_id}/refusal"),
    ("POST", "/mediations/{mediation_id}/rights"),
    ("POST", "/mediations/{mediation_id}/sessions"),
    ("POST", "/mediations/{mediation_id}/investigations"),
    ("POST", "/mediations/{mediation_id}/agreement"),
    ("POST", "/mediations/{mediation_id}/termination"),
    ("GET", "/mediations/{mediation_id}/documents"),
    ("GET", "/mediations/{mediation_id}/documents/{kind}"),
    ("GET", "/mediations/deadline"),
    ("POST", "/mediations/deadline"),
    ("GET", "/mediations/right-notices"),
    ("POST", "/mediations/right-notices"),
    # typical and excellent cases (seed 002 第二十九、三十一条)
    ("GET", "/typical-cases"),
    ("POST", "/typical-cases"),
    ("GET", "/typical-cases/list.xlsx"),
    ("GET", "/typical-cases/rounds"),
    ("GET", "/typical-cases/rounds/{year}"),
    ("GET", "/typical-cases/rounds/{year}/history"),
    ("POST", "/typical-cases/rounds/{year}/review"),
    ("POST", "/typical-cases/rounds/{year}/decisions"),
    ("POST", "/typical-cases/rounds/{year}/close"),
    # the periodic assessment reports of the legal-risk prevention (seed 002 第二十一条)
    ("GET", "/risk-points/assessments"),
    ("POST", "/risk-points/assessments"),
    ("GET", "/risk-points/assessments/draft"),
    ("GET", "/risk-points/assessments/queue"),
    ("GET", "/risk-points/assessments/schedules"),
    ("POST", "/risk-points/assessments/schedules"),
    ("GET", "/risk-points/assessments/{report_id}"),
    ("POST", "/risk-points/citations"),
    ("GET", "/risk-points/citations"),
    ("GET", "/risk-points/warnings"),
    ("POST", "/risk-points/warnings/handlings"),
    ("GET", "/risk-points"),
    ("GET", "/risk-points/{authority}"),
    ("GET", "/risk-points/{authority}/list.xlsx"),
    ("GET", "/risk-points/{authority}/list.docx"),
    ("GET", "/risk-points/{authority}/list.pdf"),
    ("GET", "/risk-points/{authority}/editions/{version}"),
    ("POST", "/risk-points/{authority}/rule"),
    ("POST", "/risk-points/{authority}/editions"),
    ("POST", "/risk-points/{authority}/imports"),
    ("POST", "/risk-points/{authority}/editions/{version}/solicitations"),
    ("POST", "/risk-points/{authority}/editions/{version}/publication"),
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
        tokens = {u: api.token(u) for u in p.USERS}
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
        # Every app serves the same document, so it is fetched from the first
        # and parsed anew for each (a second per operation, minutes in all).
        with asgi.get_client(app) as client:  # entering starts the lifespan
            if not _SERVED_SCHEMA:
                served = client.get(SCHEMA_PATH)
                served.raise_for_status()
                _SERVED_SCHEMA.update(served.json())
        schema = schemathesis.openapi.from_dict(copy.deepcopy(_SERVED_SCHEMA))
        schema.app, schema.location = app, SCHEMA_PATH
        yield Target(schema=schema, tokens=tokens, case_ids=case_ids, ledger=ledger)
    finally:
        asgi.shutdown_lifespans()
        ledger.close()


def test_the_fuzzed_operations_are_exactly_those_of_the_served_schema(target: Target) -> None:
    served = {(op.ok().method.upper(), op.ok().path) for op in target.schema.get_all_operations()}
    assert served == set(OPERATIONS)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=DERANDOMIZE,
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
        if "{authority}" in path and data.draw(st.booleans(), label="real authority"):
            path_parameters["authority"] = p.MARKET
            if "{version}" in path:
                path_parameters["version"] = "2025版"
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
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)

    run()


# ------------------------------------------------ the edges of the ranges
#
# Valid-looking requests at the edge of a parameter's range. Each of these
# was answered with 500 when schemathesis first ran against the API (SQL
# integer overflow on offsets, positions and notification ids; datetime
# overflow in time-zone and working-day arithmetic); each must now be a
# documented 4xx naming the problem.

REG, SUP = p.REGISTRAR, p.SUPERVISOR
ZERO_DIGEST = "0" * 64
OUT_OF_RANGE = "0001-01-01T00:00:00+14:00"  # converting it to UTC or CST used to overflow

EDGES = [
    pytest.param(REG, "GET", "/registry", {"offset": 2**63}, None, 400, "invalid_request", id="registry-offset-2**63"),
    pytest.param(SUP, "GET", "/audit", {"offset": 2**63}, None, 400, "invalid_request", id="audit-offset-2**63"),
    pytest.param(SUP, "GET", "/ledger/consistency", {"position": 2**63, "digest": ZERO_DIGEST}, None, 400,
                 "invalid_request", id="consistency-position-2**63"),
    pytest.param(REG, "GET", "/queues/{stage}", {"wait_for": 2**63}, None, 400, "invalid_request",
                 id="queue-wait-for-2**63"),
    pytest.param(REG, "GET", "/registry", {"as_of": str(2**63)}, None, 422, "invalid_input",
                 id="registry-as-of-notification-2**63"),
    pytest.param(REG, "GET", "/registry", {"as_of": OUT_OF_RANGE}, None, 422, "invalid_input",
                 id="registry-as-of-year-1"),
    pytest.param(REG, "GET", "/calendar/due", {"from": "9999-12-31T23:00:00+08:00", "class": "general"}, None,
                 422, "invalid_input", id="due-from-year-9999"),
    pytest.param(REG, "GET", "/calendar/due", {"from": OUT_OF_RANGE, "class": "urgent"}, None, 422,
                 "invalid_input", id="due-from-year-1"),
    pytest.param(REG, "GET", "/registry", {"applied_from": OUT_OF_RANGE}, None, 422, "invalid_input",
                 id="registry-applied-from-year-1"),
    pytest.param(REG, "GET", "/registry", {"applied_to": "9999-12-31T23:59:59-12:00"}, None, 422, "invalid_input",
                 id="registry-applied-to-year-9999"),
    pytest.param(SUP, "GET", "/audit", {"recorded_from": OUT_OF_RANGE}, None, 422, "invalid_input",
                 id="audit-recorded-from-year-1"),
    pytest.param(SUP, "GET", "/cases/{case_id}", {"as_of": OUT_OF_RANGE}, None, 422, "invalid_input",
                 id="case-as-of-year-1"),
    pytest.param(REG, "POST", "/cases", None, {**p.book(), "business_time": OUT_OF_RANGE}, 422, "invalid_input",
                 id="book-business-time-year-1"),
    pytest.param(p.DISPATCHER, "POST", "/cases/{case_id}/dispatch", None,
                 p.dispatch(agreed_time="9999-12-31T23:00:00-10:00"), 422, "invalid_input",
                 id="dispatch-agreed-time-year-9999"),
]


@pytest.mark.parametrize(("user", "method", "path", "query", "body", "status", "code"), EDGES)
def test_a_request_at_the_edge_of_a_parameters_range_gets_a_documented_4xx_not_a_500(
    target: Target, user: str, method: str, path: str, query: dict[str, Any] | None, body: Any, status: int, code: str
) -> None:
    operation = target.schema[path][method]
    path_parameters = {"stage": "service"} if "{stage}" in path else {}
    if "{case_id}" in path:
        path_parameters["case_id"] = target.case_ids[2]  # accepted, not yet dispatched
    extra = {"body": body, "media_type": "application/json"} if body is not None else {}
    case = operation.Case(path_parameters=path_parameters or None, query=query, **extra)
    before = target.ledger.recorder.max_notification_id()
    headers = {"Authorization": f"Bearer {target.tokens[user]}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert target.ledger.recorder.max_notification_id() == before


# ------------------------------------------------------ documented errors

ERROR_CASES = [
    pytest.param(REG, "POST", "/cases", {}, {**p.book(), "priority": "high"}, 400, id="400-unknown-field"),
    pytest.param(None, "GET", "/registry", {}, None, 401, id="401-no-token"),
    pytest.param(p.AUDITOR, "POST", "/cases", {}, p.book(), 403, id="403-auditor-books"),
    pytest.param(REG, "GET", "/cases/{case_id}", {"case_id": "00000000-0000-4000-8000-000000000000"}, None, 404,
                 id="404-unknown-case"),
    pytest.param(REG, "POST", "/cases/{case_id}/accept", {"case_id": 2}, p.accept(), 409, id="409-accepted-twice"),
    pytest.param(REG, "POST", "/cases/{case_id}/annotations", {"case_id": 1}, p.annotate(expected_version=99), 409,
                 id="409-stale-version"),
    pytest.param(REG, "POST", "/cases", {}, p.book(needs=" "), 422, id="422-empty-needs"),
]


@pytest.mark.parametrize(("user", "method", "path", "path_parameters", "body", "status"), ERROR_CASES)
def test_each_error_answer_matches_the_error_body_the_schema_documents(
    target: Target, user: str | None, method: str, path: str, path_parameters: dict[str, Any], body: Any, status: int
) -> None:
    # (found by these tests: the schema documented no error but 400, and that with Litestar's own body)
    if isinstance(path_parameters.get("case_id"), int):
        path_parameters = {"case_id": target.case_ids[path_parameters["case_id"]]}
    operation = target.schema[path][method]
    extra = {"body": body, "media_type": "application/json"} if body is not None else {}
    case = operation.Case(path_parameters=path_parameters or None, **extra)
    headers = {"Authorization": f"Bearer {target.tokens[user]}"} if user else {}
    response = case.call(headers=headers)
    assert response.status_code == status, response.text
    assert str(status) in operation.definition.raw["responses"]
    case.validate_response(response, checks=[response_schema_conformance], headers=headers)
    assert set(response.json()) >= {"code", "message"}


# ------------------------------------------- documented responses, by hand
#
# Generated requests rarely get past validation to a 2xx, so the successful
# answers of the main reads and commands are also checked against their
# documented schemas with hand-made valid requests.

def _conformance_cases(case_ids: list[str]) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, Any]]:
    demo, applied, accepted, dispatched, served, rated = case_ids
    cases: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None, Any]] = []
    for cid in case_ids:
        cases.append((REG, "GET", "/cases/{case_id}", {"case_id": cid}, None, None))
        cases.append((p.AUDITOR, "GET", "/cases/{case_id}/history", {"case_id": cid}, None, None))
    cases += [
        (REG, "GET", "/cases/{case_id}", {"case_id": demo}, {"as_of": datetime.now(timezone.utc).isoformat()}, None),
        (REG, "POST", "/cases", {}, None, p.book(individual=True)),
        (REG, "POST", "/cases/{case_id}/accept", {"case_id": applied}, None, p.accept()),
        (p.DISPATCHER, "POST", "/cases/{case_id}/dispatch", {"case_id": accepted}, None, p.dispatch()),
        (p.MARKET_STAFF, "POST", "/cases/{case_id}/serve", {"case_id": dispatched}, None, p.serve()),
        (p.MARKET_STAFF, "POST", "/cases/{case_id}/rate", {"case_id": served}, None, p.rate()),
        (p.MARKET_STAFF, "POST", "/cases/{case_id}/penalty-revocations", {"case_id": rated}, None, p.reversal()),
        (SUP, "POST", "/cases/{case_id}/annotations", {"case_id": demo}, None, p.annotate()),
        (REG, "GET", "/registry", {}, {"wait_for": 1}, None),
        (REG, "GET", "/registry/guidance-register", {}, None, None),
        (REG, "GET", "/queues/{stage}", {"stage": "service"}, None, None),
        (SUP, "GET", "/audit", {}, {"limit": 50}, None),
        (SUP, "GET", "/stats", {}, {"by": "quarter"}, None),
        (REG, "GET", "/calendar/due", {}, {"from": "2026-12-30T10:00:00+08:00", "class": "general"}, None),
        (SUP, "GET", "/ledger/digest", {}, None, None),
        (REG, "GET", "/auth/me", {}, None, None),
        (p.ADMIN, "POST", "/admin/units", {}, None, {"name": "市生态环境局", "kind": "enforcement"}),
        (p.ADMIN, "POST", "/admin/users/{username}/disable", {"username": p.FIRE_STAFF}, None, None),
        (None, "POST", "/auth/login", {}, None, {"username": p.DISPATCHER, "password": "demo-password-2026"}),
        (None, "GET", "/health", {}, None, None),
    ]
    return cases


def test_successful_answers_of_reads_and_commands_match_their_documented_schemas(target: Target) -> None:
    checked = []
    for user, method, path, path_parameters, query, body in _conformance_cases(target.case_ids):
        operation = target.schema[path][method]
        extra = {"body": body, "media_type": "application/json"} if body is not None else {}
        case = operation.Case(path_parameters=path_parameters or None, query=query, **extra)
        headers = {"Authorization": f"Bearer {target.tokens[user]}"} if user else {}
        response = case.call(headers=headers)
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.text[:300])
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)
        checked.append((method, path))
    assert len(set(checked)) == 21  # distinct operations whose success was validated
