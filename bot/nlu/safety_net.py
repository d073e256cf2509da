"""Rasa NLU component: the safety net has the last word on the intent.

Runs last in the NLU pipeline and decides, in this order:
1. The deterministic detector (bot/nlu/safety.py) finds a crisis: that crisis
   intent, whatever was predicted. A message about danger, abuse or self-harm
   must never fall through to an FAQ or a fallback. Self-harm found together
   with abuse or danger gets a combined intent, whose rule gives both sets of
   resources.
2. The learnt crisis classifier (bot/nlu/crisis_classifier.py) is confident
   (`crisis_threshold`): its crisis intent.
3. The detector finds an ambiguous cue ("tired of living like this", "he's
   here"), or the classifier is in the uncertain middle (`check_in_threshold`):
   a check-in intent, so the assistant asks directly ("Are you safe right
   now?") with buttons to the crisis reply, as crisis lines do.
4. Otherwise a crisis intent of the intent classifier (DIET) alone is not
   trusted (it mistakes everyday talk such as "i'm dying to know how it ends"
   for a crisis far too often): the next intent of its ranking stands, or the
   fallback.
"""
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_based import RuleBasedComponent
from bot.nlu.crisis_classifier import OUTPUT as LEARNT
from bot.nlu.safety import (
    CHECK_IN_INTENTS, COMBINED, INTENT_PREFIX, SafetyDetector, SafetyFinding, crisis_of,
    default_detector,
)

FALLBACK_INTENT = "nlu_fallback"
# Self-harm with any of these gets both sets of resources, and so does
# immediate danger with self-harm (data/rules/safety.yml).
WITH_SELF_HARM = ("high_danger", "sexual_violence", "abuse")


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
    """The question to ask about a class the assistant is unsure of."""
    if crisis == "self_harm":
        return "check_in_self_harm"
    return "check_in_danger" if crisis == "immediate_danger" else "check_in_abuse"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyNet(RuleBasedComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # the learnt classifier's crisis probability for a crisis reply
            "crisis_threshold": 0.8,
            # from here up to crisis_threshold the assistant asks (a check-in)
            "check_in_threshold": 0.5,
            # below this, a demoted message gets the fallback reply
            "fallback_threshold": 0.45,
        }

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "SafetyNet":
        return cls(
            default_detector(), config["crisis_threshold"], config["check_in_threshold"],
            config["fallback_threshold"],
        )

    def __init__(
        self, detector: SafetyDetector, crisis_threshold: float, check_in_threshold: float,
        fallback_threshold: float,
    ) -> None:
        self._detector = detector
        self._crisis_threshold = crisis_threshold
        self._check_in_threshold = check_in_threshold
        self._fallback_threshold = fallback_threshold

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get("text")
            if text:
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        finding = self._detector.assess(text)
        if finding is not None and finding.crisis:
            self._set_intent(message, {"name": intent_for(finding), "confidence": 1.0})
            return
        learnt = message.get(LEARNT) or {}
        probability = learnt.get("crisis_probability") or 0.0
        label = learnt.get("label") or "abuse"
        if probability >= self._crisis_threshold:
            self._set_intent(message, {"name": INTENT_PREFIX + label, "confidence": probability})
        elif finding is not None:
            self._set_intent(message, {"name": finding.label, "confidence": 1.0})
        elif probability >= self._check_in_threshold:
            self._set_intent(message, {"name": check_in_for(label), "confidence": probability})
        else:
            predicted = (message.get("intent") or {}).get("name")
            if crisis_of(predicted) or predicted in CHECK_IN_INTENTS:
                self._set_intent(message, self._next_non_crisis(message))

    def _next_non_crisis(self, message: Message) -> Dict[str, Any]:
        ranking = [
            r for r in message.get("intent_ranking", [])
            if not crisis_of(r.get("name")) and r.get("name") not in CHECK_IN_INTENTS
        ]
        if ranking and ranking[0].get("confidence", 0.0) >= self._fallback_threshold:
            return {"name": ranking[0]["name"], "confidence": ranking[0]["confidence"]}
        return {"name": FALLBACK_INTENT, "confidence": 1.0}

    @staticmethod
    def _set_intent(message: Message, intent: Dict[str, Any]) -> None:
        ranking = [r for r in message.get("intent_ranking", []) if r.get("name") != intent["name"]]
        message.set("intent", intent, add_to_output=True)
        message.set("intent_ranking", [intent] + ranking, add_to_output=True)
