"""Scale-out, end to end: two Rasa servers share one real `redis-server`
(tracker store and lock store, bot/deploy/endpoints.redis.yml) and one
conversation alternates between them on every message, as behind a load
balancer without sticky sessions. Nothing may be lost, Redis must forget the
conversation by itself (a TTL), and the finished quiz must be redacted there too.

The servers read the shipped endpoints file; only the environment variables it
names (${REDIS_PORT}, ${ACTION_SERVER_URL}...) differ, as in a deployment.
"""
import itertools
import json
import os
import shutil
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest
import redis
import yaml

from bot.cli import DEFAULT_ENDPOINTS, REDIS_ENDPOINTS, endpoint_defaults, select_endpoints
from bot.content_model import default_library
from bot.paths import REPO_ROOT
from bot.quiz import ANSWER_INTENTS, default_quiz
from bot.services import (
    DEFAULT_MODEL, LOOPBACK, REDIS_SERVER, action_server, rasa_server, redis_server,
)
from tests.conftest import Assistant, free_port, texts

DEPLOY = REPO_ROOT / "bot" / "deploy"
KEY_PREFIX = "powerbalance"
SESSION_SECONDS = 30 * 60


@dataclass
class Cluster:
    a: Assistant
    b: Assistant
    redis: redis.Redis
    log_dir: Path

    def stored(self, sender: str) -> Dict:
        raw = self.redis.get(f"{KEY_PREFIX}:tracker:{sender}")
        assert raw is not None, "the conversation is not in Redis"
        return json.loads(raw)


