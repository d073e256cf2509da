import pytest

from bot.content_model import default_library
from bot.nlu.topics import TopicMatcher


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return TopicMatcher(default_library())


@pytest.mark.parametrize(
    "text, entity, item_id",
    [
        ("Tell me more about ISOLATING BEHAVIOUR", "sign", "sign_isolating_behaviour"),
        ("what about isolating behavior", "sign", "sign_isolating_behaviour"),
        ("explain emotional manipulation pls", "sign", "sign_emotional_manipulation"),
        ("how does it work with my boss", "context", "context_workplace"),
        ("what is investment imbalance", "cause", "cause_investment_imbalance"),
        ("i think i have less power", "strategy", "steps_less_power"),
    ],
)
def test_finds_named_topics_whatever_the_case_or_spelling(matcher, text, entity, item_id):
    mentions = matcher.find(text)
    assert (mentions[0].entity, mentions[0].item_id) == (entity, item_id)
    assert text[mentions[0].start:mentions[0].end] == mentions[0].text


@pytest.mark.parametrize("text", ["hello", "", "🙂🙂", "what's the weather"])
def test_finds_nothing_in_unrelated_messages(matcher, text):
    assert matcher.find(text) == []


def test_every_alias_finds_its_own_item(matcher):
    library = default_library()
    for item in library.items.values():
        for alias in item.aliases:
            assert item.id in [m.item_id for m in matcher.find(alias)], (item.id, alias)
