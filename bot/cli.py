"""Command-line entry: `python -m bot run` starts the assistant on loopback."""
import argparse
import os
import signal
import sys
import time
from typing import List, Optional

from bot.services import DEFAULT_MODEL, Service, action_server, rasa_server
from bot.widget_server import start_widget_server

DEFAULT_CORS = "http://localhost:8080 http://127.0.0.1:8080"


def run(args: argparse.Namespace) -> int:
    cors = os.environ.get("CORS_ORIGINS", DEFAULT_CORS).split()
    services: List[Service] = [
        action_server(args.actions_port),
        rasa_server(port=args.port, model=args.model, cors=cors),
    ]
    stop_requested = []
    signal.signal(signal.SIGINT, lambda *_: stop_requested.append(True))
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(True))
    try:
        for service in services:
            service.start().wait_ready()
        demo, _ = start_widget_server(args.demo_port, f"http://127.0.0.1:{args.port}")
        print(f"Ready: REST channel at http://127.0.0.1:{args.port}/webhooks/rest/webhook,"
              f" widget demo at http://127.0.0.1:{args.demo_port}/ (Ctrl-C stops everything)",
              flush=True)
        while not stop_requested and all(s.process.poll() is None for s in services):
            time.sleep(0.5)
        demo.shutdown()
    finally:
        for service in reversed(services):
            service.stop()
    return 0


def shell(args: argparse.Namespace) -> int:
    import subprocess

    from bot.services import server_environment

    actions = action_server(args.actions_port).start()
    try:
        actions.wait_ready()
        return subprocess.call(
            [sys.executable, "-m", "rasa", "shell", "--model", str(args.model)],
            env=server_environment(),
        )
    finally:
        actions.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("run", run), ("shell", shell)):
        command = commands.add_parser(name)
        command.add_argument("--model", default=str(DEFAULT_MODEL))
        command.add_argument("--port", type=int, default=5005)
        command.add_argument("--actions-port", type=int, default=5055)
        command.add_argument("--demo-port", type=int, default=8080)
        command.set_defaults(handler=handler)
    args = parser.parse_args(argv)
    return args.handler(args)
