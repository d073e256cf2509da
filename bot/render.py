"""Turns content items into chat messages (text bubbles and buttons).

Buttons carry a `/tell_more{"topic": "<item id>"}` payload, which Rasa parses
without running the classifier, so a click always lands on the right item.
"""
import json
from typing import Dict, List

from bot.content_model import Item, Library
from bot.nlu.topics import GENERIC_ENTITY

Message = Dict[str, object]
KIND = "custom"   # every message carries {"custom": {"kind": ...}} (see Item.reply_kind)


def tagged(messages: List[Message], kind: str, **details: str) -> List[Message]:
    """The messages, each saying what it is: `custom: {"kind": ...}`."""
    return [{**m, KIND: {"kind": kind, **details}} for m in messages]


def payload_for(item_id: str) -> str:
    return "/tell_more" + json.dumps({GENERIC_ENTITY: item_id})


def button_payload(item: Item) -> str:
    """Crisis replies depend on the region, so their buttons ask by intent."""
    if item.kind == "crisis" and item.intent:
        return f"/{item.intent}"
    return payload_for(item.id)


def buttons_for(item: Item, library: Library) -> List[Dict[str, str]]:
    return [
        {"title": library.items[target].button_title, "payload": button_payload(library.items[target])}
        for target in item.suggestions
    ]


def source_line(item: Item) -> str:
    return f"Source: {item.citation}" if item.citation else ""


def bubbles(item: Item) -> List[str]:
    """The item's text, its example, and a last line naming its source."""
    parts = list(item.text) + ([item.example] if item.example else [])
    if item.citation:
        parts[-1] = f"{parts[-1]}\n\n_{source_line(item)}_"
    return parts


def as_messages(item: Item, library: Library) -> List[Message]:
    """Several short bubbles, buttons on the last one (for custom actions)."""
    messages: List[Message] = [{"text": text} for text in bubbles(item)]
    buttons = buttons_for(item, library)
    if buttons:
        messages[-1]["buttons"] = buttons
    return tagged(messages, item.reply_kind)


def as_response(item: Item, library: Library) -> Message:
    """One message for a domain response."""
    response: Message = {"text": "\n\n".join(bubbles(item))}
    buttons = buttons_for(item, library)
    if buttons:
        response["buttons"] = buttons
    return escaped_for_rasa(tagged([response], item.reply_kind)[0])


def escaped_for_rasa(message: Message) -> Message:
    """Rasa fills `{slot}` placeholders in a domain response's text and buttons,
    so literal braces there are doubled to survive: a lone brace would make
    Rasa fail to send the response, and `{slot_name}` would show a slot."""
    escaped = dict(message)
    if "text" in message:
        escaped["text"] = _doubled_braces(str(message["text"]))
    if "buttons" in message:
        escaped["buttons"] = [
            {key: _doubled_braces(value) if isinstance(value, str) else value
             for key, value in b.items()}
            for b in message["buttons"]
        ]
    return escaped


def _doubled_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
