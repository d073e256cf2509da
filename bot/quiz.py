"""The confidential self-check quiz: questions from bot/quiz.yml, and scoring.

Answers live only in form slots while the quiz runs; the result action clears
them and the tracker store redacts the answering turns (bot/tracker_store.py).
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from bot.content_model import Library
from bot.paths import PACKAGE_DIR
from bot.render import buttons_for, payload_for, tagged
from bot.yaml_files import read_yaml, validate

QUIZ_FILE = PACKAGE_DIR / "quiz.yml"
FORM = "quiz_form"
QUIZ = "quiz"   # custom.kind of its questions and result
ANSWER_VALUES = {"yes": 1.0, "sometimes": 0.5, "no": 0.0, "skipped": 0.0}
ANSWER_INTENTS = {
    "answer_yes": "yes", "answer_sometimes": "sometimes", "answer_no": "no",
    "skip_question": "skipped",
}


ANSWER_BUTTONS = (
    {"title": "Yes", "payload": "/answer_yes"},
    {"title": "Sometimes", "payload": "/answer_sometimes"},
    {"title": "No", "payload": "/answer_no"},
    {"title": "Skip", "payload": "/skip_question"},
    {"title": "Stop the quiz", "payload": "/stop_quiz"},
)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    item: str
    weight: float


@dataclass(frozen=True)
class QuizResult:
    score: float
    band: str
    text: str
    signs: Tuple[str, ...]      # content items whose question got "yes" or "sometimes"
    answered: int


@dataclass(frozen=True)
class Quiz:
    questions: Tuple[Question, ...]
    bands: Tuple[Tuple[str, Optional[float], str], ...]   # (name, max score, text)
    disclaimer: str

    @property
    def slots(self) -> List[str]:
        return [q.id for q in self.questions]

    def question_message(self, slot: str) -> Dict:
        """How the form asks one question: numbered, with the answer buttons."""
        number = self.slots.index(slot) + 1
        text = f"{number}/{len(self.questions)}. {self.questions[number - 1].text}"
        return tagged([{"text": text, "buttons": [dict(b) for b in ANSWER_BUTTONS]}], QUIZ)[0]

    def result(self, answers: Mapping[str, Optional[str]]) -> QuizResult:
        score = sum(ANSWER_VALUES.get(answers.get(q.id) or "skipped", 0.0) * q.weight
                    for q in self.questions)
        band = next(b for b in self.bands if b[1] is None or score <= b[1])
        signs = tuple(q.item for q in self.questions if answers.get(q.id) in ("yes", "sometimes"))
        answered = sum(1 for q in self.questions if answers.get(q.id) in ("yes", "sometimes", "no"))
        return QuizResult(score, band[0], band[2], signs, answered)


def load_quiz(path: Path = QUIZ_FILE) -> Quiz:
    data = read_yaml(path)
    validate(data, "quiz", path)
    questions = tuple(
        Question(q["id"], q["text"], q["item"], float(q.get("weight", 1))) for q in data["questions"]
    )
    bands = tuple(
        (name, band.get("max_score"), band["text"]) for name, band in data["results"].items()
    )
    return Quiz(questions, bands, data["disclaimer"])


@lru_cache(maxsize=1)
def default_quiz() -> Quiz:
    return load_quiz()


def result_messages(result: QuizResult, quiz: Quiz, library: Library) -> List[Dict]:
    """Chat bubbles for a result: what the answers suggest, the signs that came
    up (as buttons to read more), next steps. Never a diagnosis."""
    messages: List[Dict] = [{"text": result.text}]
    if result.signs:
        titles = ", ".join(f"**{library.items[s].title}**" for s in result.signs if s in library.items)
        messages.append({
            "text": f"Signs that came up in your answers: {titles}. Tap one to read more.",
            "buttons": [{"title": library.items[s].button_title, "payload": payload_for(s)}
                        for s in result.signs[:6] if s in library.items],
        })
    next_steps = library.items["behaviour_next_steps"]
    messages.append({"text": f"{quiz.disclaimer}", "buttons": buttons_for(next_steps, library)})
    return tagged(messages, QUIZ)
