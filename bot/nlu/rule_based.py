"""What the rule-based NLU components share: nothing to train, and (for the
extractors) entities appended to those the pipeline already found."""
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class RuleBasedComponent(GraphComponent):
    """Built from its config and data files at load; nothing is stored in the model."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RuleBasedComponent":
        return cls.from_config(config)

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "RuleBasedComponent":
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


class RuleBasedExtractor(RuleBasedComponent, EntityExtractorMixin):
    def append_entities(self, message: Message, found: List[Dict[str, Any]]) -> None:
        if found:
            message.set(
                "entities",
                message.get("entities", []) + self.add_extractor_name(found),
                add_to_output=True,
            )
