"""End to end: the behaviour checker and the self-check quiz over REST."""
import uuid

import pytest

from bot.content_model import default_library
from bot.quiz import default_quiz
from tests.conftest import button_payloads, texts


def sender() -> str:
    return f"quiz-{uuid.uuid4().hex[:12]}"


def question(n: int) -> str:
    return default_quiz().questions[n].text


def title(item_id: str) -> str:
    return default_library().items[item_id].title


@pytest.mark.parametrize(
    "message, item_id",
    [
        ("my boyfriend goes through my phone every night, is that a red flag?",
         "sign_controlling_communication"),
        ("he always picks the restaurant, is that a warning sign?", "sign_one_sided_decisions"),
    ],
)
def test_a_described_behaviour_is_named_as_a_sign(assistant, message, item_id):
    reply = texts(assistant.say(sender(), message))
    assert f"That sounds like **{title(item_id)}**" in reply


def test_a_balanced_behaviour_is_not_made_a_concern(assistant):
    reply = texts(assistant.say(sender(), "we take turns choosing where to eat, is that healthy?"))
    assert "sounds balanced" in reply


def test_a_crisis_behaviour_gets_the_crisis_reply(assistant):
    reply = assistant.say(sender(), "is it a warning sign that he grabbed my neck?")
    assert reply[0]["text"].startswith("Thank you for telling me. What you describe is a **recognised sign")


def start(assistant, person):
    replies = assistant.say(person, "can I take the self-check quiz?")
    assert question(0) in texts(replies)
    assert "/answer_yes" in button_payloads(replies)
    return replies


def test_the_whole_quiz_gives_a_result_with_the_signs_that_came_up(assistant):
    person = sender()
    start(assistant, person)
    answers = ["/answer_yes", "/answer_no", "sometimes", "/skip_question"] + ["/answer_no"] * 6
    for n, answer in enumerate(answers):
        replies = assistant.say(person, answer)
        if n + 1 < len(answers):
            assert question(n + 1) in texts(replies)
    result = texts(replies)
    assert title(default_quiz().questions[0].item) in result
    assert "diagnos" in result.lower()


def test_stopping_midway_clears_the_quiz(assistant):
    person = sender()
    start(assistant, person)
    assistant.say(person, "/answer_yes")
    reply = texts(assistant.say(person, "stop the quiz"))
    assert "stopped the quiz" in reply
    assert question(0) in texts(start(assistant, person))  # a fresh start, from question 1


def test_a_crisis_midway_interrupts_the_quiz_at_once(assistant):
    person = sender()
    start(assistant, person)
    assistant.say(person, "/answer_yes")
    replies = assistant.say(person, "he's breaking the door down")
    assert replies[0]["text"].startswith("If you are in danger right now")
    assert question(2) not in texts(replies)


def test_a_question_mid_quiz_is_answered_and_the_quiz_carries_on(assistant):
    person = sender()
    start(assistant, person)
    replies = assistant.say(person, "what are the signs of a power imbalance?")
    assert default_library().items["signs_overview"].text[0][:50] in texts(replies)
    assert question(0) in texts(replies)
