"""Finds the content topics a message names ("tell me more about isolation")."""
from dataclasses import dataclass
from typing import List

from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from bot.content_model import Library
from bot.nlu.english import english, parse

# Overviews and FAQs are asked for as a generic topic; the specific kinds keep
# their own entity name (the context of a question is the `context` entity).
GENERIC_ENTITY = "topic"
GENERIC_KINDS = {"overview", "faq", "conversation"}


def entity_name(kind: str) -> str:
    return GENERIC_ENTITY if kind in GENERIC_KINDS else kind


@dataclass(frozen=True)
class TopicMention:
    entity: str
    item_id: str
    start: int
    end: int
    text: str


class TopicMatcher:
    """Matches item aliases on lemmas, so 'isolated me' finds 'isolate me'."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._matcher = PhraseMatcher(english().vocab, attr="LEMMA")
        for item in library.items.values():
            if item.aliases:
                self._matcher.add(item.id, [parse(alias) for alias in item.aliases])

    def find(self, text: str) -> List[TopicMention]:
        spans = filter_spans(self._matcher(parse(text), as_spans=True))
        return [self._mention(span, text) for span in spans]

    def _mention(self, span, text: str) -> TopicMention:
        item = self._library.items[span.label_]
        return TopicMention(
            entity=entity_name(item.kind),
            item_id=item.id,
            start=span.start_char,
            end=span.end_char,
            text=text[span.start_char:span.end_char],
        )
