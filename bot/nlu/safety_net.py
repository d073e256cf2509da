"""Rasa NLU component: the safety net has the last word on the intent.

Runs last in the NLU pipeline and decides, in this order:
1. The deterministic detector (bot/nlu/safety.py) finds a crisis: that crisis
   intent, whatever was predicted. A message about danger, abuse or self-harm
   must never fall through to an FAQ or a fallback. Self-harm found together
   with abuse or danger gets a combined intent, whose rule gives both sets of
   resources. Immediate danger and self-harm always stand; a finding of high
   danger, sexual violence or abuse (also one made immediate only by a word
   such as "tonight") that the learnt classifier finds unlikely
   (`net_confirm_threshold`) gets the check-in question instead, with the
   numbers. Chosen on blind batches 4 and 5, each scored by a classifier not
   trained on it: crisis replies to near-misses (a DnD villain, "she keeps
   murdering me in Among Us") fell from 19.6% to 5.7%, and 0.4% of the
   crisis messages got the check-in instead of the crisis reply. Any other
   finding in a message longer than `short_message_words` that the classifier
   all but rules out (`net_doubt_threshold`, "best way to kill weeds without
   hurting the dog") gets the check-in too. When one side reads self-harm and
   the other a different crisis class (`learnt_also_threshold`), the reply
   gives both classes' resources.
2. The learnt crisis classifier (bot/nlu/crisis_classifier.py) is confident
   (`crisis_threshold`; `long_crisis_threshold` in a letter-length message):
   its crisis intent.
3. The detector finds an ambiguous cue ("tired of living like this", "he's
   here"), or the classifier is in the uncertain middle (`check_in_threshold`):
   a check-in intent, so the assistant asks directly ("Are you safe right
   now?") with buttons to the crisis reply, as crisis lines do.
4. Otherwise a crisis intent of the intent classifier (DIET) alone is not
   trusted (it mistakes everyday talk such as "i'm dying to know how it ends"
   for a crisis far too often): the next intent of its ranking stands, or the
   fallback.

The rulebook is read and compiled at training and stored in the model, as
spaCy's entity ruler stores its patterns: a model carries exactly the rules it
was evaluated with, and changing a rule takes effect at the next `make train`.
"""
import json
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.crisis_classifier import OUTPUT as LEARNT
from bot.nlu.rulebook import Rulebook, read_rulebook, rulebook_files
from bot.yaml_files import files_digest
from bot.nlu.safety import (
    CHECK_IN_INTENTS, COMBINED, INTENT_PREFIX, PRIORITY, SafetyDetector, SafetyFinding, crisis_of, install,
)

RULEBOOK_FILE = "rulebook.json"
# Metadata the channel sets (and strips from clients) on a window of an
# overlong or rate-limited message in which its detector found a crisis.
SCANNED_EXCERPT = "safety_excerpt"

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


