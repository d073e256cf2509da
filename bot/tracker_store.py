"""The tracker store: conversations in memory only, quiz answers never kept.

Selected in endpoints.yml. A conversation is forgotten entirely once its
session has expired (`session_expiration_time` in domain.yml, 30 minutes
after the last message): it is deleted when next looked up, and every save
sweeps out the others that have expired. Once the self-check quiz is over (a result was
given, or the person stopped or was interrupted by a crisis reply), every
answering turn is rewritten before the tracker is saved: the text is emptied,
the answer intent becomes `skip_question`, the answer slots are unset and the
result message is emptied. What the person saw on screen is theirs; nothing of
it stays on the server.
"""
import time
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.quiz import ANSWER_INTENTS, FORM, default_quiz

RESULT_ACTION = "action_quiz_result"
REDACTED_INTENT = "skip_question"


def redact_quiz(events: List[Event]) -> List[Event]:
    """Events with the answers of every finished quiz removed."""
    quiz_slots = set(default_quiz().slots)
    redacted: List[Event] = []
    in_quiz, after_result = False, False
    for event in events:
        if isinstance(event, ActiveLoop):
            in_quiz = event.name == FORM
        if isinstance(event, ActionExecuted):
            after_result = event.action_name == RESULT_ACTION
        redacted.append(_redacted(event, in_quiz, after_result, quiz_slots))
    if in_quiz or all(new is old for new, old in zip(redacted, events)):
        return events  # still answering, or nothing to redact
    return redacted


def _redacted(event: Event, in_quiz: bool, after_result: bool, quiz_slots: set) -> Event:
    if isinstance(event, SlotSet) and event.key in quiz_slots and event.value is not None:
        return SlotSet(event.key, None, timestamp=event.timestamp)
    if isinstance(event, UserUttered) and in_quiz and event.intent_name in ANSWER_INTENTS:
        return UserUttered(
            "", {"name": REDACTED_INTENT, "confidence": 1.0}, [],
            timestamp=event.timestamp, input_channel=event.input_channel,
        )
    if isinstance(event, BotUttered) and after_result:
        return BotUttered("", timestamp=event.timestamp)
    return event


class PrivateTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store that keeps no quiz answers."""

    def __init__(
        self,
        domain: Domain,
        host: Optional[Text] = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self._last_seen: Dict[Text, float] = {}

    @property
    def _lifetime(self) -> float:
        return self.domain.session_config.session_expiration_time * 60

    async def save(self, tracker: DialogueStateTracker) -> None:
        events = list(tracker.events)
        cleaned = redact_quiz(events)
        if cleaned is not events:
            tracker = DialogueStateTracker.from_events(
                tracker.sender_id, cleaned, self.domain.slots, tracker._max_event_history
            )
        await super().save(tracker)
        self._last_seen[tracker.sender_id] = time.time()
        self._forget_expired()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._forget_expired()
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._forget_expired()
        return await super().retrieve_full_tracker(sender_id)

    def _forget_expired(self) -> None:
        if self._lifetime <= 0:
            return
        cutoff = time.time() - self._lifetime
        for sender_id in [s for s, seen in self._last_seen.items() if seen < cutoff]:
            self.store.pop(sender_id, None)
            del self._last_seen[sender_id]
