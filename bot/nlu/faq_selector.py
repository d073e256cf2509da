"""Rasa NLU component: Rasa's ResponseSelector, run only where its answer is used."""
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class FaqResponseSelector(ResponseSelector):
    """Trains exactly as ResponseSelector does. At prediction it picks an
    answer only for messages classified as its retrieval intent: only those
    are answered with one (`utter_faq`), and running its model on every other
    message cost ~4.5 ms each (docs/benchmark.md, "Where the time goes")."""

    def process(self, messages: List[Message]) -> List[Message]:
        super().process([m for m in messages if self._asks_for_an_answer(m)])
        return messages

    def _asks_for_an_answer(self, message: Message) -> bool:
        return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent
