"""Which content answers a turn: the logic behind action_answer_topic."""
from dataclasses import dataclass
from typing import Iterable, List, Optional

from bot.content_model import Item, Library
from bot.render import Message, as_messages, buttons_for

ASK_WHICH_TOPIC = "ask_which_topic"
GENERAL_FOLLOW_UP = "tell_more"
# Conversation texts and crisis replies are domain responses (the latter filled
# in per region), never answers of action_answer_topic.
ANSWERED_ELSEWHERE = {"conversation", "crisis"}

# A topic named inside another question answers it only when it is of the kind
# the question is about: "how does it show up with my partner" (ask_context)
# takes the romantic context, "my partner decides everything, is that a sign"
# (ask_signs) does not.
KINDS_FOR_INTENT = {
    "ask_signs": {"sign"},
    "ask_causes": {"cause"},
    "ask_context": {"context"},
    "ask_effects": {"effect"},
    "ask_strategies": {"strategy"},
    "ask_reevaluate": {"warning_sign"},
    "ask_exit_plan": {"exit_step"},
}


@dataclass(frozen=True)
class Answer:
    topic: Optional[str]  # the item to remember for a later "tell me more"
    messages: List[Message]


def answer_turn(
    library: Library,
    intent: Optional[str],
    named_item_ids: Iterable[str] = (),
    last_topic: Optional[str] = None,
) -> Answer:
    """A topic the user named wins; otherwise the item that answers the intent.

    "Tell me more" with nothing named asks which part, offering the follow-ups
    of the last topic when there was one.
    """
    item = _first_named(library, named_item_ids, intent) or (
        library.for_intent(intent) if intent else None
    )
    if item is not None:
        return Answer(item.id, as_messages(item, library))
    prompt = as_messages(library.items[ASK_WHICH_TOPIC], library)
    previous = library.get(last_topic) if last_topic else None
    if previous is not None and previous.suggestions:
        prompt[-1]["buttons"] = buttons_for(previous, library)
    return Answer(last_topic, prompt)


def _first_named(
    library: Library, item_ids: Iterable[str], intent: Optional[str]
) -> Optional[Item]:
    kinds = KINDS_FOR_INTENT.get(intent or "", set())
    for item_id in item_ids:
        item = library.get(item_id)
        if item is None or item.kind in ANSWERED_ELSEWHERE:
            continue
        if intent == GENERAL_FOLLOW_UP or item.kind in kinds:
            return item
    return None