@dataclass(frozen=True)
class NetConfirmation:
    """When a detector finding needs the learnt classifier's agreement."""

    threshold: float = 0.0
    classes: Tuple[str, ...] = ()
    short_message_words: int = 0
    short_threshold: float = 0.0
    # any finding in a message longer than short_message_words, when the
    # classifier all but rules it out ("best way to kill weeds on the patio
    # without hurting the dog?": 0.07)
    doubt_threshold: float = 0.0
    # a letter-length message retells a story: its alarming phrases are often
    # past or someone else's, so a finding that needs confirming needs more
    long_message_words: int = 0
    long_threshold: float = 0.0

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "NetConfirmation":
        return cls(
            config["net_confirm_threshold"], tuple(config["net_confirms"]),
            config["short_message_words"], config["short_confirm_threshold"],
            config["net_doubt_threshold"], config["long_message_words"],
            config["long_confirm_threshold"],
        )

    def confirms(self, finding: SafetyFinding, text: str, probability: float) -> bool:
        short = self.is_short(text)
        if self.needs_confirming(finding):
            return probability >= self._confirm_threshold(text, short)
        return short or probability >= self.doubt_threshold

    def may_ask(self, finding: SafetyFinding, text: str) -> bool:
        """Whether the classifier can turn this finding's crisis reply into a check-in."""
        return self.needs_confirming(finding) or not self.is_short(text)

    def _confirm_threshold(self, text: str, short: bool) -> float:
        if short:
            return self.short_threshold
        if self.is_letter(text):
            return max(self.threshold, self.long_threshold)
        return self.threshold

    def is_letter(self, text: str) -> bool:
        """Long enough to retell a story (long_message_words or more)."""
        return bool(self.long_message_words) and len(text.split()) >= self.long_message_words

    def is_short(self, text: str) -> bool:
        return len(text.split()) <= self.short_message_words

    def needs_confirming(self, finding: SafetyFinding) -> bool:
        """Any finding framed as study, fiction or work ("I'm a nurse in ED,
        tonight was a war zone"); high danger, sexual violence or abuse, alone;
        or abuse or sexual violence made immediate only by an urgency word ("my
        brother punched me in the arm for a joke tonight"). Otherwise never
        self-harm, and never a high-danger sign happening now (a knife, and
        he's coming up the stairs): those need only the doubt threshold."""
        if finding.framed:
            return True
        if "self_harm" in (finding.label, *finding.also):
            return False
        if finding.by_urgency:
            return "high_danger" not in finding.also
        return finding.label in self.classes


def with_learnt_class(finding: SafetyFinding, learnt: Dict[str, Any], threshold: float) -> SafetyFinding:
    """Self-harm and another crisis class, one read by the detector and the
    other by the learnt classifier, get both sets of resources: "he's passed
    out drunk but said when he wakes up he's going to slit my throat" reads as
    self-harm to the detector and as immediate danger (1.0) to the classifier."""
    label, probability = learnt.get("label"), learnt.get("label_probability") or 0.0
    classes = (finding.label, *finding.also)
    if label not in PRIORITY or label in classes or probability < threshold:
        return finding
    if "self_harm" not in (*classes, label):
        return finding
    ordered = sorted((*classes, label), key=PRIORITY.index)
    return replace(finding, label=ordered[0], also=tuple(ordered[1:]))


