from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate import seed
from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for

NEW = {
    "name": "Ruth Adeyemi",
    "email": "ruth@example.com",
    "department": "Hardware Engineering",
    "skills": [{"skill": "HVAC", "level": 5}],
    "products": ["Lumora Thermostat"],
    "languages": ["en"],
    "customer_traits": ["careful"],
    "capacity": 2,
}


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    app = make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    with session_factory() as session:
        seed.seed_org(session)
        seed.seed_experts(session)
        session.commit()
    return client_for(app)


def _auth(session_factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(session_factory, role)}"}


def test_who_knows_x_over_http(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    params: dict[str, object] = {
        "q": "thermostat wiring",
        "k": 2,
        "language": "en",
        "customer_tier": "core",
        "trait": ["careful"],
    }
    assert client.get("/api/v1/experts/search", params=params).status_code == 401
    response = client.get(
        "/api/v1/experts/search", params=params, headers=_auth(session_factory, Role.INTEGRATION)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "thermostat wiring" and len(body["results"]) == 2
    top = body["results"][0]
    assert top["name"] == "Priya Raman"
    assert {
        "knows wiring (level 5)",
        "speaks en",
        "serves core customers",
        "serves careful customers",
    } <= set(top["reasons"])
    assert set(top) >= {"expert_id", "name", "reasons", "score", "available", "load", "capacity"}
    bad = client.get(
        "/api/v1/experts/search",
        params={"q": "x", "customer_tier": "vip"},
        headers=_auth(session_factory, Role.AGENT),
    )
    assert bad.status_code == 422


def test_expert_crud_needs_a_knowledge_manager(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    manager = _auth(session_factory, Role.KNOWLEDGE_MANAGER)
    agent = _auth(session_factory, Role.AGENT)
    assert client.post("/api/v1/experts", json=NEW, headers=agent).status_code == 403
    created = client.post("/api/v1/experts", json=NEW, headers=manager)
    assert created.status_code == 201
    expert = created.json()
    assert expert["skills"] == [{"skill": "hvac", "level": 5}] and expert["load"] == 0
    duplicate = client.post("/api/v1/experts", json=NEW, headers=manager)
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "conflict"
    invalid = client.post(
        "/api/v1/experts", json={**NEW, "email": "e@x.y", "languages": ["english"]}, headers=manager
    )
    assert invalid.status_code == 422
    level = client.post(
        "/api/v1/experts",
        json={**NEW, "email": "f@x.y", "skills": [{"skill": "a", "level": 9}]},
        headers=manager,
    )
    assert level.status_code == 422

    url = f"/api/v1/experts/{expert['id']}"
    patched = client.patch(url, json={"available": False, "capacity": 3}, headers=manager)
    assert patched.json()["available"] is False and patched.json()["capacity"] == 3
    assert client.patch(url, json={"name": None}, headers=manager).status_code == 400
    evidence = {
        "kind": "article_published",
        "ref": "kb-9",
        "title": "Heat pumps",
        "skills": ["hvac"],
    }
    integration = _auth(session_factory, Role.INTEGRATION)
    assert client.post(f"{url}/evidence", json=evidence, headers=integration).status_code == 201
    bad_kind = client.post(f"{url}/evidence", json={**evidence, "kind": "x"}, headers=integration)
    assert bad_kind.status_code == 422
    listed = client.get("/api/v1/experts", params={"per_page": 100}, headers=agent).json()
    assert listed["total"] == 15
    assert client.delete(url, headers=manager).status_code == 204
    assert client.get(url, headers=agent).status_code == 404
    assert client.get(f"/api/v1/experts/{uuid.uuid4()}", headers=agent).json()["error"] == (
        "not_found"
    )
