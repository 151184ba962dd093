from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from deskmate.errors import Conflict, NotFound
from tests.ticketing.factories import add_agent, add_team
from ticketing import service
from ticketing.schemas import TicketCreate


def _create(session: Session, key: str | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    data = TicketCreate.model_validate(
        {"description": "Cam offline every night", "product": "Lumora Cam", "email": "a@b.example"}
        | overrides
    )
    return service.create_ticket(session, data=data, actor="test", idempotency_key=key)


def test_references_are_sequential_and_formatted(session: Session) -> None:
    first, _ = _create(session)
    second, _ = _create(session)
    assert first.reference.startswith("DM-") and len(first.reference) == 9
    assert second.number == first.number + 1
    assert service.get_ticket_or_raise(session, reference=first.reference.lower()).id == first.id


@pytest.mark.parametrize("reference", ["DM-999999", "nonsense", "", "DM-12"])
def test_unknown_or_malformed_references_are_not_found(session: Session, reference: str) -> None:
    with pytest.raises(NotFound):
        service.get_ticket_or_raise(session, reference=reference)


def test_same_idempotency_key_returns_the_same_ticket(session: Session) -> None:
    ticket, created = _create(session, key="k1")
    again, created_again = _create(session, key="k1")
    assert created and not created_again
    assert again.id == ticket.id
    with pytest.raises(Conflict):
        _create(session, key="k1", description="something else entirely")


def test_routing_picks_the_least_loaded_covering_speaker_and_records_why(session: Session) -> None:
    team = add_team(session)
    busy = add_agent(session, team, name="Busy", email="busy@lumora.example", capacity=5)
    add_agent(session, team, name="Free", email="free@lumora.example", capacity=5)
    add_agent(session, team, name="Zh", email="zh@lumora.example", languages=["zh"], capacity=5)
    first, _ = _create(session)
    assert first.assignee is not None
    # Ties on load are broken by skill then email, so "busy" (alphabetically first) goes first.
    assert first.assignee.email == busy.email
    second, _ = _create(session)
    assert second.assignee is not None and second.assignee.email == "free@lumora.example"
    chinese, _ = _create(session, language="zh")
    assert chinese.assignee is not None and chinese.assignee.email == "zh@lumora.example"
    routed = next(e for e in first.events if e.kind == "routed")
    assert routed.data["team"] == "devices"
    assert any("serves product Lumora Cam" in reason for reason in routed.data["reasons"])


def test_full_agents_leave_the_ticket_with_the_team(session: Session) -> None:
    team = add_team(session)
    add_agent(session, team, capacity=1)
    _create(session)
    overflow, _ = _create(session)
    assert overflow.team_id == team.id and overflow.assignee_id is None
    routed = next(e for e in overflow.events if e.kind == "routed")
    assert "under capacity" in routed.data["reasons"][-1]


def test_no_team_at_all_is_recorded_not_an_error(session: Session) -> None:
    ticket, _ = _create(session)
    assert ticket.team_id is None
    assert [e.kind for e in ticket.events] == ["created", "routed"]
