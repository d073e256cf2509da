"""Rasa NLU component: the safety net has the last word on the intent.

Runs last in the NLU pipeline. When the deterministic detector
(bot/nlu/safety.py) finds a crisis, the message gets that crisis intent with
confidence 1.0, whatever was predicted: a message about danger, abuse or
self-harm must never fall through to an FAQ or a fallback.

When the detector finds nothing, a crisis intent of the classifier alone is
kept only if it is confident and the message uses crisis vocabulary outside an
everyday idiom; otherwise the next intent of the ranking stands (measured in
docs/safety-evaluation.md: the classifier alone mistakes everyday talk such as
"i'm dying to know how it ends" for a crisis far too often).
"""
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.safety import PRIORITY, SafetyDetector, default_detector

INTENT_PREFIX = "safety_"
FALLBACK_INTENT = "nlu_fallback"


def crisis_of(intent_name: Optional[str]) -> Optional[str]:
    if intent_name and intent_name.startswith(INTENT_PREFIX):
        label = intent_name[len(INTENT_PREFIX):]
        return label if label in PRIORITY else None
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyNet(RuleBasedComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # a crisis intent from the classifier alone needs this confidence
            "classifier_threshold": 0.9,
            # below this, a demoted message gets the fallback reply
            "fallback_threshold": 0.45,
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "SafetyNet":
        return cls(default_detector(), config["classifier_threshold"], config["fallback_threshold"])

    def __init__(
        self, detector: SafetyDetector, classifier_threshold: float, fallback_threshold: float
    ) -> None:
        self._detector = detector
        self._classifier_threshold = classifier_threshold
        self._fallback_threshold = fallback_threshold

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get("text")
            if text:
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        finding = self._detector.detect(text)
        if finding is not None:
            self._set_intent(message, {"name": INTENT_PREFIX + finding.label, "confidence": 1.0})
            return
        predicted = message.get("intent") or {}
        if not crisis_of(predicted.get("name")):
            return
        if predicted.get("confidence", 0.0) >= self._classifier_threshold and (
            self._detector.has_crisis_words(text)
        ):
            return
        self._set_intent(message, self._next_non_crisis(message))

    def _next_non_crisis(self, message: Message) -> Dict[str, Any]:
        ranking = [r for r in message.get("intent_ranking", []) if not crisis_of(r.get("name"))]
        if ranking and ranking[0].get("confidence", 0.0) >= self._fallback_threshold:
            return {"name": ranking[0]["name"], "confidence": ranking[0]["confidence"]}
        return {"name": FALLBACK_INTENT, "confidence": 1.0}

    @staticmethod
    def _set_intent(message: Message, intent: Dict[str, Any]) -> None:
        ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != intent["name"]]
        message.set("intent", intent, add_to_output=True)
        message.set("intent_ranking", [intent] + ranking, add_to_output=True)
