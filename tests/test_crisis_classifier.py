"""The learnt crisis classifier and the safety net's decision order."""
from typing import Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.crisis_classifier import OUTPUT, CrisisClassifier, label_of_intent, read_labelled_set
from bot.nlu.safety import default_detector
from bot.nlu.safety_net import SafetyNet

CRISIS = ["he hits me every night", "my husband beats me", "she punches me when she's drunk",
          "i want to end my life", "i'm going to take all my pills tonight", "i don't want to be alive"]
BENIGN = ["what are the signs of a power imbalance", "how do i talk to my partner about chores",
          "we argue about money sometimes", "my team got beaten at football", "what causes it",
          "is it normal to disagree about holidays"]


def training_data() -> TrainingData:
    intents = ["safety_abuse"] * 3 + ["safety_self_harm"] * 3 + ["ask_signs"] * 6
    return TrainingData([Message(data={"text": t, "intent": i}) for t, i in zip(CRISIS + BENIGN, intents)])


@pytest.fixture(scope="module")
def storage(tmp_path_factory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("storage"))


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_trains_stores_and_loads_with_the_model(storage):
    resource = Resource("crisis_classifier")
    config = {**CrisisClassifier.get_default_config(), "features": 2 ** 12}
    CrisisClassifier.create(config, storage, resource, context()).train(training_data())
    loaded = CrisisClassifier.load(config, storage, resource, context())
    [abuse, benign] = loaded.predict(["my husband beats me at night", "how do we talk about chores"])
    assert abuse["label"] == "abuse" and abuse["crisis_probability"] > benign["crisis_probability"]
    [message] = loaded.process([Message(data={"text": "he hits me"})])
    assert 0.0 <= message.get(OUTPUT)["crisis_probability"] <= 1.0


def test_an_untrained_classifier_says_nothing(storage):
    empty = CrisisClassifier.load(CrisisClassifier.get_default_config(), storage, Resource("none"), context())
    assert empty.predict(["he hits me"]) == [{"label": "none", "crisis_probability": None}]


def test_labels_come_from_safety_intents_and_labelled_sets():
    assert label_of_intent("safety_self_harm_and_abuse") == "self_harm"
    assert label_of_intent("ask_signs") == label_of_intent(None) == "none"
    labels = {label for _, label in read_labelled_set("tests/eval/safety_set.yml")}
    assert labels == {"none", "immediate_danger", "self_harm", "high_danger", "sexual_violence", "abuse"}


def decide(text: str, probability: Optional[float], label: str = "abuse", intent: str = "ask_signs",
           label_probability: float = 0.0) -> str:
    config = SafetyNet.get_default_config()
    net = SafetyNet.from_config(config, default_detector())
    learnt = {"label": label, "label_probability": label_probability, "crisis_probability": probability}
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8},
                                               {"name": "ask_causes", "confidence": 0.1}],
                            OUTPUT: learnt})
    net.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text, probability, label, intent, expected", [
    # the net's finding of immediate danger or self-harm stands unless, in a
    # message of more than eight words, the classifier all but rules it out
    ("he's got a knife and he's coming up the stairs", 0.12, "abuse", "ask_signs", "safety_immediate_danger"),
    ("he's got a knife and he's coming up the stairs", 0.02, "abuse", "ask_signs", "check_in_danger"),
    ("i want to kill myself", 0.0, "self_harm", "ask_signs", "safety_self_harm"),
    # without a trained classifier the net stands alone
    ("he's got a knife and he's coming up the stairs", None, "none", "ask_signs", "safety_immediate_danger"),
    ("he strangled me last year", None, "none", "ask_signs", "safety_high_danger"),
    # a short one the classifier gives some weight
    ("he strangled me last year", 0.15, "abuse", "ask_signs", "safety_high_danger"),
    # high danger, sexual violence or abuse that the classifier finds unlikely: asked
    ("he strangled me last year", 0.05, "abuse", "ask_signs", "check_in_abuse"),
    ("playing Among Us with my sister and she keeps murdering me in electrical every single game",
     0.2, "abuse", "ask_signs", "check_in_abuse"),
    ("playing Among Us with my sister and she keeps murdering me in electrical every single game",
     0.45, "abuse", "ask_signs", "safety_high_danger"),
    # abuse made immediate only by "tonight": asked whether they are safe now;
    # a high-danger sign happening now stands
    ("my brother punched me in the arm for a joke tonight, the idiot", 0.06, "abuse",
     "ask_signs", "check_in_danger"),
    ("he choked me in the kitchen tonight and then went out", 0.15, "abuse",
     "ask_signs", "safety_immediate_danger"),
    # framed as work: even immediate danger needs the classifier's agreement
    ("I'm a paramedic and tonight a man was lunging at me with a broken bottle outside the pub",
     0.05, "immediate_danger", "ask_signs", "check_in_danger"),
    # a confident classifier gives the crisis reply (0.7 and up)
    ("things at home are rough, he went for me again", 0.95, "abuse", "ask_signs", "safety_abuse"),
    # the uncertain middle asks, with the question for the class
    ("things are rough at home", 0.6, "abuse", "ask_signs", "check_in_abuse"),
    ("i'm so done with all of it", 0.6, "self_harm", "ask_signs", "check_in_self_harm"),
    # a cue the net asks about
    ("tired of living like this", 0.1, "self_harm", "ask_signs", "check_in_self_harm"),
    # below both: the intent classifier's answer, and its crisis guesses are not trusted alone
    ("what causes a power imbalance", 0.1, "abuse", "ask_causes", "ask_causes"),
    ("i'm dying to know how it ends", 0.2, "self_harm", "safety_self_harm", "nlu_fallback"),
])
def test_the_safety_net_decides_in_order(text, probability, label, intent, expected):
    assert decide(text, probability, label, intent) == expected


