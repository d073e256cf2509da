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

3. The model's graph (the NLU pipeline, then the policies) runs twice or more
per message. Rasa hands it to dask's scheduler, after formatting a debug line
with the whole graph schema in it, whether or not debug logging is on, and
recomputing which nodes the targets need: ~1.5 ms of CPU per message. Here
each run computes the same nodes, each once and after its parents, directly.

They replace Rasa internals, so they are applied only to the Rasa version they
were written and tested for (uv.lock pins it); any other leaves Rasa as it is
and logs a warning.

4. `freeze_loaded_objects()`, called by our channel once the model is loaded:
TensorFlow, Rasa and the model are ~850,000 Python objects that live as long
as the server, and every full garbage collection walked them all, ~0.4 s
every few hundred messages, a stall for whoever was waiting. Frozen, they are
left out of it.
"""
import gc
import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import rasa
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

logger = logging.getLogger(__name__)

WRITTEN_FOR = "3.6.21"

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


def _run_graph(
    self: DaskGraphRunner,
    inputs: Optional[Dict[Text, Any]] = None,
    targets: Optional[List[Text]] = None,
) -> Dict[Text, Any]:
    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    schema = _minimal_schema(self, run_targets)
    for value in (inputs or {}).values():
        if isinstance(value, str) and value in schema.nodes:   # Rasa's own check
            raise GraphRunError(f"Input value '{value}' clashes with a node name.")
    # As with dask: every value is a (node name, output) pair, and a name that
    # is neither a node nor an input is passed on as the name itself.
    done: Dict[Text, Any] = {name: (name, value) for name, value in (inputs or {}).items()}

    def output_of(name: Text) -> Any:
        if name not in done and name in schema.nodes:
            parents = [output_of(parent) for parent in schema.nodes[name].needs.values()]
            done[name] = self._instantiated_nodes[name](*parents)
        return done.get(name, name)

    try:
        return dict(output_of(target) for target in run_targets)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


def _minimal_schema(runner: DaskGraphRunner, targets: Tuple[Text, ...]) -> GraphSchema:
    cache = runner.__dict__.setdefault("_minimal_schemas", {})
    if targets not in cache:
        cache[targets] = runner._graph_schema.minimal_graph_schema(list(targets))
    return cache[targets]


_run_with_dask = DaskGraphRunner.run


def _apply() -> bool:
    if rasa.__version__ != WRITTEN_FOR:
        logger.warning("Rasa %s: the speed fixes of bot/rasa_fixes.py (written for %s) are not applied",
                       rasa.__version__, WRITTEN_FOR)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    DaskGraphRunner.run = _run_graph
    return True


APPLIED = _apply()


def freeze_loaded_objects() -> None:
    gc.collect()
    gc.freeze()
    logger.info("%d objects loaded with the model are left out of garbage collection",
                gc.get_freeze_count())
