"""`make eval-nlu`: cross-validated intent report, summarised into docs/.

Runs `rasa test nlu --cross-validation` on data/nlu and writes the per-intent
precision, recall and F1 (and the FAQ response selection) to
docs/nlu-evaluation.md. A benchmark, not a test: it reports, it never fails.
"""
import json
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bot.paths import REPO_ROOT
from bot.services import server_environment

FOLDS = 5
OUT = REPO_ROOT / "results" / "nlu-cross-validation"
REPORT = REPO_ROOT / "docs" / "nlu-evaluation.md"


def run_cross_validation() -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--cross-validation",
         "--folds", str(FOLDS), "--runs", "1", "--config", "config.yml",
         "--nlu", "data/nlu", "--out", str(OUT)],
        cwd=REPO_ROOT, env=server_environment(), check=True,
    )
    return time.monotonic() - started


def table(report: dict, title: str) -> list:
    rows = [f"### {title}", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    labels = sorted(k for k in report if isinstance(report[k], dict) and "support" in report[k]
                    and k not in ("micro avg", "macro avg", "weighted avg"))
    for label in labels + [k for k in ("macro avg", "weighted avg") if k in report]:
        r = report[label]
        rows.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} | {r['support']} |")
    if "accuracy" in report:
        rows.append(f"\nAccuracy: **{report['accuracy']:.3f}**")
    return rows + [""]


def write_summary(seconds: float) -> None:
    lines = [
        "# NLU evaluation",
        "",
        f"Produced by `make eval-nlu` on {date.today().isoformat()} ({platform.machine()}, "
        f"Python {platform.python_version()}): {FOLDS}-fold cross-validation of the pipeline in "
        f"`config.yml` over `data/nlu/`, {seconds / 60:.1f} min in all. Figures are for the test "
        "folds. The safety classes are measured separately (`make eval-safety`).",
        "",
    ]
    for name, title in (("intent_report.json", "Intents (DIETClassifier + FallbackClassifier)"),
                        ("response_selection_report.json",
                         "FAQ answers (FaqResponseSelector: a message gets one only when classified as faq)")):
        path = OUT / name
        if path.exists():
            lines += table(json.loads(path.read_text()), title)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    write_summary(run_cross_validation())


if __name__ == "__main__":
    main()
