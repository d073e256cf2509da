"""Quiz answers are redacted from the stored conversation once the quiz ends."""
import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import REPO_ROOT
from bot.quiz import default_quiz
from bot.tracker_store import PrivateTrackerStore, redact_quiz

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
