"""Custom actions run against JSON tracker fixtures with rasa-sdk's dispatcher."""
import json

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerTopic
from bot.content_model import default_library
from tests.conftest import FIXTURES


def run_action(fixture_name: str):
    state = json.loads((FIXTURES / "trackers" / f"{fixture_name}.json").read_text())
    dispatcher = CollectingDispatcher()
    events = ActionAnswerTopic().run(dispatcher, Tracker.from_dict(state), domain={})
    return dispatcher.messages, events


def first_bubble(item_id: str) -> str:
    return default_library().items[item_id].text[0]


@pytest.mark.parametrize(
    "fixture, item_id",
    [
        ("ask_signs", "signs_overview"),
        ("tell_more_isolation", "sign_isolating_behaviour"),
        ("ask_context_work", "context_workplace"),
        ("ask_strategies_less_power", "steps_less_power"),
    ],
)
def test_answers_with_the_item_and_remembers_it(fixture, item_id):
    messages, events = run_action(fixture)
    assert messages[0]["text"].startswith(first_bubble(item_id))
    assert events == [SlotSet("last_topic", item_id)]


def test_every_answer_names_its_source_and_offers_buttons():
    messages, _ = run_action("ask_signs")
    assert "Source:" in messages[-1]["text"]
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert len(payloads) == 9
    assert '/tell_more{"topic": "sign_isolating_behaviour"}' in payloads


def test_bare_tell_more_offers_the_follow_ups_of_the_last_topic():
    messages, events = run_action("tell_more_bare_after_signs")
    assert messages[0]["text"].startswith(first_bubble("ask_which_topic"))
    assert len(messages[-1]["buttons"]) == 9
    assert events == [SlotSet("last_topic", "signs_overview")]


def test_bare_tell_more_without_history_asks_which_topic():
    messages, events = run_action("tell_more_bare_fresh")
    assert messages[0]["text"].startswith(first_bubble("ask_which_topic"))
    assert messages[-1]["buttons"]
    assert events == [SlotSet("last_topic", None)]


@pytest.mark.parametrize("slots, number", [({}, "(tel:911)"), ({"region_client": "GB"}, "(tel:999)"),
                                          ({"region_client": "GB", "region_stated": "AU"}, "(tel:000)")])
def test_a_warning_sign_answer_offers_the_region_line_in_one_sentence(slots, number):
    """Concern: name the sign, and say in one line whom to call if it ever frightens."""
    from actions.actions import ActionCheckBehaviour

    state = json.loads((FIXTURES / "trackers" / "ask_signs.json").read_text())
    state["latest_message"]["text"] = "my boyfriend goes through my phone every night"
    state["slots"] = {**state.get("slots", {}), **slots}
    dispatcher = CollectingDispatcher()
    ActionCheckBehaviour().run(dispatcher, Tracker.from_dict(state), domain={})
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert "That sounds like" in text and number in text and "{" not in text
    assert all(m["custom"]["kind"] == "sign_check" for m in dispatcher.messages)
