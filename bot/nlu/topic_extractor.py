"""Rasa NLU component: content topics named in a message become entities."""
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from bot.content_model import default_library
from bot.nlu.rule_based import RuleBasedExtractor
from bot.nlu.topics import TopicMatcher


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class TopicEntityExtractor(RuleBasedExtractor):
    """Deterministic, so a named sign or cause is never lost to the classifier."""

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "TopicEntityExtractor":
        return cls(TopicMatcher(default_library()))

    def __init__(self, matcher: TopicMatcher) -> None:
        self._matcher = matcher

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._add_topics(message)
        return messages

    def _add_topics(self, message: Message) -> None:
        text: Optional[str] = message.get("text")
        if not text:
            return
        found = [
            {
                "entity": mention.entity,
                "value": mention.item_id,
                "start": mention.start,
                "end": mention.end,
                "confidence_entity": 1.0,
            }
            for mention in self._matcher.find(text)
        ]
        self.append_entities(message, found)
