"""Feeds responses written in bot/content/ into Rasa's domain at training time.

Conversation texts (welcome, help, fallback...) and the FAQ answers of the
`faq` retrieval intent become ordinary domain responses, so they are served by
the Rasa server itself (no action server needed) while their words live in
one place: the content files. Listed in config.yml under `importers`.
"""
import warnings
from typing import Dict, List, Optional, Text

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content_model import Library, default_library
from bot.render import as_response

FAQ_INTENT = "faq"

# Rasa needs a retrieval intent listed in domain.yml for the rules that use it,
# then warns that the same intent came back from the NLU data when it merges
# the two. That one warning is a known false alarm; any other duplicate still
# warns.
warnings.filterwarnings(
    "ignore",
    message=f"The following duplicated intents have been found across multiple "
    f"domain files: {FAQ_INTENT}$",
)


def content_responses(library: Library) -> Dict[Text, List[Dict]]:
    responses = {item.response: [as_response(item, library)] for item in library.responses()}
    for item in library.faqs():
        responses[f"utter_{FAQ_INTENT}/{item.faq}"] = [as_response(item, library)]
    return responses


class ContentImporter(TrainingDataImporter):
    def __init__(
        self,
        config_file: Optional[Text] = None,
        domain_path: Optional[Text] = None,
        training_data_paths: Optional[List[Text]] = None,
    ) -> None:
        self._library = default_library()

    def get_domain(self) -> Domain:
        return Domain.from_dict({"responses": content_responses(self._library)})

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        return StoryGraph([])

    def get_conversation_tests(self) -> StoryGraph:
        return StoryGraph([])

    def get_config(self) -> Dict:
        return {}

    def get_config_file_for_auto_config(self) -> Optional[Text]:
        return None

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        return TrainingData()
