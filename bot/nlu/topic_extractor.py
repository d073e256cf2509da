"""Rasa NLU component: content topics named in a message become entities."""
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content_model import default_library
from bot.nlu.topics import TopicMatcher


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class TopicEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Deterministic, so a named sign or cause is never lost to the classifier."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TopicEntityExtractor":
        return cls(TopicMatcher(default_library()))

    def __init__(self, matcher: TopicMatcher) -> None:
        self._matcher = matcher

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

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
        message.set(
            "entities",
            message.get("entities", []) + self.add_extractor_name(found),
            add_to_output=True,
        )
