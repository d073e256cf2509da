"""End to end: real action server and Rasa server, spoken to over REST."""
import uuid
from pathlib import Path

import pytest

from bot.content_model import default_library
from bot.render import payload_for
from tests.conftest import button_payloads, texts


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def opening(item_id: str) -> str:
    return default_library().items[item_id].text[0][:60]


def test_welcome_says_what_it_does_that_nothing_is_stored_and_how_to_get_help(assistant):
    reply = texts(assistant.say(new_sender(), "hi there"))
    assert opening("welcome") in reply
    assert "stored" in reply.lower()
    assert "help now" in reply.lower()


@pytest.mark.parametrize(
    "message, item_id",
    [
        ("what are the signs of a power imbalance?", "signs_overview"),
        ("what is a power imbalance", "what_is_power_imbalance"),
        ("why do power imbalances happen in relationships", "causes_overview"),
        ("how does a power imbalance show up at work with my boss", "context_workplace"),
        ("what about power imbalances in my family", "context_family"),
        ("what are the long term effects of a power imbalance", "effects_overview"),
        ("what strategies help to deal with a power imbalance", "strategies_overview"),
        ("i think im the one with more power, what should i do", "steps_more_power"),
        ("how do i bring this up with my partner without a fight", "raise_the_subject"),
        ("when is it time to re-evaluate the relationship", "reevaluate_overview"),
        ("tell me more about emotional manipulation", "sign_emotional_manipulation"),
        ("can you explain investment imbalance", "cause_investment_imbalance"),
    ],
)
def test_topic_questions_are_answered_from_the_content(assistant, message, item_id):
    replies = assistant.say(new_sender(), message)
    assert opening(item_id) in texts(replies)
    assert "Source:" in texts(replies)


@pytest.mark.parametrize(
    "message, item_id",
    [
        ("what are the three types of power", "faq_three_types"),
        ("whats an example of a power imbalance", "faq_example"),
        ("what does balance of power mean in a relationship", "faq_balance_meaning"),
    ],
)
def test_faqs_are_answered_by_the_response_selector(assistant, message, item_id):
    assert opening(item_id) in texts(assistant.say(new_sender(), message))


def test_buttons_lead_deeper(assistant):
    sender = new_sender()
    replies = assistant.say(sender, "what are the signs of a power imbalance")
    payload = payload_for("sign_ignoring_boundaries")
    assert payload in button_payloads(replies)
    assert opening("sign_ignoring_boundaries") in texts(assistant.say(sender, payload))


def test_bare_tell_more_follows_the_last_topic(assistant):
    sender = new_sender()
    assistant.say(sender, "what are the long term effects of a power imbalance")
    replies = assistant.say(sender, "tell me more")
    assert opening("ask_which_topic") in texts(replies)
    assert payload_for("effect_self_esteem") in button_payloads(replies)


@pytest.mark.parametrize(
    "message, item_id",
    [
        ("what can you do?", "help"),
        ("thank you so much", "thanks"),
        ("bye", "goodbye"),
        ("what's the weather going to be like in paris tomorrow", "out_of_scope"),
    ],
)
def test_conversation_turns(assistant, message, item_id):
    assert opening(item_id) in texts(assistant.say(new_sender(), message))


def test_nonsense_gets_a_kind_redirect_with_ways_forward(assistant):
    replies = assistant.say(new_sender(), "qwzx plorf vvv")
    assert opening("fallback") in texts(replies) or opening("out_of_scope") in texts(replies)
    assert button_payloads(replies)


def test_the_action_server_runs_without_tensorflow(assistant):
    """No action uses TensorFlow; loading it anyway cost the action server
    ~360 MB and seconds of every start (docs/benchmark.md)."""
    loaded = Path(f"/proc/{assistant.actions.process.pid}/maps").read_text()
    assert "tensorflow" not in loaded
    reply = assistant.say(new_sender(), "what are the signs of a power imbalance?")
    assert opening("signs_overview") in texts(reply)


def test_the_objects_loaded_with_the_model_are_left_out_of_garbage_collection(assistant):
    """A full collection walking them stalled every reply for ~0.4 s (docs/benchmark.md)."""
    log = (assistant.log_dir / "rasa.log").read_text(errors="replace")
    assert "objects loaded with the model are left out of garbage collection" in log
