"""The safety rulebook: bot/safety/rules/*.yml and bot/safety/lexicon.yml.

A domain expert keeps the rules: a file per crisis class, every rule with a
stable id, a plain-language `why`, patterns built from the lexicon's named word
groups, and example sentences (`fires_on`, `not_on`) that run as tests
(tests/test_safety_rulebook.py). The files are checked against
bot/schemas/safety_rules.yml when read.

The detector needs only what `Rulebook` holds (patterns, groups, contractions,
how classes combine). The safety net stores it in the trained model, so a model
carries exactly the rules it was evaluated with (bot/nlu/safety_net.py).
"""
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from bot.paths import PACKAGE_DIR
from bot.yaml_files import DataFileError, read_yaml, validate

SAFETY_DIR = PACKAGE_DIR / "safety"
RULES = "rules"
# The crisis classes, each in a file of its name.
CLASS_FILES = ("immediate_danger", "self_harm", "high_danger", "sexual_violence", "abuse")
# Section names the detector knows a rule by.
CLASS_SECTION = "class:"
CHECK_IN_SECTION = "check_in:"
EVERYDAY = "everyday"
URGENCY = "urgency"
FRAMES = "frames"


@dataclass(frozen=True)
class Rule:
    id: str
    section: str                # "class:high_danger", "check_in:danger", "everyday"...
    patterns: Tuple[str, ...]


@dataclass(frozen=True)
class RuleExamples:
    rule: Rule
    why: str
    fires_on: Tuple[str, ...]
    not_on: Tuple[str, ...]


@dataclass
class Rulebook:
    """What the detector is compiled from: plain data, stored in the model."""

    groups: Dict[str, List[str]]
    contractions: Dict[str, str]
    split_pieces: Dict[str, str]
    rules: List[Rule]
    outranks: List[Dict[str, str]] = field(default_factory=list)
    escalations: List[Dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Rulebook":
        rules = [Rule(r["id"], r["section"], tuple(r["patterns"])) for r in data["rules"]]
        return cls(**{**data, "rules": rules})


def read_rulebook(directory: Path = SAFETY_DIR) -> Rulebook:
    lexicon = read_yaml(directory / "lexicon.yml")
    validate(lexicon, "safety_lexicon", directory / "lexicon.yml")
    context = _read(directory, "context")
    return Rulebook(
        groups=lexicon["groups"],
        contractions=lexicon["contractions"],
        split_pieces=lexicon["split_pieces"],
        rules=[examples.rule for examples in read_examples(directory)],
        outranks=context.get("outranks", []),
        escalations=context.get("escalations", []),
    )


def read_examples(directory: Path = SAFETY_DIR) -> List[RuleExamples]:
    """Every rule with its `why` and example sentences, ids checked unique."""
    found = list(_rules_with_examples(directory))
    seen = Counter(examples.rule.id for examples in found)
    repeated = sorted(rule_id for rule_id, count in seen.items() if count > 1)
    if repeated:
        raise DataFileError(f"{directory / RULES}: rule ids used more than once: {repeated}")
    return found


def _rules_with_examples(directory: Path) -> Iterator[RuleExamples]:
    for name in CLASS_FILES:
        data = _read(directory, name)
        for rule in data["rules"]:
            yield _examples(rule, CLASS_SECTION + rule.get("class", data["class"]))
    for rule in _read(directory, "check_in")["rules"]:
        yield _examples(rule, CHECK_IN_SECTION + rule["asks"])
    for rule in _read(directory, EVERYDAY)["rules"]:
        yield _examples(rule, EVERYDAY)
    context = _read(directory, "context")
    for section in (URGENCY, FRAMES):
        for rule in context[section]:
            yield _examples(rule, section)


def _examples(rule: Dict[str, Any], section: str) -> RuleExamples:
    return RuleExamples(
        Rule(rule["id"], section, tuple(rule["patterns"])),
        rule["why"].strip(),
        tuple(rule.get("fires_on", ())),
        tuple(rule.get("not_on", ())),
    )


def _read(directory: Path, name: str) -> Dict[str, Any]:
    path = directory / RULES / f"{name}.yml"
    data = read_yaml(path)
    validate(data, "safety_rules", path)
    return data


def rulebook_files(directory: Path = SAFETY_DIR) -> List[Path]:
    """The files a rulebook is read from, for the model's fingerprint."""
    return [directory / "lexicon.yml"] + sorted((directory / RULES).glob("*.yml"))