LETTER = (
    "We have been married nineteen years and I love him, but he has always had a temper. " * 8
    + "Years ago he strangled me once during a row and I still think about it."
)


def test_a_letter_length_message_needs_more_agreement_for_a_finding_to_stand():
    """A letter retells a story: a high-danger phrase in 150 words or more
    needs 0.6, not 0.4; self-harm is not held back."""
    assert len(LETTER.split()) >= SafetyNet.get_default_config()["long_message_words"]
    assert decide(LETTER, 0.5) == "check_in_abuse"
    assert decide(LETTER, 0.65) == "safety_high_danger"
    assert decide("he strangled me once during a row years ago and I still think about it", 0.5) \
        == "safety_high_danger"
    assert decide(LETTER + " Some nights I want to kill myself.", 0.3).startswith("safety_self_harm")


STORY = "We met at college and moved in together after a year, and mostly it has been fine. " * 10


def test_a_letter_length_message_needs_a_surer_classifier_for_a_crisis_reply_on_its_own():
    """With no finding, a message of 150 words or more needs 0.9 for the
    crisis reply (a letter's one alarming phrase is often past or someone
    else's); a shorter one needs 0.7. Between, the check-in asks."""
    assert len(STORY.split()) >= SafetyNet.get_default_config()["long_message_words"]
    assert decide(STORY, 0.85, "abuse") == "check_in_abuse"
    assert decide(STORY, 0.92, "abuse") == "safety_abuse"
    assert decide("things at home have been rough lately", 0.75, "abuse") == "safety_abuse"


def test_self_harm_and_the_classifier_s_other_class_get_both_sets_of_resources():
    """The detector reads self-harm, the classifier abuse (or the other way
    round): the combined reply, whose rule gives both."""
    text = "i cut myself again last night"
    assert decide(text, 0.9, "abuse", label_probability=0.6) == "safety_self_harm_and_abuse"
    assert decide(text, 0.9, "abuse", label_probability=0.2) == "safety_self_harm"
    assert decide(text, 0.9, "immediate_danger", label_probability=0.6) == "safety_immediate_danger_and_self_harm"


def test_the_linear_scorer_gives_sklearn_s_probabilities():
    """The fast path computes exactly what the fitted pipeline would."""
    import numpy as np

    from bot.nlu.crisis_classifier import LinearScorer, build_pipeline

    data = training_data()
    pipeline = build_pipeline(10.0, 2 ** 12).fit(
        [m.get("text") for m in data.intent_examples],
        [label_of_intent(m.get("intent")) for m in data.intent_examples],
    )
    scorer = LinearScorer.of(pipeline)
    assert isinstance(scorer, LinearScorer)
    texts = CRISIS + BENIGN + ["", "😭😭", "he HITS me!!", "x" * 5000, "zzzz qqq"]
    assert np.allclose(scorer.predict_proba(texts), pipeline.predict_proba(texts), atol=1e-9)
