"""Schemathesis' stateful testing of the whole API, in-process against the ASGI app, signed in as an admin
with an API token: sequences of calls in which a call takes its ids from an earlier response (OpenAPI links),
with no server error (5xx) and with responses of the documented status codes and shapes along them.

The links are those schemathesis infers from the schema (events → schedule, meetings, fact sheet; users and
tokens → disable, revoke; a firm → its projects) plus the ones it cannot infer (LINKS), written into the
description as it is loaded (a ``before_load_schema`` hook, for this schema only): a new token → its
revocation and its first use; a user → a token for it; the pipeline board → a stage move or an edit of a
project with its ``row_version``, then on along the project; a list of firms, markets or projects → one of
them. The app's own OpenAPI description is unchanged.

One real database (SQLite file, or PostgreSQL: tests/databases.py) serves every scenario of the run, so
later scenarios meet what earlier ones changed. A call may revoke the signed-in token or disable its user
(GET /tokens and /users list them): a new admin and token are made before the next call, as in
test_openapi_fuzz.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from opentrade.app import create_app
from opentrade.store.db import Database
from tests import databases
from tests.api.conftest import AdminTokens, api_settings, build_small_registry

SCENARIOS = 150  # Hypothesis examples, each a scenario of up to STEPS calls: ~1,300 calls, 20-25 s
STEPS = 10
MAX_RUNS = 25  # Hypothesis runs, each for the scenarios still due (see _hypothesis_lost_track)
RUN = settings(stateful_step_count=STEPS, deadline=None, database=None, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

V1 = "/api/v1"
MOVE, EDIT = f"POST {V1}/projects/{{project_id}}/stage", f"PATCH {V1}/projects/{{project_id}}"
HISTORY = f"GET {V1}/projects/{{project_id}}/history"
STAGES = 7  # columns of the pipeline board, lead … dropped (opentrade.services.pipeline)
SAME_PROJECT = {"path.project_id": "$response.body#/id"}  # from a stage move's or an edit's result
NEW_VERSION = {"expected_version": "$response.body#/row_version"}


def _board(i: int, field: str) -> str:
    return f"$response.body#/stages/{i}/projects/0/{field}"


# (source operation, status, link name, target operation, parameters, body merged into the generated one)
LINKS: list[tuple[str, str, str, str, dict[str, str], dict[str, str] | None]] = [
    (f"POST {V1}/tokens", "201", "RevokeNewToken", f"POST {V1}/tokens/{{token_id}}/revoke",
     {"path.token_id": "$response.body#/id"}, None),
    (f"POST {V1}/tokens", "201", "UseNewToken", f"GET {V1}/whoami",
     {"header.Authorization": "Bearer {$response.body#/token}"}, None),
    (f"POST {V1}/tokens/{{token_id}}/revoke", "200", "AuditOfRevocation", f"GET {V1}/audit",
     {"query.entity": "api_token", "query.entity_id": "$response.body#/id"}, None),
    (f"GET {V1}/users", "200", "TokenForListedUser", f"POST {V1}/tokens", {},
     {"username": "$response.body#/0/username"}),
    (f"POST {V1}/users", "201", "TokenForNewUser", f"POST {V1}/tokens", {},
     {"username": "$response.body#/username"}),
    # A move to the next column, mostly (a link's body fields are merged into the generated body, each kept
    # with a high probability): the pipeline allows a project forward one stage at a time, or on with skip.
    *[(f"GET {V1}/pipeline", "200", f"Move{i}", MOVE, {"path.project_id": _board(i, "id")},
       {"expected_version": _board(i, "row_version")}
       | ({"to_stage": f"$response.body#/stages/{i + 1}/stage"} if i + 1 < STAGES else {}))
      for i in range(STAGES)],
    # An edit needs a field to change besides the version: the owner as read (often none) is one.
    *[(f"GET {V1}/pipeline", "200", f"Edit{i}", EDIT, {"path.project_id": _board(i, "id")},
       {"expected_version": _board(i, "row_version"), "owner": _board(i, "owner")}) for i in range(STAGES)],
    # On with the project just moved or edited, at its new version.
    (MOVE, "200", "MoveAgain", MOVE, SAME_PROJECT, NEW_VERSION),
    (MOVE, "200", "EditAfterMove", EDIT, SAME_PROJECT, NEW_VERSION),
    (EDIT, "200", "MoveAfterEdit", MOVE, SAME_PROJECT, NEW_VERSION),
    (EDIT, "200", "EditAgain", EDIT, SAME_PROJECT, NEW_VERSION | {"owner": "$response.body#/owner"}),
    (MOVE, "200", "HistoryAfterMove", HISTORY, SAME_PROJECT, None),
    # What a move or an edit changes elsewhere: the stage's list, the pipeline's and the registry's figures.
    (MOVE, "200", "ProjectsAtNewStage", f"GET {V1}/projects",
     {"query.stage": "$response.body#/to_stage"}, None),
    (MOVE, "200", "KpisAfterMove", f"GET {V1}/pipeline/kpis", {}, None),
    (MOVE, "200", "RegistryKpisAfterMove", f"GET {V1}/kpis", {}, None),
    (EDIT, "200", "KpisAfterEdit", f"GET {V1}/pipeline/kpis", {}, None),
    (f"GET {V1}/projects", "200", "History", HISTORY,
     {"path.project_id": "$response.body#/items/0/id"}, None),
    (f"GET {V1}/enterprises", "200", "Firm", f"GET {V1}/enterprises/{{uscc}}",
     {"path.uscc": "$response.body#/items/0/uscc"}, None),
    (f"GET {V1}/enterprises", "200", "FirmMatches", f"GET {V1}/matches",
     {"query.uscc": "$response.body#/items/0/uscc"}, None),
    (f"GET {V1}/markets", "200", "Market", f"GET {V1}/markets/{{iso3}}",
     {"path.iso3": "$response.body#/markets/0/iso3", "query.segment": "$response.body#/segment"}, None),
]


def add_links(raw: dict[str, Any]) -> None:
    """Write LINKS into an OpenAPI description (a dict, as served at /api/openapi.json)."""

    def operation(label: str) -> dict[str, Any]:
        method, path = label.split(" ", 1)
        return raw["paths"][path][method.lower()]

    for source, status, name, target, parameters, body in LINKS:
        link: dict[str, Any] = {"operationId": operation(target)["operationId"], "parameters": parameters}
        if body is not None:
            link["requestBody"] = body
        operation(source)["responses"][status].setdefault("links", {})[name] = link


CONFIG = schemathesis.Config.from_dict({
    # Positive cases only: a negative one mostly drops the Authorization header, ending the chain at a 401;
    # test_openapi_fuzz sends the malformed requests.
    "generation": {"mode": "positive"},
    # Timestamps are naive UTC sent without an offset ("2026-01-02T03:04:05.123456"), which the date-time
    # format refuses: the response check looks at status codes, types, fields and values, not at formats.
    "checks": {"response_schema_conformance": {"validate-formats": False}},
})
APP = create_app(None, api_settings(Path(tempfile.gettempdir()) / "opentrade-stateful-no-data-dir",  # type: ignore[arg-type]
                                    secret_key="stateful-secret-key-" + "x" * 32), web=False)


def before_load_schema(context: schemathesis.HookContext, raw_schema: dict[str, Any]) -> None:
    add_links(raw_schema)


schemathesis.hook(before_load_schema)
try:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, config=CONFIG)
finally:
    schemathesis.hooks.unregister(before_load_schema)


@pytest.fixture(scope="module")
def stateful_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("stateful")
    database = Database(databases.new_url(folder / "stateful.db", migrated=True))
    build_small_registry(database, folder / "files")
    APP.state.db = database
    _ADMIN.clear()
    yield database
    APP.state.db = None
    database.dispose()
    databases.drop_url(database.url)


_ADMIN = AdminTokens("stateful")


CALLS: Counter[tuple[str, str, int]] = Counter()  # (operation, link followed or "-", status) of each call
FAILURES: list[str] = []  # each failed call (check or exception), with the calls of its scenario
SCENARIOS_RUN: list[int] = []


class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """The links as a state machine, signed in as the admin — but for a call whose Authorization header a link
    filled in (UseNewToken: the token just made, of whatever user and scopes)."""

    def setup(self) -> None:
        SCENARIOS_RUN.append(1)
        self._trail: list[str] = []
        self._link = "-"
        self._own_token = False

    def step(self, input: StepInput) -> StepOutput:
        self._link = input.transition.id.split("] ", 1)[1].split(" -> ")[0] if input.transition else "-"
        self._own_token = (ParameterLocation.HEADER, "Authorization") in input.applied_parameters
        self._sent: dict[str, Any] | None = None
        try:
            return super().step(input)
        except (Exception, BaseExceptionGroup) as exc:  # a failed check, or an exception out of the app
            # Noted here: a failure that a replay against the changed database does not repeat reaches the
            # test as a Flaky error, not as itself.
            steps = "\n".join(f"  {n}. {call}" for n, call in enumerate(self._trail, 1))
            sent = self._sent or {"Authorization": "Bearer (the admin's token)"}  # shown as [Filtered]
            curl = input.case.as_curl_command(headers=sent)
            FAILURES.append(f"{type(exc).__name__}: {exc}\n\nThe scenario's calls:\n{steps}\n\n"
                            f"The failing one ({self._link}):\n    {curl}")
            raise

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        if self._own_token:
            return {}
        return {"headers": {"Authorization": f"Bearer {_ADMIN.get(APP.state.db)}"}}

    def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
        super().after_call(response, case)
        self._sent = dict(response.request.headers)
        CALLS[(case.operation.label, self._link, response.status_code)] += 1
        self._trail.append(f"{case.operation.label} (link {self._link}) -> {response.status_code}")

    def validate_response(self, response: schemathesis.Response, case: schemathesis.Case,
                          additional_checks: Any = None, **kwargs: Any) -> None:
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None,
                               recorder=self.recorder)


def _hypothesis_lost_track(exc: BaseException) -> bool:
    """Hypothesis replays its choices, to explore and to confirm a failure; against a database that earlier
    scenarios changed, the same choices meet other responses, hence other rules, and it gives up.
    Schemathesis' own runner counts that as no failure and runs again (schemathesis.engine.run.stateful);
    so does this test — unless a call failed (FAILURES), which is reported whether or not it replays."""
    if isinstance(exc, Flaky):
        return True
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return isinstance(exc, AssertionError) and tb is not None \
        and tb.tb_frame.f_globals["__name__"] == "hypothesis.internal.conjecture.datatree"


def test_linked_calls_conform_without_server_errors(stateful_db: Database) -> None:
    CALLS.clear()
    FAILURES.clear()
    SCENARIOS_RUN.clear()
    for _ in range(MAX_RUNS):
        if len(SCENARIOS_RUN) >= SCENARIOS:
            break
        try:
            APIWorkflow.run(settings=settings(RUN, max_examples=SCENARIOS - len(SCENARIOS_RUN)))
        except (Exception, BaseExceptionGroup) as exc:
            if FAILURES:
                raise AssertionError("\n\n".join(dict.fromkeys(FAILURES))) from exc
            if not _hypothesis_lost_track(exc):
                raise
    assert not FAILURES, "\n\n".join(dict.fromkeys(FAILURES))

    table = "\n".join(f"{n:5d}  {status}  {op}  <- {link}"
                      for (op, link, status), n in sorted(CALLS.items()))
    print(f"{len(SCENARIOS_RUN)} scenarios, {CALLS.total()} calls (count, status, operation <- link)")
    print(table)
    assert len(SCENARIOS_RUN) >= SCENARIOS // 2, table
    # The links carry real ids: calls that followed one succeed, over many links (some 20 in a usual run).
    followed = {link for (_, link, status) in CALLS if link != "-" and status < 300}
    assert len(followed) >= 8, table
