"""`python -m bot.action_server --actions actions --port 5055`: rasa-sdk's
action server, without TensorFlow.

spaCy imports thinc, and thinc imports TensorFlow whenever it is installed
(Rasa needs it), although no action ever uses it: ~360 MB and several seconds
of CPU per start for nothing (docs/benchmark.md, "Where the time goes").
Marking it unavailable before anything imports it makes thinc skip it, as on a
machine without TensorFlow.
"""
import sys


def main() -> None:
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
