"""Feeds responses written in bot/content/ into Rasa's domain at training time.

Conversation texts (welcome, help, fallback...), the FAQ answers of the `faq`
retrieval intent and the crisis replies become ordinary domain responses, so
they are served by the Rasa server itself (no action server needed) while
their words live in one place: the content files. Crisis replies get one
variation per region, chosen by slot conditions: the region the person stated
wins, then the one the client sent in the message metadata, then the
operator's default (`default_region` of this importer in config.yml).
Listed in config.yml under `importers`.
"""
import warnings
from typing import Dict, List, Optional, Text

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content_model import Library, default_library
from bot.crisis import crisis_message, is_regional
from bot.render import as_response, escaped_for_rasa
from bot.resources import CLIENT_SLOT, DEFAULT_REGION, STATED_SLOT, RegionResources, default_regions

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
    responses = {
        item.response: [as_response(item, library)]
        for item in library.responses()
        if not is_regional(item)
    }
    for item in library.faqs():
        responses[f"utter_{FAQ_INTENT}/{item.faq}"] = [as_response(item, library)]
    return responses


def regional_responses(
    library: Library, regions: Dict[str, RegionResources], default_region: str
) -> Dict[Text, List[Dict]]:
    """Responses whose wording names contacts (crisis replies, check-ins, the
    fallback's line of numbers): one variation per region."""
    responses = {}
    for item in filter(is_regional, library.responses()):
        variations = []
        for code, region in regions.items():
            message = escaped_for_rasa(crisis_message(item, library, region))
            variations.append({**message, "condition": [_slot(STATED_SLOT, code)]})
            variations.append(
                {**message, "condition": [_slot(STATED_SLOT, None), _slot(CLIENT_SLOT, code)]}
            )
        variations.append(escaped_for_rasa(crisis_message(item, library, regions[default_region])))
        responses[item.response] = variations
    return responses


def _slot(name: Text, value: Optional[Text]) -> Dict:
    return {"type": "slot", "name": name, "value": value}


class ContentImporter(TrainingDataImporter):
    def __init__(
        self,
        config_file: Optional[Text] = None,
        domain_path: Optional[Text] = None,
        training_data_paths: Optional[List[Text]] = None,
        default_region: Text = DEFAULT_REGION,
    ) -> None:
        self._library = default_library()
        self._regions = default_regions()
        if default_region not in self._regions:
            raise ValueError(f"default_region '{default_region}' has no file in bot/resources/")
        self._default_region = default_region

    def get_domain(self) -> Domain:
        responses = content_responses(self._library)
        responses.update(regional_responses(self._library, self._regions, self._default_region))
        return Domain.from_dict({"responses": responses})

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
