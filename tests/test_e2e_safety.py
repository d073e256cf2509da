"""End to end: crisis routing through the REST channel of the real servers."""
import uuid

import pytest

from tests.conftest import button_payloads, texts


def sender() -> str:
    return f"safety-{uuid.uuid4().hex[:12]}"


def first(replies) -> str:
    return replies[0]["text"] if replies else ""


@pytest.mark.parametrize(
    "message, opening",
    [
        ("hes breaking the door down", "If you are in danger right now, **call [911](tel:911)**"),
        ("I'm not safe at home right now", "If you are in danger right now"),
        ("i wanna die", "I'm really glad you told me"),
        ("kms", "I'm really glad you told me"),
        ("everyone would be better off without me", "I'm really glad you told me"),
        ("he won't let me leave the house", "Thank you for telling me. What you describe is abuse"),
        ("my friend's boyfriend hits her", "Thank you for telling me. What you describe is abuse"),
        ("he grabbed my neck", "Thank you for telling me. What you describe is a **recognised sign"),
        ("he said he'd kill me if I ever left", "Thank you for telling me. What you describe is a **recognised sign"),
        ("my boyfriend keeps pressuring me into sexual stuff", "I'm so sorry this happened"),
    ],
)
def test_crisis_messages_get_the_crisis_reply_first(assistant, message, opening):
    assert first(assistant.say(sender(), message)).startswith(opening)


@pytest.mark.parametrize(
    "message",
    ["I could kill for a coffee", "that movie killed me", "my boss is killing me with deadlines",
     "we fight about the dishes"],
)
def test_idioms_are_not_crises(assistant, message):
    assert "tel:" not in texts(assistant.say(sender(), message))


def test_region_from_client_metadata(assistant):
    replies = assistant.say(sender(), "he's breaking the door down", metadata={"region": "GB"})
    assert "[999](tel:999)" in first(replies)
    assert "press 55" in texts(replies)


def test_what_the_person_says_beats_the_metadata(assistant):
    person = sender()
    assistant.say(person, "I live in Sydney", metadata={"region": "GB"})
    replies = assistant.say(person, "i want to kill myself", metadata={"region": "GB"})
    assert "(tel:131114)" in texts(replies)


def test_the_person_can_say_they_are_not_in_the_default_region(assistant):
    person = sender()
    assert "[911](tel:911)" in first(assistant.say(person, "he is choking me right now"))
    assistant.say(person, "I'm not in the US")
    replies = assistant.say(person, "he is choking me right now")
    assert "your local emergency number" in first(replies)


def test_help_now_lists_helplines(assistant):
    replies = assistant.say(sender(), "help now")
    assert "(tel:+18007997233)" in texts(replies) and "(tel:988)" in texts(replies)


def test_abuse_reply_offers_exit_planning_which_answers(assistant):
    person = sender()
    replies = assistant.say(person, "my husband hits me")
    exit_payload = next(p for p in button_payloads(replies) if "exit_plan_overview" in p)
    assert "safely" in texts(assistant.say(person, exit_payload))


def test_jumping_into_one_exit_planning_step(assistant):
    replies = assistant.say(sender(), "what documents do I take when I leave?")
    assert "passport" in texts(replies).lower()


def test_crisis_replies_still_work_with_the_action_server_down(assistant):
    with assistant.action_server_stopped():
        replies = assistant.say(sender(), "he's outside with a knife and I'm hiding")
        assert first(replies).startswith("If you are in danger right now")
        assert "(tel:911)" in first(replies)