@contextmanager
def environment(**values: str):
    """Set for the servers started inside (they copy os.environ), then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def distinct_free_ports(count: int) -> List[int]:
    ports: List[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: run `make test`, which trains it")
    if shutil.which(REDIS_SERVER) is None:
        pytest.fail(
            f"`{REDIS_SERVER}` is not installed, and the scale-out test needs a real one: "
            "`make system-deps` installs it (Debian package redis-server); `make test` runs "
            "system-deps first"
        )
    work = tmp_path_factory.mktemp("replicas")
    redis_port, actions_port, port_a, port_b = distinct_free_ports(4)
    store = redis_server(redis_port, work)
    actions = action_server(actions_port)
    servers = [rasa_server(port=port, endpoints=REDIS_ENDPOINTS) for port in (port_a, port_b)]
    with ExitStack() as stack:
        log = lambda name: stack.enter_context(open(work / f"{name}.log", "wb"))  # noqa: E731
        try:
            store.start(log("redis")).wait_ready()
            with environment(
                REDIS_HOST=LOOPBACK, REDIS_PORT=str(redis_port), REDIS_PASSWORD="",
                ACTION_SERVER_URL=f"http://{LOOPBACK}:{actions_port}/webhook",
            ):
                actions.start(log("actions"))
                for name, server in zip("ab", servers):  # both load their model at once
                    server.start(log(f"rasa-{name}"))
            actions.wait_ready()
            for server in servers:
                server.wait_ready()
            client = redis.Redis(host=LOOPBACK, port=redis_port, decode_responses=True)
            a, b = (
                Assistant(f"http://{LOOPBACK}:{port}/webhooks/rest/webhook", actions, server, work)
                for port, server in zip((port_a, port_b), servers)
            )
            # The first message to a server builds its prediction graphs, and the
            # first behaviour check warms the action server up (seconds each, and
            # the REST channel bounds how long an action may take): do both now.
            warm_up = [(a, "my boyfriend goes through my phone every night, is that a red flag?"),
                       (b, "what are the signs of a power imbalance?")]
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda pair: pair[0].say("warm-up", pair[1]), warm_up))
            yield Cluster(a, b, client, work)
        finally:
            # Nothing to flush (the conversations were in this throwaway Redis),
            # and a Rasa server takes ~8 s to stop gracefully: 3 s, all at once.
            with ThreadPoolExecutor(3) as pool:
                list(pool.map(lambda service: service.stop(grace=3), (*servers, actions)))
            store.stop()


def question(n: int) -> str:
    return default_quiz().questions[n].text


def title(item_id: str) -> str:
    return default_library().items[item_id].title


def user_events(stored: Dict) -> List[Dict]:
    return [e for e in stored["events"] if e["event"] == "user"]


def test_one_conversation_alternating_between_two_servers_loses_nothing(cluster):
    person = f"replicas-{uuid.uuid4().hex[:12]}"
    servers = itertools.cycle([cluster.a, cluster.b])
    said_on = []

    def say(text: str) -> List[Dict]:
        server = next(servers)
        said_on.append("ab"[server is cluster.b])
        return server.say(person, text)

    # Some questions first, one on each server.
    overview = default_library().items["signs_overview"].text[0][:50]
    assert overview in texts(say("what are the signs of a power imbalance?"))
    key = f"{KEY_PREFIX}:tracker:{person}"
    assert 0 < cluster.redis.ttl(key) <= SESSION_SECONDS  # expires like the session
    reply = texts(say("he always picks the restaurant, is that a warning sign?"))
    assert f"That sounds like **{title('sign_one_sided_decisions')}**" in reply

    # The quiz, one answer on each server in turn; a question in the middle.
    assert question(0) in texts(say("can I take the self-check quiz?"))
    answers = ["/answer_yes", "/answer_sometimes", "/answer_yes", "/answer_no", "/skip_question",
               "/answer_yes", "/answer_sometimes", "/answer_no", "/answer_no", "/answer_yes"]
    half = len(answers) // 2
    for n, answer in enumerate(answers):
        if n == half:
            replies = say("what are the signs of a power imbalance?")
            assert question(n) in texts(replies)  # answered, and the quiz carries on
            stored = cluster.stored(person)
            answered = {q: v for q, v in stored_slots(stored).items() if v is not None}
            assert len(answered) == half, "answers given on one server missing on the other"
        replies = say(answer)
        if n + 1 < len(answers):
            assert question(n + 1) in texts(replies), f"answer {n + 1} on server {said_on[-1]}"
    assert set(said_on) == {"a", "b"}

    # The result counts every answer, from both servers.
    quiz = default_quiz()
    given = {slot: ANSWER_INTENTS[a.lstrip("/")] for slot, a in zip(quiz.slots, answers)}
    expected = quiz.result(given)
    result = texts(replies)
    assert expected.text in result
    signs = ", ".join(f"**{title(s)}**" for s in expected.signs)
    assert f"Signs that came up in your answers: {signs}." in result
    assert len(expected.signs) == 6

    # In Redis: still expiring, and nothing of the answers left.
    assert 0 < cluster.redis.ttl(key) <= SESSION_SECONDS
    stored = cluster.stored(person)
    users = user_events(stored)
    assert "he always picks the restaurant, is that a warning sign?" in [e["text"] for e in users]
    for event in users:
        assert not event["text"].startswith("/answer"), event["text"]
        intent = event["parse_data"]["intent"]["name"]
        if intent in ANSWER_INTENTS:
            assert intent == "skip_question" and event["text"] in ("", "/skip_question")
    assert not any(v for v in stored_slots(stored).values())
    bot_texts = " ".join(e.get("text") or "" for e in stored["events"] if e["event"] == "bot")
    assert "Signs that came up" not in bot_texts and expected.text not in bot_texts

    # And no server logged what was said.
    time.sleep(0.5)
    for log in sorted(cluster.log_dir.glob("*.log")):
        assert "picks the restaurant" not in log.read_text(errors="replace"), log.name


def stored_slots(stored: Dict) -> Dict:
    """The last value set for each quiz slot in a stored conversation."""
    slots = {slot: None for slot in default_quiz().slots}
    for event in stored["events"]:
        if event["event"] == "slot" and event["name"] in slots:
            slots[event["name"]] = event["value"]
    return slots


def test_messages_to_both_servers_at_once_are_answered_one_after_the_other(cluster):
    """The second server waits in the Redis lock until the first has finished
    the turn, then continues from where the first left the conversation."""
    person = f"replicas-{uuid.uuid4().hex[:12]}"
    assert question(0) in texts(cluster.a.say(person, "can I take the self-check quiz?"))
    lock_key = f"{KEY_PREFIX}:lock:{person}"

    def wait_for_tickets(count: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lock = cluster.redis.get(lock_key)
            if lock and len(json.loads(lock)["tickets"]) == count:
                return
            time.sleep(0.01)
        raise AssertionError(f"no lock with {count} ticket(s) in Redis: {lock!r}")

    # Hold the first turn mid-way: the action server that asks the next
    # question is paused until both messages are in.
    actions = cluster.a.actions.process.pid
    with ThreadPoolExecutor(2) as pool:
        os.killpg(actions, signal.SIGSTOP)
        try:
            first = pool.submit(cluster.a.say, person, "/answer_yes")
            wait_for_tickets(1)   # server A holds the lock
            second = pool.submit(cluster.b.say, person, "/answer_no")
            wait_for_tickets(2)   # server B queues behind it
        finally:
            os.killpg(actions, signal.SIGCONT)
        replies = [texts(first.result()), texts(second.result())]

    # Each answer was counted, in the order received: without the lock both
    # servers would answer question 1 and ask question 2, and one answer is lost.
    assert question(1) in replies[0] and question(2) not in replies[0], replies
    assert question(2) in replies[1], replies
    slots = stored_slots(cluster.stored(person))
    quiz = default_quiz()
    assert (slots[quiz.slots[0]], slots[quiz.slots[1]]) == ("yes", "no")  # quiz still running
    assert cluster.redis.exists(lock_key) == 0  # no lock left behind once the turns are done


# --- Selecting the configuration, and the deployment files -------------------

def test_the_endpoints_file_is_chosen_by_the_environment():
    assert select_endpoints({}) == DEFAULT_ENDPOINTS
    assert select_endpoints({"REDIS_HOST": "redis"}) == REDIS_ENDPOINTS
    assert select_endpoints({"BOT_ENDPOINTS": "bot/deploy/endpoints.redis.yml"}) == REDIS_ENDPOINTS
    assert select_endpoints({"BOT_ENDPOINTS": "endpoints.yml", "REDIS_HOST": "x"}) == DEFAULT_ENDPOINTS
    assert select_endpoints({"REDIS_HOST": "x"}, explicit="/etc/e.yml") == Path("/etc/e.yml")


def test_loopback_defaults_fill_only_what_the_file_uses():
    assert endpoint_defaults(DEFAULT_ENDPOINTS, 5055) == {}
    defaults = endpoint_defaults(REDIS_ENDPOINTS, 5066)
    assert defaults["ACTION_SERVER_URL"] == f"http://{LOOPBACK}:5066/webhook"
    assert set(defaults) == {"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "ACTION_SERVER_URL"}


def load(name: str):
    return yaml.safe_load((DEPLOY / name).read_text())


def test_the_helm_values_use_the_same_stores_as_the_endpoints_file():
    values, endpoints = load("helm-values.yml"), load("endpoints.redis.yml")
    settings = values["applicationSettings"]
    assert settings["telemetry"]["enabled"] is False
    assert settings["enableAPI"] is False and settings["debugMode"] is False
    assert values["replicaCount"] >= 2
    for chart_key, file_key in (("trackerStore", "tracker_store"), ("lockStore", "lock_store")):
        store = dict(settings["endpoints"][chart_key])
        assert store.pop("enabled") is True
        as_text = lambda config: {k: str(v) for k, v in config.items()}  # noqa: E731
        assert as_text(store) == as_text(endpoints[file_key])
    # Rasa reads the endpoints the chart renders from these values, and the
    # channel from the image's credentials.yml (whichever class it names).
    assert values["extraArgs"][values["extraArgs"].index("--endpoints") + 1] == "/app/endpoints.yml"
    assert settings["credentials"]["enabled"] is False
    assert "/app" not in (DEPLOY / "Dockerfile").read_text().split("WORKDIR")[1].splitlines()[0]
    assert values["rasa-action-server"]["install"] is True
    assert values["postgresql"]["install"] is False  # no SQL store next to Redis


def test_the_compose_file_runs_replicas_of_our_image_with_telemetry_off():
    services = load("docker-compose.yml")["services"]
    ours = {name: s for name, s in services.items() if "build" in s}
    assert set(ours) == {"actions", "rasa"}
    assert all(s["environment"]["RASA_TELEMETRY_ENABLED"] == "false" for s in ours.values())
    rasa = services["rasa"]
    assert rasa["deploy"]["replicas"] >= 2
    assert rasa["command"][rasa["command"].index("--endpoints") + 1] == "bot/deploy/endpoints.redis.yml"
    assert "--appendonly no" in " ".join(services["redis"]["entrypoint"])
    assert "ENV RASA_TELEMETRY_ENABLED=false" in (DEPLOY / "Dockerfile").read_text()
