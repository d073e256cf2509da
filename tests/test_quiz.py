from bot.quiz import default_quiz, load_quiz
from bot.content_model import default_library
from bot.quiz import result_messages
from bot.yaml_files import read_yaml
from bot.paths import REPO_ROOT


def answers(value):
    return {slot: value for slot in default_quiz().slots}


def test_about_ten_questions_each_drawn_from_a_content_item():
    quiz = load_quiz()
    assert 8 <= len(quiz.questions) <= 12
    library = default_library()
    assert all(q.item in library.items for q in quiz.questions)


def test_the_form_asks_exactly_the_questions_of_the_quiz_file():
    domain = read_yaml(REPO_ROOT / "domain.yml")
    assert domain["forms"]["quiz_form"]["required_slots"] == default_quiz().slots


def test_scoring_yes_sometimes_no_and_skips():
    quiz = default_quiz()
    assert quiz.result(answers("no")).band == "low"
    assert quiz.result(answers("yes")).band == "many"
    assert quiz.result(answers("skipped")).answered == 0
    half = quiz.result(answers("sometimes"))
    assert half.score == sum(q.weight for q in quiz.questions) / 2


def test_the_result_names_the_signs_that_came_up_and_never_diagnoses():
    quiz = default_quiz()
    first = quiz.questions[0]
    result = quiz.result({first.id: "yes"})
    assert result.signs == (first.item,)
    texts = " ".join(m["text"] for m in result_messages(result, quiz, default_library()))
    assert default_library().items[first.item].title in texts
    assert "diagnos" in texts.lower()
