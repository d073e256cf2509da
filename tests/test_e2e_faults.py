"""End to end: the action server down or slow (fault injection on the real
servers). The person gets a clear reply with the emergency number of their
region, crisis replies keep working (they are domain responses), the wait is
bounded, and the conversation carries on normally once the fault is gone.

Slow is real: a delaying TCP proxy, started here, sits on the action server's
port in front of a real action server."""
import asyncio
import logging
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlparse

from bot.channel import GuardedRestInput, Incoming
from bot.services import LOOPBACK, action_server
from tests.conftest import (
    HELPLINES, button_payloads, channel_settings, free_port, opening, readable, texts,
)

SETTINGS = channel_settings()
TIMEOUT = SETTINGS.action_timeout_seconds
MARKER = "marmalade-compass-2259"


def sender() -> str:
    return f"faults-{uuid.uuid4().hex[:12]}"


def answered_normally(replies) -> bool:
    return opening("signs_overview") in texts(replies)


class DelayingProxy:
    """A TCP proxy on loopback that holds every new connection for `delay`
    seconds, then passes bytes both ways to the real server behind it."""

    def __init__(self, port: int, upstream_port: int, delay: float) -> None:
        self.delay, self._upstream = delay, upstream_port
        self._closed = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client, self.delay), daemon=True).start()

    def _serve(self, client: socket.socket, delay: float) -> None:
        with client:
            if self._closed.wait(delay):
                return
            try:
                upstream = socket.create_connection((LOOPBACK, self._upstream), timeout=30)
            except OSError:
                return
            with upstream:
                back = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
                back.start()
                self._pipe(client, upstream)
                back.join(30)

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    target.shutdown(socket.SHUT_WR)
                    return
                target.sendall(data)
        except OSError:
            return

    def close(self) -> None:
        self._closed.set()
        self._listener.close()


@contextmanager
def slow_action_server(assistant, delay: float):
    """The real action server moves to another port; the proxy takes its place."""
    port = urlparse(assistant.actions.health_url).port
    with assistant.action_server_stopped():
        behind = action_server(free_port())
        with open(assistant.log_dir / "actions-behind-proxy.log", "wb") as log:
            behind.start(log)
            try:
                behind.wait_ready()
                proxy = DelayingProxy(port, int(urlparse(behind.health_url).port), delay)
                try:
                    yield proxy
                finally:
                    proxy.close()
            finally:
                behind.stop()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_action_server_down_gives_a_clear_reply_and_crisis_replies_still_work(assistant):
    person, australian, quizzer = sender(), sender(), sender()
    assistant.say(australian, "I live in Sydney", metadata={"region": "GB"})
    with assistant.action_server_stopped():
        replies = assistant.say(person, f"what are the signs of a power imbalance? {MARKER}")
        assert readable(replies)
        assert replies[0]["text"].startswith(opening("answers_unavailable"))
        assert "If you're in danger, call [911](tel:911)." in texts(replies)
        assert HELPLINES in button_payloads(replies)

        # Crisis replies and the helplines are served by Rasa itself.
        crisis = assistant.say(person, "he's outside with a knife and I'm hiding")
        assert crisis[0]["text"].startswith("If you are in danger right now")
        assert "(tel:+18007997233)" in texts(assistant.say(person, HELPLINES))

        # The emergency number is the person's region's: what they said, then the client's.
        assert "call [000](tel:000)." in texts(
            assistant.say(australian, "what are the signs?", metadata={"region": "GB"}))
        assert "call [999](tel:999)." in texts(
            assistant.say(sender(), "what are the signs?", metadata={"region": "GB"}))

        # A form whose question comes from the action server says so too.
        quiz = assistant.say(quizzer, "can I take the self-check quiz?")
        assert opening("answers_unavailable") in texts(quiz)

    # Back up: the same conversations carry on as if nothing happened.
    assert answered_normally(assistant.say(person, "what are the signs of a power imbalance?"))
    assert answered_normally(assistant.say(australian, "what are the signs of a power imbalance?"))
    assert readable(assistant.say(quizzer, "/answer_yes"))
    for log in ("rasa.log", "actions.log"):
        assert MARKER not in (assistant.log_dir / log).read_text(errors="replace")


def test_action_server_slow_gives_a_clear_reply_within_the_timeout(assistant):
    person, other = sender(), sender()
    with slow_action_server(assistant, delay=TIMEOUT * 10) as proxy:
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(timed, lambda: assistant.say(person, "what are the signs?"))
            # While one person waits on the action server, a crisis elsewhere is answered at once.
            crisis, took = timed(lambda: assistant.say(other, "i want to kill myself"))
            assert crisis[0]["text"].startswith(opening("crisis_self_harm")) and took < TIMEOUT
            replies, waited = waiting.result()

        assert TIMEOUT - 0.5 <= waited < TIMEOUT + 10   # bounded: not Rasa's five minutes
        assert readable(replies)
        assert replies[0]["text"].startswith(opening("answers_slow"))
        assert "(tel:911)" in texts(replies) and HELPLINES in button_payloads(replies)

        # A form asking its question through the slow server is bounded too.
        quiz, waited = timed(lambda: assistant.say(sender(), "can I take the self-check quiz?"))
        assert opening("answers_slow") in texts(quiz) and waited < TIMEOUT + 10

        # The same conversation carries on once the action server is fast again.
        proxy.delay = 0
        assert answered_normally(assistant.say(person, "what are the signs of a power imbalance?"))

    assert answered_normally(assistant.say(person, "what are the signs of a power imbalance?"))


class BrokenAgent:
    """An agent whose conversation store has gone away mid-message."""

    action_endpoint = processor = tracker_store = None

    def is_ready(self) -> bool:
        return True


def test_a_failure_inside_rasa_gets_a_clear_reply_and_no_text_in_the_log(caplog):
    async def handler_that_fails(message):
        await message.output_channel.send_text_message(message.sender_id, "a reply sent before")
        raise RuntimeError(f"store unreachable while handling {message.text!r}")

    channel = GuardedRestInput(SETTINGS)
    incoming = Incoming("someone", f"what are the signs? {MARKER}", {"region": "GB"}, None)
    with caplog.at_level(logging.INFO):
        status, replies = asyncio.run(
            channel._converse(handler_that_fails, BrokenAgent(), incoming, incoming.text))
    assert status == 500 and readable(replies)
    assert replies[0]["text"] == "a reply sent before"   # nothing already said is lost
    assert replies[1]["text"].startswith(opening("answers_unavailable"))
    assert "call [999](tel:999)." in texts(replies)   # the client's region, as crisis replies use
    assert "RuntimeError" in caplog.text and MARKER not in caplog.text
