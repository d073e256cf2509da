"""Property-based tests (hypothesis): arbitrary input never crashes the NLU
pipeline (the rule-based components in process, the trained model through the
running server), the content renderer, the filling of crisis placeholders, or
the REST channel's request parsing, replies and rate limit.

Bounded (at most 200 examples a property, no deadline, no example database)
so the file takes well under a minute once the session's servers are up.
"""
import copy
import json
import math
import string
import uuid

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.core.nlg.interpolator import interpolate

from bot.behaviour import default_matcher
from bot.channel import (
    NOTICES, BadRequest, Incoming, Notices, SenderRateLimiter, Settings, clean_text, read_body,
)
from bot.content_model import Citation, Item, default_library
from bot.crisis import PLACEHOLDERS, crisis_message, fill
from bot.nlu.region_extractor import client_region, default_finder
from bot.nlu import safety
from bot.nlu.safety import CHECK_INS, PRIORITY, default_detector, within_one_edit
from bot.nlu.safety_net import NetConfirmation, SafetyNet, check_in_for
from bot.nlu.topics import TopicMatcher
from bot.render import as_messages, as_response, bubbles, buttons_for, escaped_for_rasa, payload_for
from bot.resources import Contact, RegionResources, Service, default_regions, resources_for
from bot.resources import configured_default_region

BOUNDED = settings(
    max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LIBRARY = default_library()
TOPICS = TopicMatcher(LIBRARY)
DEFAULT_RESOURCES = resources_for(configured_default_region())

# Text people might send: anything unicode, emoji, HTML, chat shorthand, crisis
# phrases inside noise, and up to the channel's length cap.
CRISIS_PHRASES = [
    "he is choking me right now", "i want to kill myself", "kms", "he hits me",
    "my boyfriend keeps pressuring me into sexual stuff", "he said he'd kill me if I left",
]
EMOJI = "😀😭💔🔪🏠❤️‍🔥👩‍👩‍👧\u200d\ufe0f"
HTML = ["<script>alert(1)</script>", "<b>", "</div>", "&amp;", "<img src=x onerror=alert(1)>", "{{x}}"]
texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list(EMOJI) + [" "]), max_size=100),
    st.lists(st.sampled_from(HTML + ["hi", "signs", " ", "?"]), max_size=30).map("".join),
    st.builds(lambda a, phrase, b: f"{a} {phrase} {b}",
              st.text(max_size=60), st.sampled_from(CRISIS_PHRASES), st.text(max_size=60)),
    st.text(alphabet=string.ascii_letters + string.punctuation + " \n\t", min_size=500, max_size=2000),
    st.text(min_size=1000, max_size=2000),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


# ---- (a) the NLU pipeline -------------------------------------------------------------

@BOUNDED
@given(text=texts)
def test_the_rule_based_nlu_components_take_any_text(text):
    finding = default_detector().assess(text)
    assert finding is None or finding.label in PRIORITY + CHECK_INS
    assert default_finder().stated(text) in set(default_regions()) | {None}
    for mention in TOPICS.find(text):
        assert 0 <= mention.start < mention.end <= len(text)
        assert mention.text == text[mention.start:mention.end] and mention.item_id in LIBRARY.items
    assessment = default_matcher().assess(text)
    assert assessment.top is None or isinstance(assessment.top, str)


KEYS = default_detector()._keys   # the detector's word normaliser
FUZZY_TARGETS = KEYS._fuzzy_targets


@st.composite
def misspellings(draw):
    """A crisis word one edit away (deleted, inserted, replaced or swapped letter)."""
    word = draw(st.sampled_from(FUZZY_TARGETS))
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from(string.ascii_lowercase))
    return draw(st.sampled_from([
        word[:at] + word[at + 1:], word[:at] + letter + word[at:], word[:at] + letter + word[at + 1:],
        word[:at] + word[at + 1:at + 2] + word[at:at + 1] + word[at + 2:],
    ]))


