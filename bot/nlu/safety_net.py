"""Rasa NLU component: the safety net has the last word on the intent.

Runs last in the NLU pipeline. When the deterministic detector
(bot/nlu/safety.py) finds a crisis, the message gets that crisis intent with
confidence 1.0, whatever was predicted: a message about danger, abuse or
self-harm must never fall through to an FAQ or a fallback.

Self-harm found together with abuse or danger gets a combined intent, whose
rule gives both sets of resources.

When the detector finds an ambiguous cue ("tired of living like this", "he's
here"), the message gets a check-in intent: the assistant asks directly ("Are
you safe right now?") with buttons to the crisis reply, as crisis lines do.

When the detector finds nothing, a crisis intent of the classifier alone is
kept only if it is confident and the message uses crisis vocabulary outside an
everyday idiom; a less confident one (the uncertain middle) becomes a check-in;
below that the next intent of the ranking stands (the classifier alone
mistakes everyday talk such as "i'm dying to know how it ends" for a crisis far
too often: docs/safety-regression.md).
"""
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.safety import CHECK_INS, PRIORITY, SafetyDetector, SafetyFinding, default_detector

INTENT_PREFIX = "safety_"
FALLBACK_INTENT = "nlu_fallback"
COMBINED = "_and_"
# Self-harm with any of these gets both sets of resources, and so does
# immediate danger with self-harm (data/rules/safety.yml).
WITH_SELF_HARM = ("high_danger", "sexual_violence", "abuse")


def crisis_of(intent_name: Optional[str]) -> Optional[str]:
    """The most urgent crisis class an intent stands for, or None."""
    if intent_name and intent_name.startswith(INTENT_PREFIX):
        label = intent_name[len(INTENT_PREFIX):].split(COMBINED)[0]
        return label if label in PRIORITY else None
    return None


def intent_for(finding: SafetyFinding) -> str:
    """The intent of a finding: its class, a combination, or a check-in."""
    if not finding.crisis:
        return finding.label
    if finding.label == "self_harm" and set(finding.also) & set(WITH_SELF_HARM):
        return f"{INTENT_PREFIX}self_harm{COMBINED}abuse"
    if finding.label == "immediate_danger" and "self_harm" in finding.also:
        return f"{INTENT_PREFIX}immediate_danger{COMBINED}self_harm"
    return INTENT_PREFIX + finding.label


def check_in_for(crisis: str) -> str:
    return "check_in_self_harm" if crisis == "self_harm" else "check_in_danger"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyNet(RuleBasedComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # a crisis intent from the classifier alone needs this confidence
            "classifier_threshold": 0.9,
            # from here up to classifier_threshold it asks instead (a check-in)
            "check_in_threshold": 0.6,
            # below this, a demoted message gets the fallback reply
            "fallback_threshold": 0.45,
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "SafetyNet":
        return cls(
            default_detector(), config["classifier_threshold"], config["fallback_threshold"],
            config["check_in_threshold"],
        )

    def __init__(
        self, detector: SafetyDetector, classifier_threshold: float, fallback_threshold: float,
        check_in_threshold: float = 1.0,
    ) -> None:
        self._detector = detector
        self._classifier_threshold = classifier_threshold
        self._fallback_threshold = fallback_threshold
        self._check_in_threshold = check_in_threshold

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get("text")
            if text:
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        finding = self._detector.assess(text)
        if finding is not None:
            self._set_intent(message, {"name": intent_for(finding), "confidence": 1.0})
            return
        predicted = message.get("intent") or {}
        crisis = crisis_of(predicted.get("name"))
        if not crisis and predicted.get("name") not in CHECK_INS:
            return
        confidence = predicted.get("confidence", 0.0)
        crisis_words = self._detector.has_crisis_words(text)
        if crisis and confidence >= self._classifier_threshold and crisis_words:
            return
        if confidence >= self._check_in_threshold and crisis_words:
            self._set_intent(message, {"name": check_in_for(crisis) if crisis else predicted["name"],
                                       "confidence": confidence})
            return
        self._set_intent(message, self._next_non_crisis(message))

    def _next_non_crisis(self, message: Message) -> Dict[str, Any]:
        ranking = [
            r for r in message.get("intent_ranking", [])
            if not crisis_of(r.get("name")) and r.get("name") not in CHECK_INS
        ]
        if ranking and ranking[0].get("confidence", 0.0) >= self._fallback_threshold:
            return {"name": ranking[0]["name"], "confidence": ranking[0]["confidence"]}
        return {"name": FALLBACK_INTENT, "confidence": 1.0}

    @staticmethod
    def _set_intent(message: Message, intent: Dict[str, Any]) -> None:
        ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != intent["name"]]
        message.set("intent", intent, add_to_output=True)
        message.set("intent_ranking", [intent] + ranking, add_to_output=True)
