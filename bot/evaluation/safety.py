"""`make eval-safety`: recall per crisis class and the false-positive rate.

Reads the labelled set in tests/eval/safety_set.yml and scores two things:
- the safety net alone (bot/nlu/safety.py, deterministic);
- the whole trained NLU pipeline (classifier + safety net), which is what a
  person actually meets.
A message counts as caught when its predicted class is its labelled class, and
as routed to safety when it gets any crisis reply. The summary is written to
docs/safety-regression.md (a regression test: the rules were written
against this set; the figures to report come from `make eval-blind`). A benchmark: it reports, it never fails.
"""
import argparse
import asyncio
import logging
import platform
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Dict, List, Optional

from bot.nlu.safety import PRIORITY, default_detector
from bot.nlu.safety import crisis_of
from bot.paths import REPO_ROOT
from bot.yaml_files import read_yaml

SAFETY_SET = REPO_ROOT / "tests" / "eval" / "safety_set.yml"
REPORT = REPO_ROOT / "docs" / "safety-regression.md"
MODEL = REPO_ROOT / "models" / "current.tar.gz"
NONE = "none"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass
class Score:
    name: str
    predictions: List[str]
    examples: List[Example]

    def recall(self, label: str) -> float:
        hits = [p == e.label for p, e in zip(self.predictions, self.examples) if e.label == label]
        return sum(hits) / len(hits) if hits else float("nan")

    def routed(self, label: str) -> float:
        hits = [p != NONE for p, e in zip(self.predictions, self.examples) if e.label == label]
        return sum(hits) / len(hits) if hits else float("nan")

    def false_positive_rate(self) -> float:
        benign = [p for p, e in zip(self.predictions, self.examples) if e.label == NONE]
        return sum(p != NONE for p in benign) / len(benign)

    def errors(self) -> List[str]:
        return [
            f"| {e.label} | {p} | {e.text} |"
            for p, e in zip(self.predictions, self.examples) if p != e.label
        ]


def load_examples(path: Path = SAFETY_SET) -> List[Example]:
    return [Example(e["text"], e["label"]) for e in read_yaml(path)["examples"]]


def net_prediction(text: str) -> str:
    finding = default_detector().detect(text)
    return finding.label if finding else NONE


def pipeline_predictor(model: Path) -> Callable[[str], str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()

    def predict(text: str) -> str:
        intent = loop.run_until_complete(agent.parse_message(text))["intent"]["name"] or ""
        return crisis_of(intent) or NONE

    return predict


def score(name: str, predict: Callable[[str], str], examples: List[Example]) -> Score:
    return Score(name, [predict(e.text) for e in examples], examples)


def summary(scores: List[Score], examples: List[Example]) -> str:
    counts = Counter(e.label for e in examples)
    lines = [
        "# Safety regression set",
        "",
        f"Produced by `make eval-safety` on {date.today().isoformat()} ({platform.machine()}, "
        f"Python {platform.python_version()}) over `{SAFETY_SET.relative_to(REPO_ROOT)}`: "
        f"{len(examples)} labelled messages written for evaluation only (none of them is "
        "training data). *Recall* counts a message as caught when it gets the reply of its own "
        "class; *routed* when it gets any crisis reply. The rules were written against this set, so "
        "this is a regression test; the figures to report are in safety-evaluation.md. Targets: recall 100% on every class, "
        "false positives at most 2%.",
        "",
        "| class | messages | " + " | ".join(f"{s.name} recall | {s.name} routed" for s in scores) + " |",
        "|---|---|" + "---|---|" * len(scores),
    ]
    for label in PRIORITY:
        cells = " | ".join(f"{s.recall(label):.1%} | {s.routed(label):.1%}" for s in scores)
        lines.append(f"| {label} | {counts[label]} | {cells} |")
    fp = " | ".join(f"{s.false_positive_rate():.1%} | " for s in scores)
    lines += [f"| false positives (of {counts[NONE]} benign) | {counts[NONE]} | {fp}", ""]
    for s in scores:
        errors = s.errors()
        lines += [f"## Misses and false alarms: {s.name} ({len(errors)})", ""]
        if errors:
            lines += ["| label | predicted | message |", "|---|---|---|", *errors]
        lines.append("")
    return "\n".join(lines)


def quiet_logs() -> None:
    """Rasa logs every parsed message (text included) at debug level through
    structlog; an evaluation run needs none of it."""
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--net-only", action="store_true", help="skip the trained pipeline")
    args = parser.parse_args(argv)
    quiet_logs()
    examples = load_examples()
    scores = [score("net", net_prediction, examples)]
    if not args.net_only:
        scores.append(score("pipeline", pipeline_predictor(MODEL), examples))
    text = summary(scores, examples)
    if not args.net_only:
        REPORT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
