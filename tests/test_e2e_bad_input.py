"""End to end: bad input over REST gets a clear answer, loses nothing and leaves
every other conversation alone (the guarded channel, bot/channel.py).

Every answer is checked to be readable (a list of messages with words in them),
and after each a normal conversation must still work."""
import json
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import (
    HELPLINES, button_payloads, channel_settings, exchange, opening, readable, texts,
)

SETTINGS = channel_settings()
# Recognisable, and unlike anything the servers would print on their own.
MARKER = "tangerine-lighthouse-4172"


def sender() -> str:
    return f"bad-{uuid.uuid4().hex[:12]}"


def body(person, message, **fields) -> bytes:
    return json.dumps({"sender": person, "message": message, **fields}).encode()


def still_talks(assistant, person: str) -> None:
    """A normal conversation goes on: the person gets a real answer."""
    replies = assistant.say(person, "what are the signs of a power imbalance?")
    assert opening("signs_overview") in texts(replies)


def test_the_guarded_channel_answers_at_the_usual_rest_url(assistant):
    health = assistant.rasa.health_url   # GET /webhooks/rest/
    with urllib.request.urlopen(health, timeout=10) as response:
        assert json.loads(response.read()) == {"status": "ok"}
    assert opening("welcome") in texts(assistant.say(sender(), "hello"))


@pytest.mark.parametrize("raw", [
    b"",
    b"{",
    b'{"sender": "someone", "message": "hi"',
    b"not json at all",
    b'{"sender": "someone", "message": "hi"} trailing',
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b"[" * 100_000,   # nesting deep enough to exhaust a recursive parser
], ids=["empty", "brace", "unclosed", "text", "trailing", "list", "string", "null", "deep"])
def test_malformed_json_gets_a_clear_400(assistant, raw):
    answer = exchange(assistant.url, raw)
    assert answer.status == 400
    assert readable(answer.body) and opening("unreadable_request") in texts(answer.body)
    assert "(tel:" in texts(answer.body) and HELPLINES in button_payloads(answer.body)
    assert all(reply["error"] for reply in answer.body)   # what a developer needs to know
    still_talks(assistant, sender())


@pytest.mark.parametrize("fields", [
    {"message": "hi"},
    {"sender": None, "message": "hi"},
    {"sender": "", "message": "hi"},
    {"sender": "   ", "message": "hi"},
    {"sender": 42, "message": "hi"},
    {"sender": ["someone"], "message": "hi"},
    {"sender": {"id": "someone"}, "message": "hi"},
    {"sender": "x" * 10_000, "message": "hi"},
], ids=["missing", "null", "empty", "blank", "number", "list", "object", "huge"])
def test_a_missing_or_unusable_sender_gets_a_clear_400(assistant, fields):
    answer = exchange(assistant.url, json.dumps(fields).encode())
    assert answer.status == 400
    assert readable(answer.body) and opening("unreadable_request") in texts(answer.body)
    still_talks(assistant, sender())


@pytest.mark.parametrize("fields", [
    {"message": 42},
    {"message": ["hi"]},
    {"message": {"text": "hi"}},
    {"message": "hi", "metadata": "GB"},
    {"message": "hi", "metadata": ["GB"]},
], ids=["number", "list", "object", "metadata-string", "metadata-list"])
def test_fields_of_the_wrong_type_get_a_clear_400(assistant, fields):
    person = sender()
    answer = exchange(assistant.url, json.dumps({"sender": person, **fields}).encode())
    assert answer.status == 400 and readable(answer.body)
    still_talks(assistant, person)


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("latin-1"),
    lambda text: text.encode("utf-16"),
    lambda text: text.encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xff\xfe"),
    lambda text: text.encode("utf-8")[:-3] + b"\xe2\x82",   # cut inside a character
], ids=["latin-1", "utf-16", "invalid-bytes", "truncated"])
def test_bytes_that_are_not_utf8_get_a_clear_400(assistant, encode):
    person = sender()
    raw = encode(json.dumps({"sender": person, "message": "café"}, ensure_ascii=False) + " ")
    answer = exchange(assistant.url, raw)
    assert answer.status == 400
    assert readable(answer.body) and opening("unreadable_request") in texts(answer.body)
    still_talks(assistant, person)


