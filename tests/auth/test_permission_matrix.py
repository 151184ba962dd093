"""Every route × every role: 401 without a token, 403 for roles the matrix leaves out, and
neither for the roles it lets in. One app and one database for the whole module, to stay fast."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate import migrate
from deskmate.auth.matrix import RouteAccess, classify, render_markdown
from deskmate.auth.models import Role
from deskmate.auth.permissions import PERMISSIONS
from deskmate.db import make_engine, make_session_factory
from deskmate.deps import require_permission
from deskmate.settings import REPO_ROOT
from knowledge.embedding import Embedder
from tests.apps import make_app, token_for

DOC = REPO_ROOT / "docs" / "permissions.md"


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'm.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def app(
    factory: sessionmaker[Session], embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    data_dir = tmp_path_factory.mktemp("matrix-data")
    return make_app(data_dir=Path(data_dir), session_factory=factory, embedder=embedder)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def tokens(factory: sessionmaker[Session]) -> dict[Role, str]:
    return {role: token_for(factory, role) for role in Role}


def _sample(annotation: Any) -> str:
    if annotation is uuid.UUID:
        return str(uuid.uuid4())
    if annotation is int:
        return "1"
    return "DM-000001"


def _url(access: RouteAccess) -> str:
    if not isinstance(access.route.original_route, APIRoute):
        return access.path
    params = {p.name: _sample(p.field_info.annotation) for p in access.route.dependant.path_params}
    # Starlette path converters ({id:uuid}) are not format specs: drop them before filling in.
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", access.path).format(**params)


def _protected(app: FastAPI) -> list[RouteAccess]:
    return classify(app).protected


def test_every_route_is_public_or_protected(app: FastAPI) -> None:
    matrix = classify(app)
    assert matrix.undeclared == [], (
        "routes without a declaration: give each require_permission(NAME) "
        "or add it to PUBLIC_ROUTES in deskmate/auth/permissions.py"
    )
    assert matrix.protected, "no protected route found: the walk over dependencies is broken"
    assert {a.permission for a in matrix.protected} <= set(PERMISSIONS)


def test_an_undeclared_route_is_reported() -> None:
    probe = FastAPI()

    @probe.get("/api/v1/forgotten")
    def forgotten() -> None: ...

    @probe.get("/api/v1/guarded", dependencies=[Depends(require_permission("tickets.read"))])
    def guarded() -> None: ...

    matrix = classify(probe)
    assert "GET /api/v1/forgotten" in matrix.undeclared
    assert [(a.method, a.path, a.permission) for a in matrix.protected] == [
        ("GET", "/api/v1/guarded", "tickets.read")
    ]


def test_every_role_against_every_protected_route(
    app: FastAPI, client: TestClient, tokens: dict[Role, str]
) -> None:
    failures: list[str] = []
    for access in _protected(app):
        url = _url(access)
        assert access.permission is not None
        allowed = PERMISSIONS[access.permission]
        anonymous = client.request(access.method, url, json={})
        if anonymous.status_code != 401 or anonymous.json().get("error") != "not_authenticated":
            failures.append(f"{access.method} {url} without token: {anonymous.status_code}")
        for role, token in tokens.items():
            answer = client.request(
                access.method, url, json={}, headers={"Authorization": f"Bearer {token}"}
            )
            code = answer.status_code
            if role in allowed and (code in (401, 403) or code >= 500):
                failures.append(f"{access.method} {url} as {role}: {code}, expected access")
            if role not in allowed and code != 403:
                failures.append(f"{access.method} {url} as {role}: {code}, expected 403")
    assert failures == []


def test_public_routes_need_no_token(app: FastAPI, client: TestClient) -> None:
    for access in classify(app).public:
        if access.path.startswith("/api/v1/chat") or access.path == "/readyz":
            continue  # they need a running Rasa to answer well; covered in tests/bot, tests/e2e
        url = _url(access)
        answer = client.request(access.method, url, params={"q": "wifi"})
        assert answer.status_code not in (401, 403), url


def test_docs_table_is_current(app: FastAPI) -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(app), (
        "docs/permissions.md is out of date: run "
        "`python -m deskmate.auth.matrix > docs/permissions.md`"
    )
