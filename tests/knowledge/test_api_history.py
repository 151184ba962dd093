"""Paging, filtering and sorting of an article's versions and events (issue 4 point 8)."""

from __future__ import annotations

import uuid

from tests.knowledge import test_lifecycle
from tests.knowledge.test_lifecycle import Team

team = test_lifecycle.team  # the fixture: an author, a reviewer and a knowledge manager

ARTICLES = "/api/v1/kb/articles"


def _edited_article(team: Team, edits: int) -> str:
    """An article with ``edits`` extra versions (each save of a draft makes one)."""
    article = team.create()
    path = f"{ARTICLES}/{article['id']}"
    for n in range(edits):
        team.ok("ann", "PATCH", path, json={"version": n + 1, "title": f"Wi-Fi, take {n + 2}"})
    return path


def test_versions_are_paged_newest_first_and_sortable(team: Team) -> None:
    path = _edited_article(team, 4)  # versions 1..5
    first = team.ok("ann", "GET", f"{path}/versions", params={"per_page": 2})
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    assert [v["version"] for v in first["items"]] == [5, 4]
    last = team.ok("ann", "GET", f"{path}/versions", params={"per_page": 2, "page": 3})
    assert [v["version"] for v in last["items"]] == [1]
    beyond = team.ok("ann", "GET", f"{path}/versions", params={"per_page": 2, "page": 4})
    assert beyond["items"] == [] and beyond["total"] == 5
    oldest = team.ok("ann", "GET", f"{path}/versions", params={"sort": "version"})
    assert [v["version"] for v in oldest["items"]] == [1, 2, 3, 4, 5]
    assert oldest["items"][1]["title"] == "Wi-Fi, take 2"


def test_events_are_paged_oldest_first_filtered_by_kind_and_sortable(team: Team) -> None:
    article = team.published()
    path = f"{ARTICLES}/{article['id']}"
    everything = team.ok("ann", "GET", f"{path}/events")
    kinds = [e["kind"] for e in everything["items"]]
    assert kinds == ["created", "submitted", "approved", "published"]
    assert everything["total"] == 4 and everything["per_page"] == 20
    newest = team.ok("ann", "GET", f"{path}/events", params={"sort": "-created", "per_page": 1})
    assert [e["kind"] for e in newest["items"]] == ["published"] and newest["total"] == 4
    second = team.ok("ann", "GET", f"{path}/events", params={"per_page": 1, "page": 2})
    assert [e["kind"] for e in second["items"]] == ["submitted"]
    approved = team.ok("ann", "GET", f"{path}/events", params={"kind": "approved"})
    assert approved["total"] == 1 and approved["items"][0]["actor"] == "token:eve"
    none = team.ok("ann", "GET", f"{path}/events", params={"kind": "archived"})
    assert none == {"items": [], "total": 0, "page": 1, "per_page": 20}


def test_bad_paging_sort_or_kind_is_refused_with_422(team: Team) -> None:
    path = _edited_article(team, 1)
    for suffix, params in [
        ("versions", {"per_page": 101}),
        ("versions", {"per_page": 0}),
        ("versions", {"page": 0}),
        ("versions", {"sort": "title"}),
        ("events", {"per_page": 101}),
        ("events", {"page": "x"}),
        ("events", {"sort": "kind"}),
        ("events", {"kind": "deleted"}),
    ]:
        response = team.call("ann", "GET", f"{path}/{suffix}", params=params)
        assert response.status_code == 422, (suffix, params, response.text)
    refused = team.call("ann", "GET", f"{path}/versions", params={"sort": "title"}).json()
    assert "-version" in str(refused)  # the error names the sorts that are allowed
    # Nothing was lost: the article still has both versions and its events.
    assert team.ok("ann", "GET", f"{path}/versions")["total"] == 2
    assert team.ok("ann", "GET", f"{path}/events")["total"] == 2


def test_history_of_an_unknown_article_is_404_and_needs_a_token(team: Team) -> None:
    path = f"{ARTICLES}/{uuid.uuid4()}"
    assert team.call("ann", "GET", f"{path}/versions").status_code == 404
    assert team.call("ann", "GET", f"{path}/events").status_code == 404
    path = _edited_article(team, 0)
    assert team.client.get(f"{path}/versions").status_code == 401
    assert team.client.get(f"{path}/events").status_code == 401