def test_utf8_with_a_byte_order_mark_is_read(assistant):
    person = sender()
    answer = exchange(assistant.url, b"\xef\xbb\xbf" + body(person, "hello"))
    assert answer.status == 200 and opening("welcome") in texts(answer.body)


@pytest.mark.parametrize("fields", [
    {"message": ""},
    {"message": "   "},
    {"message": "\n\t \r\n"},
    {"message": "\u0000\u0007\u001b"},
    {"message": None},
    {},
], ids=["empty", "spaces", "whitespace", "control", "null", "missing"])
def test_an_empty_message_gets_a_clear_reply_not_silence(assistant, fields):
    person = sender()
    answer = exchange(assistant.url, json.dumps({"sender": person, **fields}).encode())
    assert answer.status == 200 and readable(answer.body)
    assert opening("empty_message") in texts(answer.body)
    assert HELPLINES in button_payloads(answer.body)
    still_talks(assistant, person)


@pytest.mark.parametrize("message", [
    "😭😭😭",
    "💔",
    "<script>alert('hi')</script>",
    "<b>is he controlling?</b>",
    "{{ slot }} { } {0}",
    "هل هذا طبيعي؟",
    "\u200b\u200d\ufeff",
    "a" * SETTINGS.max_characters,
    "?!?!?!" * 300,
    "/restart",
    "/no_such_intent{\"x\": ",
], ids=["emoji", "heart", "script", "html", "braces", "arabic", "zero-width", "one-long-word", "punct",
        "restart", "broken-payload"])
def test_odd_but_valid_messages_get_a_readable_reply(assistant, message):
    person = sender()
    answer = exchange(assistant.url, body(person, message))
    assert answer.status == 200 and readable(answer.body)
    still_talks(assistant, person)


def test_a_lone_surrogate_in_the_json_is_answered(assistant):
    person = sender()
    raw = ('{"sender": "%s", "message": "is this ok \\ud800 \\udfff?"}' % person).encode()
    answer = exchange(assistant.url, raw)
    assert answer.status == 200 and readable(answer.body)
    still_talks(assistant, person)


FILLER = (
    "We argue about the washing up and about whose turn it is to pick the film. "
    "Sometimes I wonder whether other couples talk about money the way we do. "
)


