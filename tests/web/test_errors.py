"""The one code-to-status table covers every error, and the responder keeps its promises."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.requests import Request

import pabrik
from pabrik.assessment.scoring import AnswerError, AnswerIssue
from pabrik.model.errors import NotFoundError, PabrikError
from pabrik.runtime.accounts.errors import AuthenticationError, RateLimitedError
from pabrik.runtime.assess.files import AttachmentRejectedError
from pabrik.web.errors import STATUS_BY_CODE, on_pabrik_error, status_of

pytestmark = pytest.mark.anyio


def _import_everything() -> None:
    """Import every pabrik module so that every error class is defined."""
    for module in pkgutil.walk_packages(pabrik.__path__, "pabrik."):
        importlib.import_module(module.name)


def _subclasses(root: type[PabrikError]) -> Iterator[type[PabrikError]]:
    for sub in root.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _error_classes() -> list[type[PabrikError]]:
    _import_everything()
    return sorted(set(_subclasses(PabrikError)), key=lambda c: f"{c.__module__}.{c.__name__}")


@pytest.mark.parametrize("error", _error_classes(), ids=lambda c: c.__name__)
def test_every_pabrik_error_has_an_http_status_of_its_own_or_inherited(
    error: type[PabrikError],
) -> None:
    status = status_of(error)
    assert status is not None, f"{error.__name__} ({error.code!r}) has no row in STATUS_BY_CODE"
    assert 400 <= status < 600


def test_every_status_in_the_table_is_an_error_status() -> None:
    assert all(400 <= status < 600 for status in STATUS_BY_CODE.values())


def test_a_subclass_with_a_new_code_inherits_its_parents_status() -> None:
    class _GoneError(NotFoundError):
        code = "gone_somewhere"

    assert status_of(_GoneError) == 404


def _request(app: FastAPI, path: str, method: str = "GET") -> Request:
    """A bare request to ``app``, as a handler receives it."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"lang=en",
        "headers": [],
        "root_path": "",
        "app": app,
    }
    return Request(scope)


async def test_too_many_logins_is_429_with_retry_after_and_only_the_wait(app: FastAPI) -> None:
    error = RateLimitedError("too many failed logins", minutes=3, username="siti")
    r = await on_pabrik_error(_request(app, "/api/v1/me"), error)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "180"
    assert json.loads(bytes(r.body))["error"]["details"] == {"minutes": 3}


async def test_an_api_caller_without_a_session_gets_401_with_a_bearer_challenge(
    app: FastAPI,
) -> None:
    r = await on_pabrik_error(_request(app, "/api/v1/plant"), AuthenticationError("log in"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert json.loads(bytes(r.body))["error"] == {
        "code": "unauthenticated",
        "message": "Please log in first.",
        "details": {},
    }


async def test_a_page_without_a_session_redirects_to_login_and_back(app: FastAPI) -> None:
    r = await on_pabrik_error(_request(app, "/lines/l1"), AuthenticationError("log in"))
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/lines/l1%3Flang%3Den"


async def test_a_too_large_attachment_is_413_and_others_are_422(app: FastAPI) -> None:
    path = "/api/v1/assessments/a/attachments"
    large = AttachmentRejectedError("too large", reason="size")
    odd = AttachmentRejectedError("not a pdf", reason="content")
    assert (await on_pabrik_error(_request(app, path, "POST"), large)).status_code == 413
    assert (await on_pabrik_error(_request(app, path, "POST"), odd)).status_code == 422


async def test_answer_problems_are_422_with_one_issue_per_question(app: FastAPI) -> None:
    error = AnswerError("indi", [AnswerIssue("q1", "missing"), AnswerIssue("q9", "unknown_option")])
    r = await on_pabrik_error(_request(app, "/api/v1/assessments/a/answers", "PUT"), error)
    assert r.status_code == 422
    issues = json.loads(bytes(r.body))["error"]["details"]["issues"]
    assert [(i["question"], i["code"]) for i in issues] == [
        ("q1", "missing"),
        ("q9", "unknown_option"),
    ]
    assert all(i["message"] and i["message"] != i["code"] for i in issues)


async def test_a_page_error_is_an_html_page_with_the_status(app: FastAPI) -> None:
    r = await on_pabrik_error(_request(app, "/machines/x"), NotFoundError("no x", machine_id="x"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
