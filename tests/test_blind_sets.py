"""The blind sets themselves (tests/eval/blind/): no servers needed."""
import re

from bot.evaluation.blind import load_set, repeated_letters, set_names

# Sets up to real-14 were scored before repeats were checked; they stay as scored.
CHECKED_FROM = 15


def test_a_letter_retold_by_an_earlier_set_is_marked_repeated():
    # r14-a-004 retells the letter at r2-023's page
    assert "r14-a-004" in repeated_letters("real-14")
    assert repeated_letters("batch-16") == frozenset()


def test_new_real_sets_retell_only_new_letters():
    for name in set_names():
        number = re.fullmatch(r"real-(\d+)", name)
        if number and int(number.group(1)) >= CHECKED_FROM:
            assert repeated_letters(name) == frozenset(), name
            sources = [case.source for case in load_set(name)]
            assert len(sources) == len(set(sources)), name
