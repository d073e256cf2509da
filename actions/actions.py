"""The rasa-sdk action server: thin wrappers around bot/."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import answer_turn
from bot.content_model import default_library


class ActionAnswerTopic(Action):
    """Answers a topic question or a 'tell me more' from the curated content."""

    def name(self) -> Text:
        return "action_answer_topic"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        answer = answer_turn(
            default_library(),
            intent=message.get("intent", {}).get("name"),
            named_item_ids=[e.get("value") for e in message.get("entities", [])],
            last_topic=tracker.get_slot("last_topic"),
        )
        for bubble in answer.messages:
            dispatcher.utter_message(**bubble)
        return [SlotSet("last_topic", answer.topic)]
