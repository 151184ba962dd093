"""A customer with data in every place Deskmate keeps it, and a bystander who must be left alone."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.handoff import start_handoff
from bot.models import ChatMessage, Conversation, Sender
from bot.schemas import HandoffCreate, TranscriptTurn
from deskmate.db import utcnow
from knowledge.models import SearchLog
from ticketing.conversation import add_message, rate
from ticketing.customers.schemas import ChannelIdentityIn
from ticketing.merging import merge
from ticketing.models import Channel, Customer, MessageAuthor, Ticket, TicketEvent
from ticketing.schemas import CsatCreate, MessageCreate, TicketCreate
from ticketing.service import create_ticket
from ticketing.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str
    region: str
    conversation: str  # the web chat's conversation id (= Rasa sender id)
    words: str  # something only they wrote
    search: str  # a knowledge query only they asked
    channel_user: str  # how Telegram knows them
    comment: str  # their satisfaction comment

    @property
    def values(self) -> list[str]:
        """Everything that identifies them or that they wrote."""
        return [
            self.name,
            self.email,
            self.phone,
            self.region,
            self.conversation,
            self.words,
            self.search,
            self.channel_user,
            self.comment,
        ]


SUBJECT = Person(
    name="Zebulon Quixotefeather",
    email="zq.erase-me@example.net",
    phone="+44 7700 900123",
    region="Upper Xanadu",
    conversation="conv-zq-7f3a91",
    words="my doorbell code 99812 stopped working at Quixote Lane",
    search="why does doorbell 99812 beep at night",
    channel_user="tg-zq-5150731",
    comment="the engineer Quixote-fixed it in minutes",
)
BYSTANDER = Person(
    name="Ottilie Brackenbury",
    email="ob.keep-me@example.net",
    phone="+44 7700 900999",
    region="Lower Shire",
    conversation="conv-ob-22c0",
    words="camera 4471 keeps rebooting",
    search="camera 4471 reboot loop",
    channel_user="tg-ob-9911",
    comment="camera still flaky",
)

RASA_EVENTS_SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


def make_rasa_tracker(path: Path) -> str:
    """A tracker database with Rasa's own ``events`` schema (SQLTrackerStore, Rasa 3.6)."""
    with sqlite3.connect(path) as db:
        db.execute(RASA_EVENTS_SCHEMA)
    return f"sqlite:///{path}"


def add_rasa_events(path: Path, person: Person) -> None:
    user = {"event": "user", "text": person.words, "parse_data": {"text": person.words}}
    slot = {"event": "slot", "name": "email", "value": person.email}
    rows = [
        (person.conversation, "user", 1.0, "report_fault", None, json.dumps(user)),
        (person.conversation, "slot", 2.0, None, None, json.dumps(slot)),
        (person.conversation, "action", 3.0, None, "action_listen", json.dumps({})),
    ]
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def _webhook_subscription(session: Session) -> None:
    """An outside system subscribed to every ticket event: each event below is queued for it."""
    if session.scalar(select(WebhookSubscription).where(WebhookSubscription.name == "crm")):
        return
    session.add(WebhookSubscription(name="crm", url="https://crm.example.com/hook", secret="s"))
    session.flush()


def give_data_everywhere(session: Session, person: Person) -> Customer:
    _webhook_subscription(session)
    customer = Customer(
        name=person.name, email=person.email, phone=person.phone, region=person.region
    )
    session.add(customer)
    session.flush()
    conversation = Conversation(
        channel="web", external_id=person.conversation, customer_id=customer.id
    )
    session.add(conversation)
    session.flush()
    session.add_all(
        [
            ChatMessage(conversation_id=conversation.id, sender=Sender.CUSTOMER, text=person.words),
            ChatMessage(
                conversation_id=conversation.id,
                sender=Sender.BOT,
                text=f"Thanks {person.name}, I opened a ticket for you.",
            ),
            # Asked from their conversation (the action sends its sender id) ...
            SearchLog(
                query=person.search, decision="no_answer", conversation_id=person.conversation
            ),
            # ... and an older entry without it, found by what they wrote.
            SearchLog(query=person.words, decision="no_answer"),
        ]
    )
    # From the chat: linked by conversation id and email, with an idempotency key, the
    # assistant's context (the transcript) and their Telegram identity.
    from_chat, _ = create_ticket(
        session,
        data=TicketCreate(
            description=f"{person.words} (reported by {person.name}, {person.phone})",
            email=person.email,
            channel="web",
            conversation_id=person.conversation,
            context={
                "transcript": [{"who": "customer", "text": person.words}],
                "articles": [{"title": person.search}],
            },
            channel_identity=ChannelIdentityIn(
                channel=Channel.TELEGRAM, external_id=person.channel_user, name=person.name
            ),
        ),
        actor="token:action-server",
        idempotency_key=f"{person.conversation}:form-1",
    )
    # Entered by an agent for the customer record.
    ticket, _ = create_ticket(
        session,
        data=TicketCreate(description=f"Call back {person.name} at {person.phone}"),
        actor="token:agent",
    )
    ticket.customer_id = customer.id
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="note",
            actor="token:agent",
            data={"text": f"{person.name} says: {person.words}", "email": person.email},
        )
    )
    session.flush()
    # The conversation on the ticket: theirs, the bot's, an agent's reply and an internal note.
    for kind, author, body in [
        (MessageAuthor.CUSTOMER, person.email, person.words),
        (MessageAuthor.BOT, "assistant", f"Thanks {person.name}, an engineer will call."),
        (MessageAuthor.AGENT, "Agent Smith", f"Hi {person.name}, about {person.words}: fixed."),
        (MessageAuthor.NOTE, "Agent Smith", f"Called {person.phone}, lives in {person.region}"),
    ]:
        add_message(
            session,
            ticket=ticket,
            data=MessageCreate(author_kind=kind, author=author, body=body),
            actor="token:agent",
        )
    rate(session, ticket=ticket, data=CsatCreate(rating=5, comment=person.comment), actor="web")
    # The chat's ticket was a duplicate of the agent's (a link that holds no personal data).
    merge(session, duplicate=from_chat, primary=ticket, actor="token:agent", reason="same fault")
    # The assistant handed the conversation to a person.
    start_handoff(
        session,
        sender_id=person.conversation,
        data=HandoffCreate(
            reason="request",
            ticket_reference=from_chat.reference,
            transcript=[TranscriptTurn(who="customer", text=person.words)],
            articles=[{"title": person.search}],
            intents=["report_fault"],
        ),
    )
    # One of the webhook deliveries about their tickets has gone out already.
    delivered = session.scalars(
        select(WebhookDelivery)
        .join(TicketEvent, TicketEvent.id == WebhookDelivery.event_id)
        .where(TicketEvent.ticket_id == ticket.id)
    ).first()
    assert delivered is not None
    delivered.status, delivered.delivered_at = DeliveryStatus.DELIVERED, utcnow()
    session.flush()
    return customer


def tickets_of(session: Session, customer: Customer) -> list[Ticket]:
    return list(session.query(Ticket).filter(Ticket.customer_id == customer.id))
