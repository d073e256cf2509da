"""Which content answers a turn: the logic behind action_answer_topic."""
from dataclasses import dataclass
from typing import Iterable, List, Optional

from bot.content_model import Item, Library
from bot.render import Message, as_messages, buttons_for, payload_for, tagged

SIGN_CHECK = "sign_check"   # custom.kind of the behaviour checker's replies

ASK_WHICH_TOPIC = "ask_which_topic"
GENERAL_FOLLOW_UP = "tell_more"
# Conversation texts and crisis replies are domain responses (the latter filled
# in per region), never answers of action_answer_topic.
ANSWERED_ELSEWHERE = {"conversation", "crisis"}
# Questions the classifier may take for a general one while they describe a
# specific behaviour; answer_question checks them with the behaviour matcher.
BEHAVIOUR_LIKE_INTENTS = {"ask_signs", "ask_context"}

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


def answer_question(
    library: Library,
    matcher,
    intent: Optional[str],
    text: str,
    named_item_ids: Iterable[str] = (),
    last_topic: Optional[str] = None,
) -> Answer:
    """Like `answer_turn`, except that a general question which really
    describes a behaviour ("my wife corrects me in front of people, is that a
    sign?") is answered as the behaviour checker does, when a sign clearly matches."""
    if intent in BEHAVIOUR_LIKE_INTENTS:
        assessment = matcher.assess(text)
        if assessment.clear:
            return behaviour_answer(assessment, library)
    return answer_turn(library, intent, named_item_ids, last_topic)


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


CONTEXT_PHRASES = {
    "partner": " in a relationship", "family": " in a family", "friend": " in a friendship",
    "work": " at work", "online": " online",
}
ALSO_MENTION = 0.6   # a second sign is named when it scores at least this share of the first


def behaviour_answer(assessment, library: Library) -> Answer:
    """The reply to "is this a warning sign?": the matching sign(s) and why,
    what the articles suggest, or that it sounds healthy, or one clarifying
    question with buttons when it cannot tell."""
    if assessment.healthy and not assessment.signs:
        item = library.items["behaviour_healthy"]
        return Answer(item.id, tagged(as_messages(item, library), SIGN_CHECK))
    if assessment.ambiguous:
        return Answer(None, tagged(_clarifying_question(assessment, library), SIGN_CHECK))
    (top_id, top_score), *others = assessment.signs
    sign = library.items[top_id]
    where = CONTEXT_PHRASES.get(assessment.context or "", "")
    lines = [f"That sounds like **{sign.title}**, one of the nine signs of a power imbalance{where}."]
    lines.append(sign.text[0])
    second = [library.items[s].title for s, score in others[:1] if score >= ALSO_MENTION * top_score]
    if second:
        lines.append(f"It may also touch on **{second[0]}**.")
    steps = as_messages(library.items["behaviour_next_steps"], library)
    return Answer(top_id, tagged([{"text": "\n\n".join(lines)}] + steps, SIGN_CHECK))


def _clarifying_question(assessment, library: Library) -> List[Message]:
    prompt = as_messages(library.items["behaviour_unclear"], library)
    candidates = [s for s, _ in assessment.signs[:3]]
    if candidates:
        prompt[-1]["buttons"] = [
            {"title": library.items[s].button_title, "payload": payload_for(s)} for s in candidates
        ] + [{"title": "It feels fine", "payload": payload_for("behaviour_healthy")}]
    return prompt
