"""bot/rasa_fixes.py: the cached action-response validator accepts and
rejects exactly what Rasa's own `jsonschema.validate()` check does, and the
cached event classes are the ones Rasa's own lookup finds."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

import bot.rasa_fixes

SCHEMA = RemoteAction.action_response_format_spec()


def test_the_fixes_are_applied_to_the_rasa_they_were_written_for():
    """uv.lock pins that Rasa; another leaves Rasa as it is."""
    assert bot.rasa_fixes.APPLIED
    assert DaskGraphRunner.run is bot.rasa_fixes._run_graph
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


def rasa_own_event_class(name):
    return next(cls for cls in all_subclasses(Event) if cls.type_name == name)


def test_event_classes_resolve_as_rasa_resolves_them():
    names = {cls.type_name for cls in all_subclasses(Event) if getattr(cls, "type_name", None)}
    assert {"user", "bot", "action", "slot", "active_loop"} <= names
    for _ in range(2):   # the second round comes from the cache
        for name in names:
            assert Event.resolve_by_type(name) is rasa_own_event_class(name)


def test_unknown_event_names_behave_as_before():
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_a_stored_conversation_reads_back_the_same():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
              SlotSet("last_topic", "signs"), BotUttered("hello")]
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events("s", events)
    again = store.deserialise_tracker("s", store.serialise_tracker(tracker))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]


class Number(GraphComponent):
    """A graph node for the runner tests: its config's number, plus its inputs."""

    calls = []

    @classmethod
    def create(cls, config, model_storage, resource, execution_context):
        return cls(config["number"])

    def __init__(self, number):
        self.number = number

    def run(self, **inputs):
        Number.calls.append(self.number)
        return self.number + sum(inputs.values())


def node(number, **needs):
    return SchemaNode(needs=needs, uses=Number, fn="run", constructor_name="create",
                      config={"number": number})


def test_the_graph_runner_gives_what_dask_gives_running_each_needed_node_once(tmp_path):
    schema = GraphSchema({
        "a": node(1, given="__input__"), "b": node(10, x="a"), "c": node(100, x="a", y="b"),
        "unused": node(1000, x="c"),
    })
    runner = DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema, "test"))
    for targets in (["c"], ["b", "c"], ["a"]):
        Number.calls.clear()
        ours = runner.run(inputs={"__input__": 5}, targets=targets)
        assert sorted(Number.calls) == sorted(set(Number.calls))   # each node once
        assert 1000 not in Number.calls                              # only what is needed
        assert ours == bot.rasa_fixes._run_with_dask(runner, inputs={"__input__": 5}, targets=targets)
    assert runner.run(inputs={"__input__": 5}, targets=["c"]) == {"c": 100 + 6 + 16}
