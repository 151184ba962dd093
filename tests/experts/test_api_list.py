"""The yellow pages list: paging, filters and sorting (issue 4 point 8)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from deskmate.errors import BadRequest
from deskmate.pagination import PageParams
from experts import service
from knowledge.models import GapTask, KnowledgeGap
from tests.experts import test_api
from tests.experts.factories import add_expert

client = test_api.client  # the fixture: the app with the demo yellow pages (14 people)
_auth = test_api._auth

URL = "/api/v1/experts"


def _list(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _names(page: dict[str, Any]) -> list[str]:
    return [e["name"] for e in page["items"]]


def test_pages_keep_the_default_order_and_do_not_overlap(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    agent = _auth(session_factory, Role.AGENT)
    everyone = _list(client, agent, per_page=100)
    assert everyone["total"] == 14 and len(everyone["items"]) == 14
    keys = [(e["name"], e["email"]) for e in everyone["items"]]
    assert keys == sorted(keys)  # the default order: name, then email
    pages = [_list(client, agent, per_page=5, page=n) for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [5, 5, 4, 0]
    assert all(p["total"] == 14 and p["per_page"] == 5 for p in pages)
    assert [name for p in pages for name in _names(p)] == _names(everyone)
    assert _names(_list(client, agent, per_page=100, sort="-name")) == _names(everyone)[::-1]


def test_filters_by_availability_language_product_skill_and_name(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    agent = _auth(session_factory, Role.AGENT)
    manager = _auth(session_factory, Role.KNOWLEDGE_MANAGER)
    everyone = _list(client, agent, per_page=100)["items"]
    by_name = {e["name"]: e for e in everyone}

    chinese = _list(client, agent, per_page=100, language="ZH")
    assert _names(chinese) == [e["name"] for e in everyone if "zh" in e["languages"]]
    assert chinese["total"] == 6 and "Zhang Hui" in _names(chinese)

    thermostat = _list(client, agent, per_page=100, product="lumora thermostat")
    assert set(_names(thermostat)) == {"Priya Raman", "Zhou Ming", "Jonas Becker", "Ruth Adeyemi"}
    assert _names(_list(client, agent, per_page=100, skill="HVAC")) == ["Ruth Adeyemi"]
    both = _list(client, agent, per_page=100, language="zh", product="Lumora Thermostat")
    assert _names(both) == ["Zhou Ming"]

    named = _list(client, agent, per_page=100, q=" LI ")
    assert _names(named) == [e["name"] for e in everyone if "li" in e["name"].lower()]
    assert named["total"] >= 3
    assert _list(client, agent, q="%")["total"] == 0  # LIKE wildcards are taken literally
    assert _list(client, agent, q="_")["total"] == 0

    # Availability: mark one away; evidence raises a skill nobody declared.
    ruth = by_name["Ruth Adeyemi"]["id"]
    response = client.patch(f"{URL}/{ruth}", json={"available": False}, headers=manager)
    assert response.status_code == 200
    assert _names(_list(client, agent, available=False)) == ["Ruth Adeyemi"]
    assert _list(client, agent, available=True)["total"] == 13
    evidence = {"kind": "article_published", "ref": "kb-1", "skills": ["solar panels"]}
    integration = _auth(session_factory, Role.INTEGRATION)
    added = client.post(f"{URL}/{ruth}/evidence", json=evidence, headers=integration)
    assert added.status_code == 201
    assert _names(_list(client, agent, skill="Solar  Panels")) == ["Ruth Adeyemi"]
    assert _list(client, agent, skill="solar panels", available=True)["total"] == 0


def test_sorts_by_whitelisted_fields_with_name_breaking_ties(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    agent = _auth(session_factory, Role.AGENT)
    by_capacity = _list(client, agent, per_page=100, sort="capacity")["items"]
    assert [(e["capacity"], e["name"]) for e in by_capacity] == sorted(
        (e["capacity"], e["name"]) for e in by_capacity
    )
    assert by_capacity[0]["name"] == "Ruth Adeyemi"  # capacity 2, the smallest
    most = _list(client, agent, per_page=3, sort="-capacity")["items"]
    assert [e["capacity"] for e in most] == [8, 8, 8]
    assert [e["name"] for e in most] == sorted(e["name"] for e in most)  # ties keep name order
    emails = [e["email"] for e in _list(client, agent, per_page=100, sort="-email")["items"]]
    assert emails == sorted(emails, reverse=True)
    loads = [e["load"] for e in _list(client, agent, per_page=100, sort="-load")["items"]]
    assert loads == sorted(loads, reverse=True)


def test_bad_paging_sort_or_filter_is_422_and_changes_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    agent = _auth(session_factory, Role.AGENT)
    for params in [
        {"per_page": 101},
        {"per_page": 0},
        {"page": 0},
        {"page": "two"},
        {"sort": "bio"},
        {"sort": "--name"},
        {"available": "maybe"},
        {"language": "english"},
        {"product": ""},
        {"skill": "x" * 101},
        {"q": "x" * 201},
    ]:
        response = client.get(URL, params=params, headers=agent)
        assert response.status_code == 422, (params, response.text)
    detail = str(client.get(URL, params={"sort": "bio"}, headers=agent).json())
    assert "-capacity" in detail  # the error names the sorts that are allowed
    assert client.get(URL, params={"sort": "name"}).status_code == 401
    assert _list(client, agent, per_page=100)["total"] == 14


def test_load_sort_uses_open_gap_tasks_and_unknown_sorts_are_refused_in_the_service(
    session: Session,
) -> None:
    names = ["Ada", "Bo", "Cy"]
    experts = [add_expert(session, name=n, email=f"{n.lower()}@example.com") for n in names]
    for count, expert in zip([0, 2, 1], experts, strict=True):
        for i in range(count):
            gap = KnowledgeGap(label=f"{expert.name}-{i}", embedder="e", volume=1)
            session.add(gap)
            session.flush()
            session.add(GapTask(gap_id=gap.id, expert_id=expert.id))
    session.flush()
    busiest = service.list_experts(session, page=PageParams(), sort="-load")
    assert [(e.name, e.load) for e in busiest.items] == [("Bo", 2), ("Cy", 1), ("Ada", 0)]
    idle = service.list_experts(session, page=PageParams(per_page=1, page=1), sort="load")
    assert [e.name for e in idle.items] == ["Ada"] and idle.total == 3
    with pytest.raises(BadRequest, match="Unknown sort 'bio'"):
        service.list_experts(session, page=PageParams(), sort="bio")
