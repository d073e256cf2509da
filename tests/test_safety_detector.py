"""The deterministic safety net (bot/nlu/safety.py + bot/safety/*.yml).

Fast: no Rasa server or trained model, only the spaCy matcher.
"""
import random
from collections import Counter

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.evaluation.safety import NONE, load_examples, net_prediction
from bot.nlu.safety import PRIORITY, default_detector, expand
from bot.paths import REPO_ROOT


def label(text: str) -> str:
    finding = default_detector().detect(text)
    return finding.label if finding else NONE


CRISES = {
    "immediate_danger": [
        "he's banging on the door rn and says he'll kill me",
        "my boyfriend is strangling me help",
        "HELP HE IS HITTING ME",
        "my husband is beating me up right now",
        "someone please call 999 he's trying to break in",
        "i locked myself in the toilet, he's screaming outside",
        "my dad is hurting my mum right now",          # third person
        "hes got a knife and hes in the kitchen",      # no apostrophe
        "im hiding under the bed from him",
    ],
    "self_harm": [
        "i want to kill myself",
        "i wanna die",
        "kms",
        "thinking of ending it all tonight",
        "i dont want to be alive anymore",
        "i took a whole bottle of paracetamol",
        "I'm going to top myself",
        "i'm going to unalive myself",
        "im sucidal",                                  # typo
        "everyone would be better off if i was dead",
        "my girlfriend says she wants to kill herself",
        "been thinking about sewerslide a lot",
        "i've been cutting again",
    ],
    "high_danger": [
        "he choked me last night",
        "he put his hands around my neck",
        "my boyfriend strangeled me during a fight",    # typo
        "he threatened me with a knife last week",
        "he said he'd kill me if i left",
        "he hit me while i was pregnant",
        "my ex keeps turning up at my work since we broke up",
        "he says he'll kill himself if i leave him",   # a threat, not his crisis
        "he tried to drown me in the bath",
        "my sister's husband has a gun and says he'll use it on her",
    ],
    "sexual_violence": [
        "i was raped at a party",
        "i was sa'd last year",
        "my boss groped me",
        "he sent my nudes to his friends",
        "someone spiked my drink and i woke up naked",
        "he keeps pressuring me into sex",
        "my uncle molested me",
        "he touched me while i was asleep",
        "he won't use a condom even when i say no",
        "MY EX IS THREATENING TO POST MY NUDES",
    ],
    "abuse": [
        "my husband hits me",
        "he slapped me across the face",
        "hubby decked me",
        "he won't let me see my friends",
        "he takes my bank card and gives me an allowance",
        "he goes through my phone every day and screams if i delete anything",
        "he calls me a worthless bitch",
        "i'm scared of my husband",
        "my friend's boyfriend keeps laying into her",
        "he threw a plate at me",
        "he makes me ask permission to leave the house",
        "she doesnt let me have my own money",
    ],
}

IDIOMS = [
    "i could kill for a coffee",
    "that movie killed me",
    "my boss is killing me with deadlines",
    "dying to see you",
    "hit me up later",
    "choked on my drink",
    "we bought a nerf gun for the kids",
    "shoot me a text when you land",
    "we fight about the dishes",
    "my mum will kill me when she sees my grades",
    "i'm dead tired",
    "my boyfriend threw me a surprise party",
    "i'm going to jump in the pool",
    "hang on a minute",
    "he pushed me to apply for the job",
    "she beat me at chess",
    "i cut my hand making dinner",
    "he's driving me crazy",
    "he bought me a knife set",
    "i could strangle him, he forgot the milk again lol",
    "i'm drowning in work",
    "we haven't had sex in months, is that normal",
    "what does coercive control mean",
    "i've overdosed on chocolate this week",
]


@pytest.mark.parametrize(
    "expected,text", [(cls, text) for cls, texts in CRISES.items() for text in texts]
)
def test_each_class_fires_on_typical_phrasings(expected, text):
    assert label(text) == expected


@pytest.mark.parametrize("text", IDIOMS)
def test_everyday_idioms_are_not_crises(text):
    assert label(text) == NONE


# What the net reaches on tests/eval/safety_set.yml, less a small margin.
MIN_RECALL = {
    "immediate_danger": 0.95,
    "self_harm": 0.95,
    "high_danger": 0.95,
    "sexual_violence": 0.90,
    "abuse": 0.95,
}
MIN_ROUTED = 0.97
MAX_FALSE_POSITIVES = 0.02


