"""Speed fixes to Rasa 3.6, applied when the Rasa server loads our channel.
Each keeps Rasa's behaviour and removes work repeated on every message
(docs/benchmark.md, "Where the time goes").

1. Rasa checks every action server response with `jsonschema.validate()`, which
first re-checks Rasa's own constant response schema against the JSON Schema
meta-schema: ~35 ms of CPU per custom action, a third of the server's time per
message (docs/benchmark.md). Here the validator is built once; valid and
invalid responses give the same results and error messages as before.

2. Every message's tracker is rebuilt from stored events, and Rasa finds each
event's class by walking all subclasses of `Event` (with `inspect.isabstract`
on each): ~40 classes for each of the conversation's events, 10-15% of the
server's CPU per message by the 20th message. Here a name, once resolved, is
remembered; unknown names still go through Rasa's own lookup.
"""
from typing import Any, Dict, Optional, Text, Type

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR = validators.validator_for(_SCHEMA)(_SCHEMA)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = exceptions.best_match(_VALIDATOR.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


RemoteAction._validate_action_result = _validate_action_result


_EVENT_CLASSES: Dict[Text, Type[Event]] = {}
_resolve_event_class = Event.resolve_by_type


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    known = _EVENT_CLASSES.get(type_name)
    if known is not None:
        return known
    found = _resolve_event_class(type_name, default)
    if found is not None and found.type_name == type_name:
        _EVENT_CLASSES[type_name] = found
    return found


Event.resolve_by_type = staticmethod(_resolve_by_type)
