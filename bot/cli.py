"""Command-line entry: `python -m bot run` starts the assistant on loopback."""
import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from bot.paths import REPO_ROOT
from bot.services import DEFAULT_MODEL, LOOPBACK, Service, action_server, rasa_server
from bot.widget_server import start_widget_server

DEFAULT_CORS = "http://localhost:8080 http://127.0.0.1:8080"
DEFAULT_ENDPOINTS = REPO_ROOT / "endpoints.yml"
REDIS_ENDPOINTS = REPO_ROOT / "bot" / "deploy" / "endpoints.redis.yml"


def select_endpoints(environ: Mapping[str, str], explicit: Optional[str] = None) -> Path:
    """The endpoints file: --endpoints, else $BOT_ENDPOINTS, else the Redis one
    (several servers sharing conversations) when $REDIS_HOST is set, else
    endpoints.yml (one server, conversations in memory)."""
    chosen = explicit or environ.get("BOT_ENDPOINTS")
    if chosen:
        path = Path(chosen)
        return path if path.is_absolute() else REPO_ROOT / path
    return REDIS_ENDPOINTS if environ.get("REDIS_HOST") else DEFAULT_ENDPOINTS


def endpoint_defaults(endpoints: Path, actions_port: int) -> Dict[str, str]:
    """Loopback values for the ${VARS} an endpoints file uses and the
    environment leaves unset (Rasa refuses to start with unset ones)."""
    defaults = {
        "REDIS_HOST": LOOPBACK,
        "REDIS_PORT": "6379",
        "REDIS_PASSWORD": "",
        "ACTION_SERVER_URL": f"http://{LOOPBACK}:{actions_port}/webhook",
    }
    text = endpoints.read_text()
    return {name: value for name, value in defaults.items() if "${" + name + "}" in text}


def run(args: argparse.Namespace) -> int:
    cors = os.environ.get("CORS_ORIGINS", DEFAULT_CORS).split()
    endpoints = select_endpoints(os.environ, args.endpoints)
    if not endpoints.is_file():
        print(f"No endpoints file at {endpoints}", file=sys.stderr)
        return 2
    for name, value in endpoint_defaults(endpoints, args.actions_port).items():
        os.environ.setdefault(name, value)  # the servers inherit os.environ
    if endpoints != DEFAULT_ENDPOINTS:
        print(f"Endpoints: {endpoints}", flush=True)
    services: List[Service] = [
        action_server(args.actions_port),
        rasa_server(port=args.port, model=args.model, cors=cors, endpoints=endpoints),
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
        if name == "run":
            command.add_argument(
                "--endpoints", default=None,
                help="endpoints file (default: $BOT_ENDPOINTS; bot/deploy/endpoints.redis.yml "
                     "if $REDIS_HOST is set; else endpoints.yml)",
            )
        command.set_defaults(handler=handler)
    args = parser.parse_args(argv)
    return args.handler(args)
