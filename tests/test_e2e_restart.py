"""The Rasa server restarted mid-conversation: the web widget and a plain REST
client both carry on once it is back.

The default tracker store keeps conversations in memory only (privacy), so a
restart starts them afresh; what must not happen is an error, a lost message
or a widget that stays broken. One restart serves both clients: loading the
model costs ~30 s."""
import json
import time
import urllib.error

import pytest

from tests.conftest import texts
from tests.test_widget_browser import BOT, bot_count, open_widget, say, wait_for_bot
from tests.test_widget_browser import browser, page, site  # noqa: F401  (fixtures)

RESTART_TIMEOUT_S = 180


def say_with_retry(assistant, sender, text, timeout=RESTART_TIMEOUT_S):
    """What a REST client should do: retry while the server cannot be reached."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return assistant.say(sender, text)
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


class RasaRestarts:
    def __init__(self, assistant):
        self.rasa, self.log_dir = assistant.rasa, assistant.log_dir

    def stop(self):
        self.rasa.stop()

    def start(self):
        with open(self.log_dir / "rasa.log", "ab") as log:
            self.rasa.start(log).wait_ready()

    def running(self) -> bool:
        return self.rasa.process.poll() is None


@pytest.fixture
def rasa_restarts(assistant):
    restarts = RasaRestarts(assistant)
    yield restarts
    if not restarts.running():
        restarts.start()  # leave a running server for the tests after this one


def test_widget_and_rest_client_recover_from_a_restart(assistant, page, site, rasa_restarts):  # noqa: F811
    sender = "restart-rest"
    assert "signs" in texts(assistant.say(sender, "what are the signs of a power imbalance?")).lower()
    open_widget(page, site + "/")
    say(page, "what is a power imbalance?")
    rasa_restarts.stop()

    # While it is down the widget keeps the message, says so and shows the crisis fallback.
    before = bot_count(page)
    page.get_by_label("Your message").fill("how do I talk to my partner about it?")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector("text=Couldn't reach the assistant.", timeout=30_000)
    with pytest.raises(urllib.error.URLError):
        assistant.say(sender, "hello?")

    rasa_restarts.start()

    # The widget delivers the waiting message by itself and the chat goes on.
    wait_for_bot(page, before + 1)  # the fallback bubble, then the real answer
    page.wait_for_function(
        "() => document.querySelector('.pbg-status').textContent === ''", timeout=60_000)
    answers = page.locator(BOT).all_inner_texts()
    assert any("talk" in a.lower() or "conversation" in a.lower() for a in answers[before:])
    say(page, "take the quiz")
    assert "?" in page.locator(BOT).last.inner_text()

    # The REST client is answered normally: a new conversation, not an error.
    replies = say_with_retry(assistant, sender, "what are the signs of a power imbalance?")
    assert "signs" in texts(replies).lower()
    assert texts(say_with_retry(assistant, sender, "I'm scared he will kill me")).strip()