def check_in_for(crisis: str) -> str:
    """The question to ask about a class the assistant is unsure of."""
    if crisis == "self_harm":
        return "check_in_self_harm"
    return "check_in_danger" if crisis == "immediate_danger" else "check_in_abuse"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class SafetyNet(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # the learnt classifier's crisis probability for a crisis reply
            "crisis_threshold": 0.7,
            # ... and in a message of long_message_words or more (a letter
            # retelling a story, whose one alarming phrase is often past or
            # someone else's)
            "long_crisis_threshold": 0.9,
            # from here up to crisis_threshold the assistant asks (a check-in)
            "check_in_threshold": 0.5,
            # below this, a demoted message gets the fallback reply
            "fallback_threshold": 0.45,
            # a detector finding of these classes needs this learnt crisis
            # probability for a crisis reply; below it, a check-in
            "net_confirm_threshold": 0.4,
            "net_confirms": ["high_danger", "sexual_violence", "abuse"],
            # a message this short has little context to make alarming words
            # benign, and the classifier little evidence ("hubby decked me":
            # 0.15): it needs only the lower threshold
            "short_message_words": 8,
            "short_confirm_threshold": 0.1,
            # any finding in a longer message needs at least this, else a
            # check-in: the classifier all but rules it out ("moving house
            # with a toddler, I've locked myself in the bathroom": 0.08)
            "net_doubt_threshold": 0.1,
            # a finding that needs confirming, in a message of at least
            # long_message_words (a letter retelling a story), needs this
            "long_message_words": 150,
            "long_confirm_threshold": 0.6,
            # the classifier's class joins a finding, when one of the two is
            # self-harm, from this probability of that class
            "learnt_also_threshold": 0.3,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The rulebook is read from files, not from the graph."""
        return files_digest(rulebook_files())

    @classmethod
    def create(
        cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyNet":
        return cls.from_config(config, SafetyDetector(read_rulebook()), (model_storage, resource))

    def train(self, training_data: TrainingData) -> Resource:
        """Stores the rulebook the detector was compiled from."""
        model_storage, resource = self._storage
        with model_storage.write_to(resource) as directory:
            (directory / RULEBOOK_FILE).write_text(
                json.dumps(self._detector.rulebook.to_dict()), encoding="utf-8"
            )
        return resource

    @classmethod
    def load(
        cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "SafetyNet":
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / RULEBOOK_FILE).read_text(encoding="utf-8"))
        detector = SafetyDetector(Rulebook.from_dict(stored))
        install(detector)
        return cls.from_config(config, detector)

    @classmethod
    def from_config(
        cls, config: Dict[str, Any], detector: SafetyDetector, storage: Optional[tuple] = None,
    ) -> "SafetyNet":
        return cls(
            detector, config["crisis_threshold"], config["check_in_threshold"],
            config["fallback_threshold"], NetConfirmation.from_config(config), storage,
            config["learnt_also_threshold"],
            config["long_crisis_threshold"],
        )

    def __init__(
        self, detector: SafetyDetector, crisis_threshold: float, check_in_threshold: float,
        fallback_threshold: float, confirmation: Optional[NetConfirmation] = None,
        storage: Optional[tuple] = None, also_threshold: float = 1.0,
        long_crisis_threshold: float = 0.0,
    ) -> None:
        self._detector = detector
        self._storage = storage   # (model storage, resource) where `train` stores the rulebook
        self._crisis_threshold = crisis_threshold
        self._check_in_threshold = check_in_threshold
        self._fallback_threshold = fallback_threshold
        self._confirmation = confirmation or NetConfirmation()
        self._also_threshold = also_threshold
        self._long_crisis_threshold = long_crisis_threshold

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get("text")
            if text:
                self._decide(message, text)
        return messages

    def _decide(self, message: Message, text: str) -> None:
        finding = self._detector.assess(text)
        learnt = message.get(LEARNT) or {}
        # None: no trained classifier in the pipeline, and the net stands alone
        probability = learnt.get("crisis_probability")
        label = learnt.get("label") or "abuse"
        if finding is not None and finding.crisis:
            finding = with_learnt_class(finding, learnt, self._also_threshold)
            if not self._stands(finding, message, text, probability):
                self._set_intent(message, {"name": check_in_for(finding.label), "confidence": 1.0})
            else:
                self._set_intent(message, {"name": intent_for(finding), "confidence": 1.0})
            return
        probability = probability or 0.0
        if probability >= self._learnt_crisis_threshold(text):
            self._set_intent(message, {"name": INTENT_PREFIX + label, "confidence": probability})
        elif finding is not None:
            self._set_intent(message, {"name": finding.label, "confidence": 1.0})
        elif probability >= self._check_in_threshold:
            self._set_intent(message, {"name": check_in_for(label), "confidence": probability})
        else:
            predicted = (message.get("intent") or {}).get("name")
            if crisis_of(predicted) or predicted in CHECK_IN_INTENTS:
                self._set_intent(message, self._next_non_crisis(message))

    def _learnt_crisis_threshold(self, text: str) -> float:
        """The classifier's bar for a crisis reply on its own: higher for a letter."""
        if self._confirmation.is_letter(text):
            return max(self._crisis_threshold, self._long_crisis_threshold)
        return self._crisis_threshold

    def _stands(
        self, finding: SafetyFinding, message: Message, text: str, probability: Optional[float],
    ) -> bool:
        """A crisis finding gets its crisis reply unless the learnt classifier
        doubts it; never when the channel found it in a window of an overlong
        message (the filler around one sentence reads as benign)."""
        if probability is None or (message.get("metadata") or {}).get(SCANNED_EXCERPT):
            return True
        return self._confirmation.confirms(finding, text, probability)

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