@BOUNDED
@given(word=misspellings() | st.text(alphabet=string.ascii_lowercase, min_size=5, max_size=12))
def test_misspelling_lookup_finds_what_a_scan_of_every_crisis_word_would(word):
    """The indexed lookup (bot/nlu/safety.py) gives the answer of the plain scan
    it replaced: the first target word one edit away."""
    if (word in KEYS.forms or word in KEYS._known or len(word) < safety.FUZZY_MIN_LENGTH
            or not word.isalpha()):
        return   # not a misspelling the detector looks up
    scanned = next(
        (KEYS.forms[f] for f in FUZZY_TARGETS if f[:2] == word[:2] and within_one_edit(word, f)), None
    )
    assert KEYS.key(word) == (scanned or KEYS._lemmas.get(word, word))


def test_a_long_message_of_made_up_words_costs_few_comparisons(monkeypatch):
    """Each made-up word is compared with a handful of candidates, not with all
    ~10,000 crisis word forms (which took seconds for one 2,000-character message)."""
    calls = []
    monkeypatch.setattr(safety, "within_one_edit", lambda a, b: calls.append(b) or within_one_edit(a, b))
    words = ["".join(sorted(set(w), reverse=True)) + "qz" for w in FUZZY_TARGETS[:300]]
    for word in words:
        KEYS.key(word)
    assert len(calls) <= 20 * len(words)


@BOUNDED
@given(metadata=json_values)
def test_any_client_metadata_gives_a_known_region_or_none(metadata):
    assert client_region(metadata) in set(default_regions()) | {None}
    assert client_region({"region": metadata}) in set(default_regions()) | {None}


# The safety net's rule for which findings need the classifier's agreement.
CONFIRMATION = NetConfirmation.from_config(SafetyNet.get_default_config())


@settings(BOUNDED, max_examples=100)
@given(text=texts)
@example(text="0000000 SAY# KIL ME")   # a threat the classifier doubts: check-in
def test_the_trained_pipeline_answers_anything_and_a_crisis_comes_first(assistant, text):
    """Through the running server: the trained model's whole NLU pipeline, the
    dialogue and the channel. The safety net has the last word on the intent,
    so whatever the noise around it, a crisis the detector finds is answered
    with its crisis reply first; one that needs the learnt classifier's
    agreement ("0000000 SAY# KIL ME"), or that it all but rules out in a
    longer message, gets that reply or the check-in for its class, which shows
    the numbers too."""
    replies = assistant.say(f"fuzz-{uuid.uuid4().hex[:12]}", text)
    assert replies and all(isinstance(r.get("text"), str) and r["text"].strip() for r in replies)
    said = clean_text(text)
    finding = default_detector().detect(said) if said and not said.startswith("/") else None
    if finding is not None:
        crisis = LIBRARY.items[f"crisis_{finding.label}"]
        expected = {crisis_message(crisis, LIBRARY, DEFAULT_RESOURCES)["text"]}
        if CONFIRMATION.may_ask(finding, said):
            check_in = LIBRARY.items[check_in_for(finding.label)]
            expected.add(crisis_message(check_in, LIBRARY, DEFAULT_RESOURCES)["text"])
        assert replies[0]["text"] in expected


# ---- (b) the content renderer ------------------------------------------------------------

SLOT_NAMES = ["region_stated", "region_client", "last_topic", "q_decisions"]
bubble_text = st.text(min_size=1, max_size=480)


