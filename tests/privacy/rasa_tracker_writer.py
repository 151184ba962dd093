"""Run with the Rasa environment's Python: stores a conversation through Rasa's own tracker store,
built from endpoints.yml exactly as ``rasa run`` builds it. Arguments: sender id, user text."""

import asyncio
import sys

from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


async def main(sender_id: str, text: str) -> None:
    endpoints = read_endpoints_from_path("endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    assert type(store).__name__ == "SQLTrackerStore", type(store)
    events = [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "report_fault", "confidence": 1.0}),
        SlotSet("last_question", text),
    ]
    await store.save(DialogueStateTracker.from_events(sender_id, events))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
