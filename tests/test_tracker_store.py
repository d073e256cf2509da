"""Quiz answers are redacted from the stored conversation once the quiz ends."""
import asyncio
import json

import pytest
import redis
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import REPO_ROOT
from bot.quiz import default_quiz
from bot.tracker_store import PrivateRedisTrackerStore, PrivateTrackerStore, redact_quiz

SECRET = "yes he really does that"


def quiz_events(finished: bool):
    slot = default_quiz().slots[0]
    events = [
        UserUttered("take the quiz", {"name": "start_quiz", "confidence": 1.0}),
        ActionExecuted("quiz_form"), ActiveLoop("quiz_form"),
        UserUttered(SECRET, {"name": "answer_yes", "confidence": 0.99}),
        SlotSet(slot, "yes"),
    ]
    if finished:
        events += [
            ActionExecuted("quiz_form"), ActiveLoop(None),
            ActionExecuted("action_quiz_result"),
            BotUttered("Signs that came up in your answers: One-sided decisions"),
            SlotSet(slot, None),
        ]
    return events


def test_answers_stay_while_the_quiz_runs():
    events = quiz_events(finished=False)
    assert redact_quiz(events) is events


def test_nothing_of_the_answers_remains_after_the_result():
    cleaned = redact_quiz(quiz_events(finished=True))
    dumped = str([e.as_dict() for e in cleaned])
    assert SECRET not in dumped
    assert "answer_yes" not in dumped
    assert "Signs that came up" not in dumped
    assert all(e.value is None for e in cleaned if isinstance(e, SlotSet))
    assert "take the quiz" in dumped  # the rest of the conversation is untouched


def test_the_store_saves_the_redacted_conversation():
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    store = PrivateTrackerStore(domain)
    tracker = DialogueStateTracker.from_events("someone", quiz_events(finished=True), domain.slots)
    asyncio.run(store.save(tracker))
    stored = asyncio.run(store.retrieve("someone"))
    assert SECRET not in str(stored.current_state())
    assert SECRET not in str([e.as_dict() for e in stored.events])


def test_a_conversation_is_forgotten_when_its_session_expires():
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    store = PrivateTrackerStore(domain)
    tracker = DialogueStateTracker.from_events(
        "someone", [UserUttered("hello", {"name": "greet", "confidence": 1.0})], domain.slots
    )
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.retrieve("someone")) is not None
    lifetime = domain.session_config.session_expiration_time * 60
    store._last_seen["someone"] -= lifetime + 1  # as if the last message were that old
    assert asyncio.run(store.retrieve("someone")) is None
    assert "someone" not in store.store


# --- The Redis store (several Rasa servers); a real Redis in test_e2e_replicas.py ---

SESSION_SECONDS = 30 * 60  # session_expiration_time in domain.yml


class FakeRedis:
    """The two calls the store makes, and what it passed."""

    def __init__(self, fail: bool = False):
        self.data, self.expiry, self.fail = {}, {}, fail

    def get(self, key):
        return self.data.get(key)

    def set(self, key, value, ex=None):
        if self.fail:
            raise redis.ConnectionError("down")
        self.data[key], self.expiry[key] = value, ex


def redis_store(domain=None, **options) -> PrivateRedisTrackerStore:
    store = PrivateRedisTrackerStore(
        domain if domain is not None else Domain.load(str(REPO_ROOT / "domain.yml")),
        key_prefix="powerbalance", **options,
    )
    store.red = FakeRedis()
    return store


def test_redis_records_expire_with_the_session_by_default():
    store = redis_store()
    tracker = DialogueStateTracker.from_events(
        "someone", [UserUttered("hello", {"name": "greet", "confidence": 1.0})], store.domain.slots
    )
    asyncio.run(store.save(tracker))
    assert store.red.expiry == {"powerbalance:tracker:someone": SESSION_SECONDS}
    assert asyncio.run(store.retrieve("someone")).latest_message.text == "hello"


def test_the_expiry_follows_the_model_domain_set_after_start_up():
    # Rasa creates the store with an empty domain, and sets the model's later.
    store = redis_store(Domain.empty())
    store.domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    assert store.record_exp == SESSION_SECONDS


def test_an_explicit_expiry_and_values_from_environment_variables_are_accepted():
    store = redis_store(record_exp="600", port="6390", db="0", password="")
    assert store.record_exp == 600
    assert store.red is not None


def test_a_redis_store_without_expiry_is_refused():
    with pytest.raises(ValueError):
        redis_store(record_exp="0")
    never = Domain.from_yaml("version: '3.1'\nsession_config:\n  session_expiration_time: 0\n")
    with pytest.raises(ValueError, match="without an expiry"):
        redis_store(never)


def test_redis_keeps_no_answers_even_where_they_were_stored_mid_quiz():
    store = redis_store()
    domain = store.domain
    running = DialogueStateTracker.from_events("someone", quiz_events(finished=False), domain.slots)
    asyncio.run(store.save(running))
    assert SECRET in store.red.data["powerbalance:tracker:someone"]  # needed while answering
    finished = DialogueStateTracker.from_events("someone", quiz_events(finished=True), domain.slots)
    asyncio.run(store.save(finished))
    stored = store.red.data["powerbalance:tracker:someone"]
    assert SECRET not in stored  # replaced, not merged with the stored answers
    assert "Signs that came up" not in stored
    assert "take the quiz" in stored
    assert len(json.loads(stored)["events"]) == len(quiz_events(finished=True))


def test_a_turn_redis_cannot_save_is_kept_nowhere_else():
    store = redis_store()
    store.red = FakeRedis(fail=True)
    tracker = DialogueStateTracker.from_events("someone", quiz_events(finished=False), store.domain.slots)
    asyncio.run(store.save(tracker))  # no exception: Rasa's unredacted in-memory fallback stays unused
    assert store.red.data == {}