@st.composite
def items(draw):
    """An item like a content file could hold, suggesting shipped items."""
    article = draw(st.sampled_from(sorted(LIBRARY.sources.values(), key=lambda s: s.id)))
    kind = draw(st.sampled_from(["overview", "sign", "faq", "conversation", "crisis"]))
    return Item(
        id=draw(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)),
        kind=kind,
        title=draw(st.text(min_size=1, max_size=80)),
        text=tuple(draw(st.lists(bubble_text, min_size=1, max_size=3))),
        file="fuzz.yml",
        button=draw(st.none() | st.text(min_size=1, max_size=40)),
        example=draw(st.none() | bubble_text),
        intent=draw(st.none() | st.from_regex(r"[a-z_]{1,20}", fullmatch=True)),
        suggestions=tuple(draw(st.lists(st.sampled_from(sorted(LIBRARY.items)), max_size=10))),
        citation=None if kind == "conversation" else Citation(
            article, draw(st.sampled_from(article.sections))),
    )


def unescaped(message):
    """What a person sees once Rasa has filled slots into a domain response."""
    values = {name: "VALUE" for name in SLOT_NAMES}
    return interpolate(copy.deepcopy(message), values)


@BOUNDED
@given(item=items())
def test_any_item_renders_to_chat_messages(item):
    messages = as_messages(item, LIBRARY)
    assert [m["text"] for m in messages] == bubbles(item)
    assert all(isinstance(m["text"], str) and m["text"] for m in messages)
    assert all("buttons" not in m for m in messages[:-1])
    for button, target in zip(messages[-1].get("buttons", []), item.suggestions):
        shown = LIBRARY.items[target]
        assert button["title"] == shown.button_title
        if shown.kind == "crisis" and shown.intent:
            assert button["payload"] == f"/{shown.intent}"
        else:
            assert button["payload"] == payload_for(target)
            assert json.loads(button["payload"][len("/tell_more"):]) == {"topic": target}


@BOUNDED
@given(item=items())
def test_a_domain_response_survives_rasas_slot_filling_unchanged(item):
    """Rasa fills `{slot}` in a response's text and buttons; literal braces in
    the content must come out as written, never crash or pull in a slot."""
    response = as_response(item, LIBRARY)
    shown = unescaped(response)
    assert shown["text"] == "\n\n".join(bubbles(item))
    assert shown.get("buttons", []) == buttons_for(item, LIBRARY)


@BOUNDED
@given(text=st.text(max_size=200), title=st.text(min_size=1, max_size=40), payload=st.text(max_size=60))
def test_escaping_for_rasa_round_trips_any_text(text, title, payload):
    message = {"text": text, "buttons": [{"title": title, "payload": payload}]}
    assert unescaped(escaped_for_rasa(message)) == message


# ---- crisis placeholders -------------------------------------------------------------

plain = st.text(alphabet=st.characters(blacklist_characters="{}\n"), max_size=40)
template_lines = st.lists(
    st.lists(plain | st.sampled_from(sorted(PLACEHOLDERS)).map(lambda n: "{" + n + "}"),
             max_size=4).map("".join),
    min_size=1, max_size=6,
).map("\n".join)

contacts = st.builds(
    Contact,
    how=st.sampled_from(["call", "text", "chat", "web", "email", "silent_call"]),
    value=st.text(max_size=20),
    label=st.none() | st.text(max_size=20),
    keyword=st.none() | st.text(max_size=10),
)
services = st.builds(
    Service,
    id=st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    name=st.text(max_size=30),
    role=st.sampled_from(["emergency", "domestic_abuse", "suicide_crisis", "sexual_assault",
                          "young_people", "crisis_text", "mens_line", "own_behaviour",
                          "shelter_directory", "directory"]),
    contacts=st.lists(contacts, min_size=1, max_size=3).map(tuple),
    source_url=st.just("https://example.org/"),
    source_page=st.text(max_size=10),
    verified=st.dates().map(str),
    hours=st.none() | st.text(max_size=10),
    note=st.none() | st.text(max_size=30),
)
regions = st.one_of(
    st.sampled_from(sorted(default_regions().values(), key=lambda r: r.region)),
    st.builds(
        RegionResources,
        region=st.from_regex(r"[A-Z]{2}", fullmatch=True),
        name=st.text(max_size=20),
        services=st.lists(services, min_size=1, max_size=5).map(tuple),
        emergency_fallback=st.none() | st.text(min_size=1, max_size=30),
    ),
)


