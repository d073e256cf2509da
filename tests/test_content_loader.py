import shutil
from pathlib import Path

import pytest

from bot.content_model import load_library
from bot.paths import CONTENT_DIR
from bot.yaml_files import DataFileError

GOOD_ITEM = """\
  - id: sample_sign
    kind: sign
    title: A sample sign
    text: ["One short bubble."]
    source: {article: navigating, section: "9 Signs of a Power Imbalance in Your Relationships"}
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    shutil.copy(CONTENT_DIR / "sources.yml", tmp_path / "sources.yml")
    return tmp_path


def write(directory: Path, name: str, items: str) -> Path:
    path = directory / name
    path.write_text("items:\n" + items, encoding="utf-8")
    return path


def test_shipped_content_loads_and_every_answer_cites_a_source():
    library = load_library()
    answers = [i for i in library.items.values() if i.kind != "conversation"]
    assert answers and all(i.citation is not None for i in answers)


def test_shipped_content_covers_the_nine_signs_and_eight_effects():
    library = load_library()
    assert len(library.of_kind("sign")) == 9
    assert len(library.of_kind("effect")) == 8
    assert len(library.of_kind("warning_sign")) == 5
    assert {i.faq for i in library.faqs()} >= {
        "example", "fix", "three_types", "balance_meaning", "maintain_balance",
        "balanced_relationship",
    }


def test_a_valid_file_loads(content_dir):
    write(content_dir, "signs.yml", GOOD_ITEM)
    assert load_library(content_dir).get("sample_sign").title == "A sample sign"


def test_a_missing_field_names_the_file_and_the_item(content_dir):
    path = write(content_dir, "bad.yml", GOOD_ITEM.replace('    text: ["One short bubble."]\n', ""))
    with pytest.raises(DataFileError) as error:
        load_library(content_dir)
    assert str(path) in str(error.value)
    assert "sample_sign" in str(error.value)
    assert "text" in str(error.value)


def test_an_unknown_section_is_rejected(content_dir):
    write(content_dir, "bad.yml", GOOD_ITEM.replace("9 Signs of a", "Ten Signs of a"))
    with pytest.raises(DataFileError, match="sample_sign.*no section"):
        load_library(content_dir)


def test_an_answer_without_source_is_rejected(content_dir):
    write(content_dir, "bad.yml", GOOD_ITEM.split("    source:")[0])
    with pytest.raises(DataFileError, match="bad.yml.*sample_sign.*source"):
        load_library(content_dir)


def test_a_suggestion_must_name_an_item(content_dir):
    write(content_dir, "bad.yml", GOOD_ITEM + "    suggestions: [no_such_item]\n")
    with pytest.raises(DataFileError, match="sample_sign.*no_such_item"):
        load_library(content_dir)


def test_duplicate_ids_name_both_files(content_dir):
    write(content_dir, "a.yml", GOOD_ITEM)
    write(content_dir, "b.yml", GOOD_ITEM)
    with pytest.raises(DataFileError, match="b.yml.*sample_sign.*a.yml"):
        load_library(content_dir)


def test_overlong_bubbles_are_rejected(content_dir):
    write(content_dir, "bad.yml", GOOD_ITEM.replace("One short bubble.", "x" * 600))
    with pytest.raises(DataFileError, match="sample_sign.*text"):
        load_library(content_dir)


def test_yaml_syntax_errors_name_the_file(content_dir):
    path = content_dir / "broken.yml"
    path.write_text("items: [\n  - id: oops\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="broken.yml"):
        load_library(content_dir)
