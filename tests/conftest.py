"""Session fixtures: one real action server and one real Rasa server for the
whole test session (loading a model costs ~30 s), on free loopback ports."""
import json
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from bot.paths import REPO_ROOT
from bot.services import DEFAULT_MODEL, LOOPBACK, Service, action_server, free_port, rasa_server

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Assistant:
    """The running assistant, spoken to through the REST channel."""

    url: str
    actions: Service
    rasa: Service
    log_dir: Path

    def say(self, sender: str, text: str, metadata: Optional[Dict] = None) -> List[Dict]:
        body = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        return self.post(json.dumps(body).encode())

    @contextmanager
    def action_server_stopped(self):
        """Stops the real action server, and starts it again afterwards."""
        self.actions.stop()
        try:
            yield
        finally:
            with open(self.log_dir / "actions.log", "ab") as log:
                self.actions.start(log).wait_ready()

    def post(self, raw_body: bytes) -> List[Dict]:
        request = urllib.request.Request(
            self.url, data=raw_body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: run `make test`, which trains it")
    log_dir = tmp_path_factory.mktemp("server-logs")
    actions_port, rasa_port = free_port(), free_port()
    endpoints = log_dir / "endpoints.yml"
    endpoints.write_text(
        (REPO_ROOT / "endpoints.yml").read_text().replace("127.0.0.1:5055", f"{LOOPBACK}:{actions_port}")
    )
    actions = action_server(actions_port)
    # cors: the browser tests (tests/test_widget_browser.py) call it from another origin
    rasa = rasa_server(port=rasa_port, endpoints=endpoints, cors=["*"])
    with open(log_dir / "actions.log", "wb") as actions_log, open(
        log_dir / "rasa.log", "wb"
    ) as rasa_log:
        try:
            actions.start(actions_log)
            rasa.start(rasa_log)
            actions.wait_ready()
            rasa.wait_ready()
            yield Assistant(
                f"http://{LOOPBACK}:{rasa_port}/webhooks/rest/webhook", actions, rasa, log_dir
            )
        finally:
            rasa.stop()
            actions.stop()


def texts(replies: List[Dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def button_payloads(replies: List[Dict]) -> List[str]:
    return [b["payload"] for reply in replies for b in reply.get("buttons", [])]


# ---- Raw exchanges with the REST channel, errors included (bad input and faults) ----
import urllib.error  # noqa: E402


@dataclass
class Exchange:
    """What the REST channel answered: status, headers and the JSON body."""

    status: int
    headers: Dict[str, str]
    body: object


def exchange(url: str, raw_body: bytes, timeout: float = 90) -> Exchange:
    """POSTs raw bytes; unlike `Assistant.post`, a 4xx or 5xx answer is returned, not raised."""
    request = urllib.request.Request(url, data=raw_body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Exchange(response.status, dict(response.headers), json.loads(response.read()))
    except urllib.error.HTTPError as error:
        with error:
            return Exchange(error.code, dict(error.headers), json.loads(error.read()))


def readable(replies: object) -> bool:
    """A non-empty list of bot messages, each with words a person can read."""
    return isinstance(replies, list) and bool(replies) and all(
        isinstance(reply, dict) and isinstance(reply.get("text"), str)
        and any(c.isalpha() for c in reply["text"])
        for reply in replies
    )


HELPLINES = "/request_help_now"


def channel_settings():
    """The guarded REST channel's settings as configured in credentials.yml."""
    from bot.channel import Settings
    from bot.yaml_files import read_yaml

    return Settings.from_credentials(
        read_yaml(REPO_ROOT / "credentials.yml")["bot.channel.GuardedRestInput"])


def opening(item_id: str) -> str:
    """The first words of a content item, up to its first placeholder."""
    from bot.content_model import default_library

    return default_library().items[item_id].text[0].split("{")[0][:60]
