"""The rulebook's own examples (bot/safety/rules/*.yml), each run as a test.

A crisis or check-in rule must find its `fires_on` sentences and find nothing
in its `not_on` ones. An everyday exception, an urgency word or a frame must
match its `fires_on` sentences; an everyday one must also leave them without a
crisis. Fast: the detector only, no model.
"""
import pytest

from bot.nlu.rulebook import (
    CHECK_IN_SECTION, CLASS_SECTION, EVERYDAY, RuleExamples, read_examples, read_rulebook,
)
from bot.nlu.safety import default_detector

EXAMPLES = read_examples()


def cases(kind: str):
    return [
        pytest.param(rule, text, id=f"{rule.rule.id}: {text[:50]}")
        for rule in EXAMPLES for text in getattr(rule, kind)
    ]


def makes_findings(rule: RuleExamples) -> bool:
    return rule.rule.section.startswith((CLASS_SECTION, CHECK_IN_SECTION))


@pytest.mark.parametrize("rule, text", cases("fires_on"))
def test_a_rule_fires_on_its_examples(rule, text):
    detector = default_detector()
    if makes_findings(rule):
        finding = detector.assess(text)
        assert finding is not None and rule.rule.id in finding.rules, (text, finding)
    else:
        assert rule.rule.id in detector.matching_rules(text), text
        if rule.rule.section == EVERYDAY:
            assert detector.detect(text) is None, text


@pytest.mark.parametrize("rule, text", cases("not_on"))
def test_a_rule_stays_quiet_on_its_counter_examples(rule, text):
    finding = default_detector().assess(text)
    assert finding is None or rule.rule.id not in finding.rules, (text, finding)


def test_every_rule_has_an_example_it_fires_on():
    assert [r.rule.id for r in EXAMPLES if not r.fires_on] == []


def test_every_rule_says_why_and_ids_are_namespaced_by_their_file():
    for rule in EXAMPLES:
        assert len(rule.why.split()) >= 5, rule.rule.id
        section = rule.rule.section
        prefix = rule.rule.id.split(".")[0]
        if section.startswith(CLASS_SECTION):
            assert prefix == section[len(CLASS_SECTION):], rule.rule.id
        elif section.startswith(CHECK_IN_SECTION):
            assert prefix == "check_in", rule.rule.id


def test_everyday_patterns_are_whole_sequences():
    """Each part of an everyday pattern cancels the findings it overlaps on its
    own, so an `&` part such as "film" would silence "he filmed us without
    asking" wherever it appears. The detector also relies on it: it runs only
    the patterns whose every part could match, which equals running them all
    only if an everyday pattern has one part."""
    everyday = [r.rule for r in EXAMPLES if r.rule.id.startswith("everyday.")]
    assert everyday and [r.id for r in everyday if any(" & " in p for p in r.patterns)] == []


def test_the_rulebook_survives_the_round_trip_into_a_model():
    """The safety net stores `to_dict()` as JSON in the model and loads it back."""
    import json

    from bot.nlu.rulebook import Rulebook

    book = read_rulebook()
    assert Rulebook.from_dict(json.loads(json.dumps(book.to_dict()))) == book


def test_slang_and_contractions_are_lexicon_entries():
    book = read_rulebook()
    assert book.contractions["kms"] == "kill myself"
    assert book.split_pieces["n't"] == "not"