def test_eval_set_recall_and_false_positives():
    examples = load_examples()
    predictions = [net_prediction(e.text) for e in examples]
    total = Counter(e.label for e in examples)
    right = Counter(e.label for e, p in zip(examples, predictions) if p == e.label)
    routed = Counter(e.label for e, p in zip(examples, predictions) if p != NONE)
    for cls in PRIORITY:
        assert right[cls] / total[cls] >= MIN_RECALL[cls], cls
        assert routed[cls] / total[cls] >= MIN_ROUTED, cls
    assert (routed[NONE] / total[NONE]) <= MAX_FALSE_POSITIVES


def every_message_we_have():
    """The evaluation set, the training data, the phrasings above, and long
    messages made of three of them."""
    texts = [e.text for e in load_examples()] + IDIOMS
    texts += [t for phrasings in CRISES.values() for t in phrasings]
    texts += [m.get("text") for m in load_data(str(REPO_ROOT / "data" / "nlu")).training_examples]
    mixer = random.Random(7)
    return texts + [" ".join(mixer.sample(texts, 3)) for _ in range(1000)]


def test_the_rule_index_never_changes_a_finding():
    """Running only the patterns the index finds possible gives the finding that
    running every pattern gives."""
    detector = default_detector()
    for text in every_message_we_have():
        assert detector.assess(text) == detector._finding(detector._parse(text)), text


def test_the_rule_index_spares_most_benign_messages_the_matcher():
    detector = default_detector()
    benign = [e.text for e in load_examples() if e.label == NONE]
    spared = [t for t in benign if not detector.could_find(detector.possible_patterns(t))]
    assert len(spared) > 0.6 * len(benign)


# Found in review: everyday exceptions must not swallow real crises, and new
# rules must not fire on ordinary sentences.
REVIEW_CRISES = [
    "he choked me out last night", "i got beaten by my boyfriend", "i got battered last night by him",
    "he will kill me if i'm late home again", "he'll strangle me if i touch his phone",
    "my dad said he would kill me", "my mum's boyfriend is going to kill me",
    "when the baby cries he hits me", "he watches football then beats me", "I'm not safe",
    "no i'm not safe", "he raped me and i want to die", "my husband outside with gun",
    "My wife beat me for 6 years. I am standing on the balcony now.",
]
REVIEW_ORDINARY = [
    "I have to leave now, thanks", "gotta run now", "I'm going for my driving test",
    "he's breaking up with me", "he's throwing up", "i'm stuck in my room revising",
    "he came home with a bottle in his hand", "should I tell him i'm sorry?", "thanks for everything, bye",
    "what's the easiest way to tell him", "I'm at the platform now", "my notes are done for the exam",
    "I broke up with him so I won't have to see him anymore", "i banged my head on the door",
    "i hope i never see him again", "he said petrol is too expensive", "he left his glass on the table again",
    "he cleaned the knives after dinner", "we're going in the sea tomorrow",
    "since we broke up i can't find my keys", "i took it off", "I sent a photo to the group chat",
    "she shared a video of me singing", "it really touched me when he said sorry", "my toddler got into my bed",
    "when i was a kid my brother and i did everything together", "i took my medication this morning",
    "i broke my glasses", "i didn't fall asleep till 3am", "I called him it went to voicemail",
    "i changed my phone passcode", "i check my phone every five minutes", "the baby is on a schedule",
    "I broke my leg so I can't drive", "I checked the receipts",
    "i've got a plan for how to raise it with him", "we set a date for the wedding",
]


@pytest.mark.parametrize("text", REVIEW_CRISES)
def test_everyday_exceptions_never_swallow_a_crisis(text):
    assert default_detector().detect(text) is not None, text


@pytest.mark.parametrize("text", REVIEW_ORDINARY)
def test_ordinary_sentences_raise_nothing(text):
    assert default_detector().assess(text) is None, text


@pytest.mark.parametrize("pattern", ["(a (b|c)|d) e", "(a|b e", "a|b) e"])
def test_a_pattern_with_nested_or_unbalanced_groups_is_refused(pattern):
    # a nested group never matches, so a rule written that way would be silently dead
    with pytest.raises(ValueError):
        expand(pattern)
