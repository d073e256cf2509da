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
    replies = assistant.say(sender(), message)
    assert "crisis" not in kinds(replies) and "check_in" not in kinds(replies)


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


def kinds(replies) -> list:
    return [reply.get("custom", {}).get("kind") for reply in replies]


@pytest.mark.parametrize(
    "message, kind",
    [("hello", "conversation"), ("what are the signs?", "answer"), ("he hit me", "crisis"),
     ("my boyfriend makes all the decisions, is that a warning sign?", "sign_check"),
     ("zxqv blorf", "fallback"), ("tired of living like this", "check_in")],
)
def test_every_reply_says_what_it_is(assistant, message, kind):
    replies = assistant.say(sender(), message)
    assert replies and all(kinds(replies)), replies
    assert kinds(replies)[0] == kind


def test_a_crisis_reply_names_its_level_and_region(assistant):
    replies = assistant.say(sender(), "he is choking me right now", metadata={"region": "GB"})
    assert replies[0]["custom"] == {"kind": "crisis", "level": "immediate_danger", "region": "GB"}


def test_self_harm_and_abuse_together_get_both_sets_of_resources(assistant):
    replies = assistant.say(sender(), "my husband beats me and i just want to die")
    levels = [r["custom"].get("level") for r in replies if r["custom"]["kind"] == "crisis"]
    assert levels[0] == "self_harm" and "abuse_too" in levels
    assert "(tel:988)" in texts(replies) and "(tel:+18007997233)" in texts(replies)


@pytest.mark.parametrize("message, level, yes_reply", [
    ("tired of living like this", "self_harm", "I'm really glad you told me"),
    # the question itself, whichever cue led to it (the learnt classifier may be sure of "he's here")
    ("/check_in_danger", "danger", "If you are in danger right now"),
    ("/check_in_abuse", "abuse", "Thank you for telling me. What you describe is abuse"),
])
def test_an_ambiguous_cue_is_asked_about_and_yes_leads_to_the_crisis_reply(assistant, message, level, yes_reply):
    person = sender()
    replies = assistant.say(person, message)
    assert replies[0]["custom"]["kind"] == "check_in" and replies[0]["custom"]["level"] == level
    assert "(tel:911)" in texts(replies)
    assert "/deny_crisis" in button_payloads(replies)
    assert first(assistant.say(person, "yes")).startswith(yes_reply)


def test_saying_no_to_a_check_in_is_answered_kindly(assistant):
    person = sender()
    replies = assistant.say(person, "i have a plan")
    assert replies[0]["custom"]["kind"] == "check_in"
    answer = assistant.say(person, "/deny_crisis")
    assert "glad" in first(answer) and answer[0]["custom"]["kind"] == "conversation"


def test_no_dead_ends_the_fallback_gives_the_numbers(assistant):
    replies = assistant.say(sender(), "zxqv blorf", metadata={"region": "AU"})
    assert "fallback" in kinds(replies)
    assert "(tel:000)" in texts(replies) and "(tel:1800737732)" in texts(replies)


@pytest.mark.parametrize("region", ["INTL", "NZ", "Other"])
def test_a_region_without_its_own_file_never_gets_the_default_911(assistant, region):
    replies = assistant.say(sender(), "he's breaking the door down", metadata={"region": region})
    assert "your local emergency number" in first(replies) and "911" not in texts(replies)


def test_ireland_gets_its_own_emergency_number_and_womens_aid(assistant):
    replies = assistant.say(sender(), "he is strangling me", metadata={"region": "IE"})
    assert "[112 or 999](tel:112)" in first(replies)
    assert "(tel:+3531800341900)" in texts(replies)


def test_after_a_crisis_reply_a_message_not_understood_keeps_the_numbers(assistant):
    person = sender()
    assistant.say(person, "i took a load of paracetamol an hour ago")
    with assistant.action_server_stopped():
        replies = assistant.say(person, "zxqv blorf")
    assert kinds(replies) == ["crisis"] and replies[0]["custom"]["level"] == "reminder_self_harm"
    assert "(tel:911)" in texts(replies) and "(tel:988)" in texts(replies)


def test_after_a_crisis_reply_an_answer_ends_with_the_numbers(assistant):
    person = sender()
    assistant.say(person, "my husband hits me", metadata={"region": "GB"})
    replies = assistant.say(person, "what are the signs?", metadata={"region": "GB"})
    assert kinds(replies)[0] == "answer" and kinds(replies)[-1] == "crisis"
    assert replies[-1]["custom"]["level"] == "reminder_abuse" and "(tel:999)" in texts(replies[-1:])


def test_without_a_crisis_an_answer_has_no_crisis_reminder(assistant):
    assert "crisis" not in kinds(assistant.say(sender(), "what are the signs?"))