@BOUNDED
@given(template=template_lines, region=regions)
def test_filling_any_template_for_any_region_leaves_no_placeholder(template, region):
    filled = fill(template, region)
    values = [render(region) for render in PLACEHOLDERS.values()]
    if not any("{" in value or "}" in value for value in values):
        assert "{" not in filled and "}" not in filled


@BOUNDED
@given(region=regions, item_id=st.sampled_from(sorted(i.id for i in LIBRARY.of_kind("crisis"))))
def test_every_crisis_reply_renders_for_any_region(region, item_id):
    message = crisis_message(LIBRARY.items[item_id], LIBRARY, region)
    assert message["text"].strip()
    assert unescaped(escaped_for_rasa(message)) == message


# ---- the REST channel: request bodies, replies, rate limit ---------------------------

SETTINGS = Settings()


@BOUNDED
@given(body=st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"sender": json_values, "message": json_values | texts},
        optional={"metadata": json_values, "input_channel": json_values},
    ).map(lambda v: json.dumps(v).encode()),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
))
def test_any_request_body_is_read_or_refused_with_a_reason(body):
    try:
        incoming = read_body(body, SETTINGS)
    except BadRequest as bad:
        assert bad.status in (400, 413) and bad.reason
        return
    assert isinstance(incoming, Incoming) and incoming.sender
    assert incoming.text == clean_text(incoming.text)
    incoming.text.encode("utf-8")  # nothing unencodable reaches Rasa
    assert incoming.metadata is None or isinstance(incoming.metadata, dict)


@BOUNDED
@given(text=st.text().map(lambda t: t + "\ud800" if len(t) % 3 == 0 else t))
def test_cleaned_text_is_encodable_and_free_of_control_characters(text):
    cleaned = clean_text(text)
    cleaned.encode("utf-8")
    assert cleaned == cleaned.strip()
    assert not any(ord(c) < 32 and c not in "\n\t" for c in cleaned)


@BOUNDED
@given(item_id=st.sampled_from(NOTICES), region=st.none() | st.sampled_from(sorted(default_regions())) |
       st.text(max_size=4), sender=st.none() | st.text(min_size=1, max_size=20))
def test_every_channel_reply_renders_readably_for_any_region(item_id, region, sender):
    messages = Notices(LIBRARY, SETTINGS).render(item_id, region, sender)
    assert messages and all(m["text"].strip() and "{" not in m["text"] for m in messages)
    assert all(m.get("recipient_id") == sender for m in messages if sender is not None)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@BOUNDED
@given(
    limit=st.integers(1, 6), characters=st.integers(1, 500), seconds=st.integers(1, 20),
    traffic=st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 5), st.integers(0, 300)), max_size=80),
)
def test_the_rate_limit_never_lets_more_through_than_its_window_allows(limit, characters, seconds, traffic):
    clock = FakeClock()
    limiter = SenderRateLimiter(limit, characters, seconds, clock=clock)
    allowed = {"a": [], "b": []}
    for sender, pause, size in traffic:
        clock.now += pause
        size = min(size, characters)   # Settings keep the character limit above any one message
        if limiter.check(sender, size) == SenderRateLimiter.OK:
            allowed[sender].append((clock.now, size))
            recent = [(t, c) for t, c in allowed[sender] if t > clock.now - seconds]
            assert len(recent) <= limit
            assert sum(c for _, c in recent) <= characters
        else:
            wait = limiter.retry_after(sender)
            assert 1 <= wait <= math.ceil(seconds)
    for sender in "ab":   # waiting as told always gets a short message through
        clock.now += limiter.retry_after(sender) + 1e-6   # (float clock)
        assert limiter.check(sender, 1) == SenderRateLimiter.OK