def long_text(inserted: str = "", at: float = 0.5, length: int = 100_000) -> str:
    filler = (FILLER * (length // len(FILLER) + 1))[: length - len(inserted)]
    cut = filler.rfind(" ", 0, int(len(filler) * at)) + 1
    return filler[:cut] + inserted + filler[cut:]


def test_a_100000_character_message_gets_a_clear_reply_to_shorten_it(assistant):
    person = sender()
    started = time.monotonic()
    answer = exchange(assistant.url, body(person, long_text()))
    assert answer.status == 200 and readable(answer.body)
    assert texts(answer.body).startswith(opening("message_too_long"))
    assert f"{SETTINGS.max_characters:,} characters" in texts(answer.body)
    assert HELPLINES in button_payloads(answer.body)
    assert time.monotonic() - started < 60
    still_talks(assistant, person)


@pytest.mark.parametrize("at", [0.0, 0.5, 1.0], ids=["start", "middle", "end"])
def test_a_crisis_inside_an_overlong_message_still_gets_the_crisis_reply_first(assistant, at):
    person = sender()
    text = long_text("He said he would kill me if I ever left him. ", at=at)
    answer = exchange(assistant.url, body(person, text))
    assert answer.status == 200 and readable(answer.body)
    assert answer.body[0]["text"].startswith(opening("crisis_high_danger"))
    assert "(tel:911)" in answer.body[0]["text"] or "(tel:911)" in texts(answer.body)
    assert opening("message_too_long") in answer.body[-2]["text"]
    still_talks(assistant, person)


def test_a_body_over_the_size_limit_gets_a_clear_413(assistant):
    answer = exchange(assistant.url, body(sender(), "x" * (SETTINGS.max_body_bytes + 1)))
    assert answer.status == 413
    assert readable(answer.body) and opening("message_too_long") in texts(answer.body)


def test_a_flood_from_one_sender_is_slowed_down_and_others_are_unaffected(assistant):
    flooder, other = sender(), sender()
    flood_size = SETTINGS.rate_limit_messages * 2
    with ThreadPoolExecutor(flood_size + 1) as pool:
        flood = [pool.submit(exchange, assistant.url, body(flooder, f"what causes a power imbalance? {n}"))
                 for n in range(flood_size)]
        # Once the flooding sender is being turned away, a crisis from them still gets through.
        deadline = time.monotonic() + 60
        while not any(f.done() and f.result().status == 429 for f in flood):
            assert time.monotonic() < deadline, "the flood was never slowed down"
            time.sleep(0.05)
        crisis = pool.submit(exchange, assistant.url, body(flooder, "he is hitting me right now"))
        # Meanwhile someone else has an ordinary conversation, at ordinary speed.
        started = time.monotonic()
        assert opening("welcome") in texts(assistant.say(other, "hello"))
        still_talks(assistant, other)
        assert time.monotonic() - started < 15
        answers = [future.result() for future in flood]
        crisis = crisis.result()

    statuses = [a.status for a in answers]
    assert set(statuses) <= {200, 429} and statuses.count(429) >= flood_size - SETTINGS.rate_limit_messages
    assert all(readable(a.body) for a in answers)
    limited = [a for a in answers if a.status == 429]
    assert all(opening("too_many_messages") in texts(a.body) for a in limited)
    assert all(HELPLINES in button_payloads(a.body) for a in limited)
    waits = [int(a.headers["Retry-After"]) for a in limited]
    assert all(1 <= wait <= SETTINGS.rate_limit_seconds for wait in waits)

    assert crisis.status == 200
    assert crisis.body[0]["text"].startswith(opening("crisis_immediate_danger"))

    time.sleep(SETTINGS.rate_limit_seconds)   # waiting as told is enough
    still_talks(assistant, flooder)


@pytest.mark.parametrize("crisis, reply", [
    ("he is hitting me right now", "crisis_immediate_danger"),
    ("I want to kill myself", "crisis_self_harm"),
    ("help now", "crisis_help_now"),
])
def test_crisis_is_never_rate_limited(assistant, crisis, reply):
    """Past the hard limit too (three times the message limit), and the 429
    itself gives the numbers instead of asking for a message it would block."""
    person = sender()
    for _ in range(SETTINGS.rate_limit_messages * 3 + 1):
        turned_away = exchange(assistant.url, body(person, "what are the signs?"))
    assert turned_away.status == 429 and "(tel:911)" in texts(turned_away.body)
    answer = exchange(assistant.url, body(person, crisis))
    assert answer.status == 200
    assert answer.body[0]["text"].startswith(opening(reply))


def test_jumping_to_another_topic_in_the_middle_of_the_quiz(assistant):
    person = sender()
    assistant.say(person, "can I take the self-check quiz?")
    assert readable(assistant.say(person, "/answer_yes"))
    assert readable(assistant.say(person, "what causes a power imbalance?"))
    assert readable(assistant.say(person, "😭"))
    assert readable(assistant.say(person, "stop the quiz"))
    still_talks(assistant, person)


def test_bad_input_puts_no_message_text_in_the_logs(assistant):
    """The channel logs what happened, never what the person wrote."""
    person = sender()
    exchange(assistant.url, b'{"sender": "%s", "message": "%s' % (person.encode(), MARKER.encode()))
    exchange(assistant.url, ('{"sender": "%s", "message": "caf\xe9 %s"}' % (person, MARKER)).encode("latin-1"))
    exchange(assistant.url, body(person, long_text(f"{MARKER} he hits me. ")))
    for _ in range(SETTINGS.rate_limit_messages):
        exchange(assistant.url, body(person, ""))
    limited = exchange(assistant.url, body(person, f"what are the signs? {MARKER}"))
    assert limited.status == 429
    time.sleep(1)  # let the servers flush their output
    for log in sorted(assistant.log_dir.glob("*.log")):
        assert MARKER not in log.read_text(errors="replace"), f"message text in {log.name}"
