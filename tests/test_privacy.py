"""Privacy by default: what a person writes reaches no log, and the default
tracker store forgets a conversation once its session has expired."""
import asyncio
import time

from rasa.shared.core.domain import Domain, SessionConfig
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import REPO_ROOT
from bot.tracker_store import PrivateTrackerStore
from tests.conftest import texts

# Recognisable, and unlike anything the servers would print on their own.
PHRASE = "periwinkle-harbour-7731"


def test_no_message_text_reaches_the_server_logs(assistant):
    """The servers run at their default log level, as `make run` starts them."""
    sender = f"sender-{PHRASE}"  # the sender id must not be logged either
    messages = [
        f"what are the signs of a power imbalance? {PHRASE}",
        f"my partner reads my messages every night {PHRASE}",
        "take the quiz",
        f"yes all the time {PHRASE}",
        f"I am scared he will hurt me {PHRASE}",
        f"{PHRASE} " * 3000,  # over the length cap
    ]
    for message in messages:
        assert texts(assistant.say(sender, message)).strip()
    time.sleep(1)  # let the servers flush their output
    logs = sorted(assistant.log_dir.glob("*.log"))
    assert {log.name for log in logs} >= {"rasa.log", "actions.log"}
    for log in logs:
        assert PHRASE not in log.read_text(errors="replace"), f"message text in {log.name}"


def short_lived_domain(seconds: float) -> Domain:
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    domain.session_config = SessionConfig(seconds / 60, carry_over_slots=False)
    return domain


def test_the_default_store_forgets_a_conversation_when_its_session_expires():
    store = PrivateTrackerStore(short_lived_domain(1.0))
    assert store.domain.session_config.session_expiration_time == 1 / 60
    tracker = DialogueStateTracker.from_events(
        "someone", [UserUttered(PHRASE, {"name": "greet", "confidence": 1.0})], store.domain.slots)
    asyncio.run(store.save(tracker))
    assert PHRASE in str([e.as_dict() for e in asyncio.run(store.retrieve("someone")).events])

    time.sleep(1.5)  # real time passes: the session expires

    assert asyncio.run(store.retrieve("someone")) is None
    assert PHRASE not in str(store.store)


def test_an_idle_conversation_is_forgotten_without_further_traffic():
    """A timer on the server's event loop sweeps it out: no later message is needed."""
    store = PrivateTrackerStore(short_lived_domain(1.0))
    tracker = DialogueStateTracker.from_events(
        "quiet", [UserUttered(PHRASE, {"name": "greet", "confidence": 1.0})], store.domain.slots)

    async def save_then_wait():
        await store.save(tracker)
        assert "quiet" in store.store
        await asyncio.sleep(2.5)

    asyncio.run(save_then_wait())
    assert store.store == {}


def test_the_default_store_is_configured_in_endpoints():
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(REPO_ROOT / "endpoints.yml"), "tracker_store")
    assert config.type == "bot.tracker_store.PrivateTrackerStore"
