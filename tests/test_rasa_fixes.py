"""The cached action-response validator accepts and rejects exactly what
Rasa's own `jsonschema.validate()` check does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.rasa_fixes  # noqa: F401

SCHEMA = RemoteAction.action_response_format_spec()
VALID = [{}, {"events": [], "responses": []},
         {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}]
INVALID = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": {}}]


@pytest.mark.parametrize("response", VALID)
def test_valid_responses_pass(response):
    jsonschema.validate(response, SCHEMA)
    assert RemoteAction("action_x", None)._validate_action_result(response)


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_fail_with_rasas_message(response):
    with pytest.raises(jsonschema.ValidationError) as rasa_own:
        jsonschema.validate(response, SCHEMA)
    with pytest.raises(jsonschema.ValidationError) as patched:
        RemoteAction("action_x", None)._validate_action_result(response)
    assert patched.value.message.startswith(rasa_own.value.message)
    assert "Failed to validate Action server response" in patched.value.message
