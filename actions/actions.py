"""The rasa-sdk action server: thin wrappers around bot/."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import answer_question, behaviour_answer
from bot.behaviour import default_matcher
from bot.content_model import default_library
from bot.nlu.safety import default_detector
from bot.crisis import fill
from bot.quiz import default_quiz, result_messages
from bot.render import KIND
from bot.resources import CLIENT_SLOT, STATED_SLOT, configured_default_region, region_for, resources_for

DEFAULT_REGION = configured_default_region()
# domain.yml: the crisis family already shown in this conversation
CRISIS_SEEN_SLOT = "crisis_seen"

DomainDict = Dict[Text, Any]
Events = List[Dict[Text, Any]]


def utter(dispatcher: CollectingDispatcher, message: Dict[Text, Any], region: Optional[Text] = None) -> None:
    """Fills the region's contacts into the text ({safety_line}); rasa-sdk
    takes a message's `custom` part (its kind) as `json_message`."""
    message = dict(message)
    if "{" in str(message.get("text", "")):
        message["text"] = fill(str(message["text"]), resources_for(region))
    dispatcher.utter_message(json_message=message.pop(KIND, None), **message)


def utter_all(dispatcher: CollectingDispatcher, messages: List[Dict[Text, Any]], tracker: Tracker) -> None:
    region = region_for(tracker.get_slot(STATED_SLOT), tracker.get_slot(CLIENT_SLOT), DEFAULT_REGION)
    for message in messages:
        utter(dispatcher, message, region)


def keep_crisis_numbers_in_view(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After a crisis reply in this conversation, an answer ends with the
    numbers again (a domain response, so the Rasa server fills the region's)."""
    seen = tracker.get_slot(CRISIS_SEEN_SLOT)
    if seen:
        dispatcher.utter_message(response=f"utter_crisis_reminder_{seen}")


def cleared_quiz_answers() -> Events:
    return [SlotSet(slot, None) for slot in default_quiz().slots] + [SlotSet("requested_slot", None)]


class ActionAnswerTopic(Action):
    """Answers a topic question or a 'tell me more' from the curated content."""

    def name(self) -> Text:
        return "action_answer_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        message = tracker.latest_message
        answer = answer_question(
            default_library(),
            default_matcher(),
            intent=message.get("intent", {}).get("name"),
            text=message.get("text") or "",
            named_item_ids=[e.get("value") for e in message.get("entities", [])],
            last_topic=tracker.get_slot("last_topic"),
        )
        utter_all(dispatcher, answer.messages, tracker)
        keep_crisis_numbers_in_view(dispatcher, tracker)
        return [SlotSet("last_topic", answer.topic)]


class ActionCheckBehaviour(Action):
    """'Is this a warning sign?': names the matching sign, or says it sounds
    healthy, or asks which is closest. A crisis goes to the crisis reply."""

    def name(self) -> Text:
        return "action_check_behaviour"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        text = tracker.latest_message.get("text") or ""
        crisis = default_detector().detect(text)
        if crisis is not None:
            dispatcher.utter_message(response=f"utter_crisis_{crisis.label}")
            return []
        answer = behaviour_answer(default_matcher().assess(text), default_library())
        utter_all(dispatcher, answer.messages, tracker)
        keep_crisis_numbers_in_view(dispatcher, tracker)
        return [SlotSet("last_topic", answer.topic)]


class ActionQuizResult(Action):
    """Explains what the quiz answers suggest, then forgets them."""

    def name(self) -> Text:
        return "action_quiz_result"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        quiz = default_quiz()
        result = quiz.result({slot: tracker.get_slot(slot) for slot in quiz.slots})
        utter_all(dispatcher, result_messages(result, quiz, default_library()), tracker)
        return cleared_quiz_answers()


class ActionResetQuiz(Action):
    """Clears every answer (stop, restart, or a crisis in the middle)."""

    def name(self) -> Text:
        return "action_reset_quiz"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        return cleared_quiz_answers()


def _question_asker(slot: Text) -> type:
    """`action_ask_<slot>`: the form asks each quiz question through one of these."""

    class AskQuizQuestion(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
            utter(dispatcher, default_quiz().question_message(slot))
            return []

    AskQuizQuestion.__name__ = f"AskQuizQuestion_{slot}"
    return AskQuizQuestion


QUESTION_ASKERS = [_question_asker(slot) for slot in default_quiz().slots]

# Built at import, before the server answers /health, rather than on the first
# message that needs them: building took ~6.5 s, and the first behaviour check
# after a start waited for it against the Rasa server's 8 s action timeout.
default_library()
default_detector()
default_matcher()
