"""`make eval-thresholds`: the safety net's thresholds, chosen leave-one-set-out.

A threshold chosen on sets the classifier was trained on says nothing about
new messages. Here each held-out blind set is scored by a crisis classifier
trained without it (data/nlu's crisis intents and every other labelled set in
config.yml), and the safety net's decision (bot/nlu/safety_net.py: the
deterministic rulebook, then the classifier) is replayed offline for each
candidate setting. The figures are the ones `make eval-blind` counts: crisis
replies on crisis messages, crisis or check-in, crisis replies on near-misses
and on all other messages. Only the last turn of a conversation is replayed.

    python -m bot.evaluation.leave_one_out                  # the last 6 blind sets
    python -m bot.evaluation.leave_one_out batch-14 real-12 # named ones
"""
import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.evaluation.blind import load_set
from bot.nlu.crisis_classifier import (
    OUTPUT, CrisisClassifier, Example, fit_pipeline, learnt_examples, read_labelled_set,
)
from bot.nlu.rulebook import read_rulebook
from bot.nlu.safety import PRIORITY, SafetyDetector, crisis_of
from bot.nlu.safety_net import SafetyNet
from bot.paths import REPO_ROOT
from bot.yaml_files import read_yaml

CONFIG = REPO_ROOT / "config.yml"
NLU_DIR = REPO_ROOT / "data" / "nlu"

# Candidate settings: each a set of overrides of SafetyNet's config (config.yml
# says which were tried and why the current ones stand).
CANDIDATES: Dict[str, Dict[str, float]] = {
    "current": {},
    "crisis reply from 0.8 (old)": {"crisis_threshold": 0.8, "long_crisis_threshold": 0.8},
    "letters: crisis reply from 0.7": {"long_crisis_threshold": 0.7},
    "crisis reply from 0.8": {"crisis_threshold": 0.8},
    "check-in from 0.4": {"check_in_threshold": 0.4},
    "net confirmed from 0.3": {"net_confirm_threshold": 0.3},
    "net confirmed from 0.5": {"net_confirm_threshold": 0.5},
    "letters confirmed as others": {"long_message_words": 0},
    "letters from 100 words": {"long_message_words": 100},
    "letters confirmed from 0.7": {"long_confirm_threshold": 0.7},
    "letters confirmed from 0.8": {"long_confirm_threshold": 0.8},
}


@dataclass
class Decision:
    label: str     # the case's label
    reply: str     # crisis, check_in or other


def pipeline_config(name: str) -> Dict:
    for component in read_yaml(CONFIG)["pipeline"]:
        if component["name"].endswith(name):
            return component
    raise KeyError(name)


def held_out_cases(path: str) -> List[Tuple[str, str]]:
    """(last turn, label) of a blind set, its non-crisis labels kept apart."""
    return [(case.turns[-1], case.label) for case in load_set(Path(path).stem)]


def classifier_without(held_out: str, sets: Sequence[str], base: List[Example], config: Dict):
    examples = list(base)
    for path in sets:
        if path != held_out:
            examples += read_labelled_set(path)
    return CrisisClassifier(config, None, None, fit_pipeline(examples, config))


def replay(net: SafetyNet, cases: List[Tuple[str, str]], learnt: List[Dict]) -> List[Decision]:
    decisions = []
    for (text, label), result in zip(cases, learnt):
        message = Message(data={"text": text})
        message.set(OUTPUT, result)
        net.process([message])
        intent = (message.get("intent") or {}).get("name")
        reply = "crisis" if crisis_of(intent) else "check_in" if intent and intent.startswith("check_in") else "other"
        decisions.append(Decision(label, reply))
    return decisions


def figures(decisions: List[Decision]) -> Dict[str, float]:
    def share(rows: List[Decision], replies: Iterable[str]) -> float:
        return 100.0 * sum(d.reply in replies for d in rows) / len(rows) if rows else float("nan")

    crisis = [d for d in decisions if d.label in PRIORITY]
    others = [d for d in decisions if d.label not in PRIORITY]
    near = [d for d in others if d.label == "near_miss"]
    self_harm = [d for d in crisis if d.label == "self_harm"]
    return {
        "recall": share(crisis, ("crisis",)), "safe": share(crisis, ("crisis", "check_in")),
        "self_harm": share(self_harm, ("crisis",)), "near": share(near, ("crisis",)),
        "others": share(others, ("crisis",)),
    }


def net_with(overrides: Dict[str, float], detector: SafetyDetector) -> SafetyNet:
    config = {**SafetyNet.get_default_config(), **pipeline_config("SafetyNet"), **overrides}
    config.pop("name", None)
    return SafetyNet.from_config(config, detector)


def main(argv: List[str] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", help="set names, e.g. batch-14 real-12")
    args = parser.parse_args(argv)
    config = {**CrisisClassifier.get_default_config(), **pipeline_config("CrisisClassifier")}
    sets = config["labelled_sets"]
    chosen = [f"tests/eval/blind/{n}.yml" for n in args.sets] or [s for s in sets if "batch-" in s][-6:]
    base, detector = learnt_examples(load_data(str(NLU_DIR))), SafetyDetector(read_rulebook())
    print(f"{'set':10} {'candidate':32} recall  safe  s-harm  near  others")
    for held_out in chosen:
        classifier = classifier_without(held_out, sets, base, config)
        cases = held_out_cases(held_out)
        learnt = classifier.predict([t for t, _ in cases])
        name = held_out.rsplit("/", 1)[-1][:-4]
        for candidate, overrides in CANDIDATES.items():
            f = figures(replay(net_with(overrides, detector), cases, learnt))
            print(f"{name:10} {candidate:32} {f['recall']:5.1f} {f['safe']:5.1f} {f['self_harm']:6.1f} "
                  f"{f['near']:5.1f} {f['others']:6.1f}", flush=True)


if __name__ == "__main__":
    main()
