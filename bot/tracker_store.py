"""The tracker store: conversations in memory only, quiz answers never kept.

Selected in endpoints.yml. A conversation is forgotten entirely once its
session has expired (`session_expiration_time` in domain.yml, 30 minutes
after the last message): it is deleted when next looked up, and a timer on
the server's event loop sweeps out every expired one once a minute, whether or
not anyone writes again. Once the self-check quiz is over (a result was
given, or the person stopped or was interrupted by a crisis reply), every
answering turn is rewritten before the tracker is saved: the text is emptied,
the answer intent becomes `skip_question`, the answer slots are unset and the
result message is emptied. What the person saw on screen is theirs; nothing of
it stays on the server.

For several Rasa servers behind a load balancer, PrivateRedisTrackerStore
(selected in bot/deploy/endpoints.redis.yml) keeps the live conversation in
Redis instead, with the same redaction, and lets Redis itself forget it: every
save sets the record to expire `session_expiration_time` after that message.
"""
import asyncio
import logging
import math
import time
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.conversation import Dialogue
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

logger = logging.getLogger(__name__)

RESULT_ACTION = "action_quiz_result"
SWEEP_SECONDS = 60.0  # how often idle conversations are checked for expiry
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
    if isinstance(event, UserUttered) and in_quiz and event.intent_name in ANSWER_INTENTS \
            and not _is_redacted_answer(event):
        return UserUttered(
            "", {"name": REDACTED_INTENT, "confidence": 1.0}, [],
            timestamp=event.timestamp, input_channel=event.input_channel,
        )
    if isinstance(event, BotUttered) and after_result and (event.text or event.data):
        return BotUttered("", timestamp=event.timestamp)
    return event


def _is_redacted_answer(event: UserUttered) -> bool:
    """Already rewritten by an earlier save: leaving it as it is lets the
    next save keep the tracker instead of rebuilding it."""
    return not event.text and event.intent_name == REDACTED_INTENT


def session_lifetime(domain: Domain) -> float:
    """Seconds after the last message at which a session expires (0: never)."""
    return domain.session_config.session_expiration_time * 60


class QuizRedaction:
    """What both private stores do before saving: drop finished quiz answers."""

    domain: Domain

    def without_quiz_answers(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        events = list(tracker.events)
        cleaned = redact_quiz(events)
        if cleaned is events:
            return tracker
        return DialogueStateTracker.from_events(
            tracker.sender_id, cleaned, self.domain.slots, tracker._max_event_history
        )


class PrivateTrackerStore(QuizRedaction, InMemoryTrackerStore):
    """In-memory tracker store that keeps no quiz answers.

    It keeps each conversation's events themselves rather than Rasa's JSON of
    them: Rasa's events are not changed once made, and writing and re-reading
    the JSON of the whole conversation on every message cost ~1 ms of CPU and
    grew with the conversation (docs/benchmark.md)."""

    def __init__(
        self,
        domain: Domain,
        host: Optional[Text] = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self._last_seen: Dict[Text, float] = {}
        self._sweep: Optional[asyncio.TimerHandle] = None

    @property
    def _lifetime(self) -> float:
        return session_lifetime(self.domain)

    async def save(self, tracker: DialogueStateTracker) -> None:
        tracker = self.without_quiz_answers(tracker)
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = tuple(tracker.events)
        self._last_seen[tracker.sender_id] = time.time()
        self._schedule_sweep()

    def deserialise_tracker(
        self, sender_id: Text, events: Tuple[Event, ...]
    ) -> Optional[DialogueStateTracker]:
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, list(events)))
        return tracker

    # The timer sweeps everyone; a lookup only checks the one conversation it
    # asks for, so the per-message cost does not grow with the number of them.
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._forget_if_expired(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._forget_if_expired(sender_id)
        return await super().retrieve_full_tracker(sender_id)

    def _expired(self, sender_id: Text) -> bool:
        seen = self._last_seen.get(sender_id)
        return self._lifetime > 0 and seen is not None and seen < time.time() - self._lifetime

    def _forget_if_expired(self, sender_id: Text) -> None:
        if self._expired(sender_id):
            self.store.pop(sender_id, None)
            del self._last_seen[sender_id]

    def _forget_expired(self) -> None:
        for sender_id in [s for s in self._last_seen if self._expired(s)]:
            self._forget_if_expired(sender_id)

    def _schedule_sweep(self) -> None:
        """A timer on the server's event loop, so that an expired conversation
        goes even if no other message ever arrives."""
        if self._sweep is not None or self._lifetime <= 0 or not self._last_seen:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._sweep = loop.call_later(min(SWEEP_SECONDS, self._lifetime), self._run_sweep)

    def _run_sweep(self) -> None:
        self._sweep = None
        self._forget_expired()
        self._schedule_sweep()


class PrivateRedisTrackerStore(QuizRedaction, RedisTrackerStore):
    """Redis tracker store for several Rasa servers: no quiz answers, and every
    record expires.

    `record_exp` (seconds) defaults to the session expiry of the loaded model's
    domain (domain.yml), so a conversation disappears from Redis when its
    session would have expired; a store without expiry is refused. Unlike
    Rasa's RedisTrackerStore, a save replaces the record instead of merging it
    with the stored one: the merge would bring back the answers that redaction
    has just removed, and, as with the in-memory store, only the current
    session is kept. Concurrent turns of one conversation on different servers
    are serialised by the lock store (`lock_store: type: redis`), not here.

    If Redis cannot be written to, the turn is not kept at all: Rasa would
    otherwise put it, unredacted and without expiry, into an in-memory
    fallback store that nothing ever reads back.
    """

    def __init__(
        self,
        domain: Domain,
        host: Text = "localhost",
        port: Any = 6379,
        db: Any = 0,
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Any = None,
        record_exp: Any = None,
        key_prefix: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        # Values substituted from environment variables arrive as strings, and
        # an unset password as "".
        super().__init__(
            domain,
            host=host or "localhost",
            port=int(port),
            db=int(db),
            username=username or None,
            password=password or None,
            event_broker=event_broker,
            record_exp=record_exp,
            key_prefix=key_prefix or None,
            **kwargs,
        )
        self._check_expiry()

    @property
    def record_exp(self) -> float:
        """Seconds a record lives after its last save."""
        return self._record_exp or session_lifetime(self.domain)

    @record_exp.setter
    def record_exp(self, value: Any) -> None:
        self._record_exp = float(value) if value not in (None, "") else None
        if self._record_exp is not None and self._record_exp <= 0:
            raise ValueError(f"record_exp must be a positive number of seconds, not {value!r}")

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        # Rasa creates the store with an empty domain and sets the model's
        # domain once it is loaded.
        self._domain = domain if domain is not None else Domain.empty()
        self._check_expiry()

    def _check_expiry(self) -> None:
        if self.record_exp <= 0:
            raise ValueError(
                "PrivateRedisTrackerStore keeps nothing without an expiry: set record_exp "
                "(seconds) or session_expiration_time in domain.yml"
            )

    def key(self, sender_id: Text) -> Text:
        return self.key_prefix + sender_id

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        import redis

        tracker = self.without_quiz_answers(tracker)
        await self.stream_events(tracker)
        expiry = min(timeout, self.record_exp) if timeout else self.record_exp
        try:
            self.red.set(
                self.key(tracker.sender_id),
                self.serialise_tracker(tracker),
                ex=max(1, math.ceil(expiry)),
            )
        except redis.RedisError as error:
            logger.error("Conversation not saved: Redis failed (%s)", type(error).__name__)
