"""The "is this a warning sign?" matcher: fast, no trained model needed."""

import pytest
import yaml

from bot.behaviour import CUES, BehaviourMatcher, default_matcher
from bot.content_model import default_library
from bot.evaluation.behaviour import evaluate, load_examples

# Achieved on tests/eval/behaviour_set.yml when the cues were written (see
# docs/behaviour-evaluation.md), minus a small margin for later cue edits.
MIN_TOP1 = 0.95
MIN_TOP3 = 0.97
MIN_HEALTHY = 0.95
MIN_AMBIGUOUS = 0.9


@pytest.fixture(scope="module")
def matcher() -> BehaviourMatcher:
    return default_matcher()


@pytest.mark.parametrize(
    "text, sign, top_k, context",
    [
        ("my boyfriend goes through my phone every night", "sign_controlling_communication", 1, "partner"),
        ("she gives me an allowance even though I earn half", "sign_one_sided_decisions", 1, None),
        ("he always picks the restaurant", "sign_one_sided_decisions", 1, None),
        ("my friend only ever talks about herself", "sign_lack_of_respect", 3, "friend"),
        ("my manager takes credit for my ideas", "sign_lack_of_respect", 1, "work"),
    ],
)
def test_brief_examples_map_to_their_sign(matcher, text, sign, top_k, context):
    assessment = matcher.assess(text)
    assert sign in [s for s, _ in assessment.signs[:top_k]], assessment
    assert assessment.context == context
    assert not assessment.healthy and not assessment.ambiguous


def test_allowance_is_also_dependence(matcher):
    signs = [s for s, _ in matcher.assess("she gives me an allowance even though I earn half").signs]
    assert "sign_dependence_or_fear" in signs[:3]


@pytest.mark.parametrize(
    "text",
    [
        "we take turns choosing",
        "we decide together how to spend our money",
        "my husband encourages me to see my friends",
        "she respects my boundaries",
        "my boss asks what i think before deciding",
        "we split the chores",
    ],
)
def test_healthy_behaviour_has_no_sign(matcher, text):
    assessment = matcher.assess(text)
    assert assessment.healthy and assessment.signs == () and not assessment.ambiguous


@pytest.mark.parametrize(
    "text", ["he doesn't respect my opinions", "she never asks what i think", "he barely listens to me"]
)
def test_negated_healthy_cues_are_not_healthy(matcher, text):
    assessment = matcher.assess(text)
    assert not assessment.healthy and assessment.signs


def test_strong_sign_outweighs_a_healthy_cue(matcher):
    assessment = matcher.assess("we take turns cooking but he goes through my phone and tracks my location")
    assert not assessment.healthy
    assert assessment.signs[0][0] == "sign_controlling_communication"


@pytest.mark.parametrize("text", ["he's quiet sometimes", "we argue now and then", "", "hello"])
def test_vague_descriptions_are_ambiguous(matcher, text):
    assessment = matcher.assess(text)
    assert assessment.ambiguous and not assessment.healthy


def test_scores_are_positive_best_first_and_known_signs(matcher):
    sign_ids = {i.id for i in default_library().items.values() if i.kind == "sign"}
    assessment = matcher.assess("he always decides everything and checks my phone and sulks")
    scores = [score for _, score in assessment.signs]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert {s for s, _ in assessment.signs} <= sign_ids


def test_cue_file_names_only_real_signs_and_has_no_duplicate_keys():
    class StrictLoader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        assert len(keys) == len(set(keys)), f"duplicate key near {node.start_mark}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    data = yaml.load(CUES.read_text(encoding="utf-8"), Loader=StrictLoader)
    sign_ids = {i.id for i in default_library().items.values() if i.kind == "sign"}
    assert set(data["signs"]) == sign_ids


def test_labelled_set_reaches_the_recorded_accuracy():
    report = evaluate(load_examples())
    assert report.signs(1) >= MIN_TOP1
    assert report.signs(3) >= MIN_TOP3
    assert report.share(lambda e: e.label == "healthy") >= MIN_HEALTHY
    assert report.share(lambda e: e.label == "ambiguous") >= MIN_AMBIGUOUS
