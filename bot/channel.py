"""The REST channel, guarded against bad input and faults.

Listed in credentials.yml by its module path. Its name stays `rest`, so the
URL stays POST /webhooks/rest/webhook (health check: GET /webhooks/rest/).
Every answer is a JSON list of bot messages, errors included, so any client
can show it; the status code tells a program what happened:

- 400: the body is not UTF-8 JSON, or `sender` is missing or not a string,
  or `message` is not a string, or `metadata` is not an object;
- 413: the body is larger than `max_body_bytes`;
- 429 (with Retry-After): one sender sent more than `rate_limit_messages`
  messages, or more than `rate_limit_characters` characters, within
  `rate_limit_seconds`; the reply gives the region's emergency number and
  domestic-abuse line. Crisis is never rate-limited: every message is scanned
  by the safety detector up to `scan_characters`, and one in which it finds a
  crisis, or that the model reads as a crisis or a request for help, goes
  through however many came before it;
- 500: handling the message failed inside Rasa (never a stack trace);
  503: the model is not loaded yet;
- 200: everything else, including an empty message (a reply asking for one)
  and a message longer than `max_characters` (a reply asking for shorter
  parts). The model only ever reads `max_characters` at a time, but a long
  message is first scanned for crisis language by the deterministic safety
  detector, one window at a time up to `scan_characters`; the most urgent
  window is answered like any message, so the crisis reply comes first.
  Never silence: when Rasa itself answers nothing ("/restart"), the
  fallback reply is sent.

Custom actions: the action server is called with a bounded wait
(`action_timeout_seconds`, instead of Rasa's five minutes). When an action
fails or times out during a message, Rasa logs it and carries on without
that action's events; this channel then adds a reply saying so, with the
emergency number of the person's region. After one failure, the other
actions of the same message fail at once rather than wait again. Crisis
replies are domain responses, so they never depend on the action server.

Wording lives in bot/content/conversation.yml. Logs name what happened
("message over length cap: 100000 characters"), never the person's text or
sender id.
"""
import asyncio
import json
import logging
import math
import re
import time
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Text, Tuple

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.content_model import Library, default_library
from bot.crisis import fill
from bot.nlu.region_extractor import client_region
from bot.nlu.safety import INTENT_PREFIX, PRIORITY, SafetyDetector, default_detector
from bot.nlu.safety_net import SCANNED_EXCERPT
from bot.rasa_fixes import freeze_loaded_objects  # and Rasa's speed fixes, with the channel
from bot.render import KIND, Message, as_messages
from bot.resources import resources_for
from bot.resources import CLIENT_SLOT, STATED_SLOT, configured_default_region, region_for

logger = logging.getLogger(__name__)

# Content items (bot/content/conversation.yml) this channel answers with.
EMPTY = "empty_message"
TOO_LONG = "message_too_long"
TOO_FAST = "too_many_messages"
UNREADABLE = "unreadable_request"
UNAVAILABLE = "answers_unavailable"
SLOW = "answers_slow"
NO_REPLY = "fallback"   # when Rasa answered nothing at all ("/restart")
NOTICES = (EMPTY, TOO_LONG, TOO_FAST, UNREADABLE, UNAVAILABLE, SLOW, NO_REPLY)

HARD_LIMIT_FACTOR = 3         # beyond 3x the message limit, attempts are no longer counted
SCAN_OVERLAP = 300            # characters shared by neighbouring scan windows
SCAN_PAUSE = 0.01             # seconds left to other conversations between scan windows
LIMITED_CHECK_CHARACTERS = 500  # how much of a rate-limited message the model reads for help
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Settings:
    """The channel's entry in credentials.yml; every key is optional."""

    max_characters: int = 2000
    scan_characters: int = 100_000
    max_body_bytes: int = 2_000_000
    max_sender_characters: int = 128
    rate_limit_messages: int = 20
    rate_limit_characters: int = 200_000
    rate_limit_seconds: float = 10.0
    action_timeout_seconds: float = 8.0

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "Settings":
        credentials = dict(credentials or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(credentials) - set(known))
        if unknown:
            raise ValueError(f"unknown settings for the guarded REST channel: {', '.join(unknown)}")
        for name, value in credentials.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"guarded REST channel: `{name}` must be a positive number")
        settings = cls(**credentials)
        if settings.scan_characters < settings.max_characters:
            raise ValueError("guarded REST channel: `scan_characters` is below `max_characters`")
        if settings.rate_limit_characters < settings.scan_characters:
            raise ValueError(  # or a long message could never get through
                "guarded REST channel: `rate_limit_characters` is below `scan_characters`"
            )
        return settings


# ---- replies as the channel sends them ------------------------------------------------

class TaggedCollectingOutputChannel(CollectingOutputChannel):
    """Rasa's collector sends a response's `custom` part as a message of its
    own; here each bubble of the response carries it instead, so that every
    message says what it is (`{"custom": {"kind": "crisis", ...}}`)."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom = message.pop(KIND, None)
        first = len(self.messages)
        await super().send_response(recipient_id, message)
        if custom is None:
            return
        if len(self.messages) == first:   # a response that is only its custom part
            await self.send_custom_json(recipient_id, custom)
            return
        for sent in self.messages[first:]:
            sent[KIND] = custom


# ---- the custom actions of one message ------------------------------------------------

@dataclass
class Turn:
    """What happened to the custom actions while one message was handled."""

    action_failure: Optional[str] = None   # SLOW or UNAVAILABLE


_TURN: ContextVar[Optional[Turn]] = ContextVar("guarded_rest_turn", default=None)


class GuardedActionEndpoint(EndpointConfig):
    """The action server endpoint of endpoints.yml, with a bounded wait; notes a
    failure in the message being handled (a context variable, so concurrent
    messages never see each other's)."""

    def __init__(self, endpoint: EndpointConfig, timeout: float) -> None:
        super().__init__(
            endpoint.url, endpoint.params, endpoint.headers, endpoint.basic_auth,
            endpoint.token, endpoint.token_name, endpoint.cafile, **endpoint.kwargs,
        )
        self.type = endpoint.type
        self.timeout = timeout

    async def request(self, *args: Any, **kwargs: Any) -> Optional[Any]:
        turn = _TURN.get()
        if turn is not None and turn.action_failure:
            raise aiohttp.ClientConnectionError("the action server already failed for this message")
        kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout)
        try:
            return await super().request(*args, **kwargs)
        except ClientResponseError as error:
            if error.status != 400:   # 400: the action rejected itself (a form), not a fault
                self._note(turn, UNAVAILABLE)
            raise
        except asyncio.TimeoutError:
            self._note(turn, SLOW)
            raise
        except Exception:
            self._note(turn, UNAVAILABLE)
            raise

    @staticmethod
    def _note(turn: Optional[Turn], failure: str) -> None:
        if turn is not None and turn.action_failure is None:
            turn.action_failure = failure


# ---- per-sender rate limit ------------------------------------------------------------

class SenderRateLimiter:
    """A sliding window per sender over messages and characters. Every attempt
    counts, so a client that keeps flooding stays limited; attempts beyond the
    hard limit are not recorded (the window still frees in time)."""

    OK, LIMITED, BLOCKED = "ok", "limited", "blocked"

    def __init__(
        self, messages: int, characters: int, seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._messages, self._characters, self._seconds = messages, characters, seconds
        self._clock = clock
        self._seen: Dict[str, Deque[Tuple[float, int]]] = {}
        self._calls = 0

    def check(self, sender: str, characters: int) -> str:
        now = self._clock()
        self._sweep(now)
        seen = self._seen.setdefault(sender, deque())
        while seen and seen[0][0] <= now - self._seconds:
            seen.popleft()
        if len(seen) >= self._messages * HARD_LIMIT_FACTOR:
            return self.BLOCKED
        verdict = self.OK
        if len(seen) >= self._messages or sum(c for _, c in seen) + characters > self._characters:
            verdict = self.LIMITED
        seen.append((now, characters if verdict == self.OK else 0))
        return verdict

    def retry_after(self, sender: str) -> int:
        """Whole seconds until the sender is under both limits again."""
        seen = list(self._seen.get(sender, ()))
        now = self._clock()
        for dropped in range(len(seen) + 1):
            rest = seen[dropped:]
            if len(rest) < self._messages and sum(c for _, c in rest) < self._characters:
                free_at = seen[dropped - 1][0] + self._seconds if dropped else now
                return min(max(1, math.ceil(free_at - now)), math.ceil(self._seconds))
        return math.ceil(self._seconds)

    def _sweep(self, now: float) -> None:
        """Forgets senders quiet for a whole window (every 1,000 checks)."""
        self._calls += 1
        if self._calls % 1000:
            return
        for sender in [s for s, seen in self._seen.items() if not seen or seen[-1][0] <= now - self._seconds]:
            del self._seen[sender]


# ---- the request body -----------------------------------------------------------------

class BadRequest(Exception):
    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    metadata: Optional[Dict[str, Any]]
    input_channel: Optional[str]


def clean_text(text: str) -> str:
    """Lone surrogates become U+FFFD, control characters a space; then stripped."""
    text = text.encode("utf-8", "replace").decode("utf-8", "replace") if _has_surrogates(text) else text
    return _CONTROL.sub(" ", text).strip()


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def read_body(body: bytes, settings: Settings) -> Incoming:
    if len(body) > settings.max_body_bytes:
        raise BadRequest("body too large", status=413)
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadRequest("body is not UTF-8")
    except (ValueError, RecursionError):
        raise BadRequest("body is not JSON")
    if not isinstance(data, dict):
        raise BadRequest("body is not a JSON object")
    sender = data.get("sender")
    if sender is None or (isinstance(sender, str) and not clean_text(sender)):
        raise BadRequest("no sender")
    if not isinstance(sender, str):
        raise BadRequest("sender is not a string")
    sender = clean_text(sender)
    if len(sender) > settings.max_sender_characters:
        raise BadRequest("sender too long")
    text = data.get("message")
    if text is not None and not isinstance(text, str):
        raise BadRequest("message is not a string")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("metadata is not an object")
    channel = data.get("input_channel")
    return Incoming(
        sender, clean_text(text or ""), metadata, channel if isinstance(channel, str) else None
    )


# ---- replies from the content ---------------------------------------------------------

class Notices:
    """The channel's own replies, rendered from content items."""

    def __init__(self, library: Library, settings: Settings) -> None:
        missing = [item_id for item_id in NOTICES if library.get(item_id) is None]
        if missing:
            raise ValueError(f"bot/content has no item(s) {', '.join(missing)} for the REST channel")
        self._library = library
        self._values = {"max_characters": f"{settings.max_characters:,}"}

    def render(self, item_id: str, region: Optional[str], sender: Optional[str] = None) -> List[Message]:
        item = self._library.items[item_id]
        resources = resources_for(region)
        messages = []
        for message in as_messages(item, self._library):
            text = str(message["text"])
            for name, value in self._values.items():
                text = text.replace("{" + name + "}", value)
            rendered: Message = {"text": fill(text, resources)}
            if sender is not None:
                rendered = {"recipient_id": sender, **rendered}
            for key in ("buttons", KIND):
                if key in message:
                    rendered[key] = message[key]
            messages.append(rendered)
        return messages


# ---- the channel ----------------------------------------------------------------------

class GuardedRestInput(RestInput):
    """Rasa's REST channel with clear answers to bad input, a length cap that
    never hides a crisis, a per-sender rate limit and bounded custom actions."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls(Settings.from_credentials(credentials))

    def __init__(
        self,
        settings: Optional[Settings] = None,
        library: Optional[Library] = None,
        detector: Optional[SafetyDetector] = None,
    ) -> None:
        self.settings = settings or Settings()
        library = library or default_library()
        self.notices = Notices(library, self.settings)
        self._detector = detector
        self.limiter = SenderRateLimiter(
            self.settings.rate_limit_messages,
            self.settings.rate_limit_characters,
            self.settings.rate_limit_seconds,
        )
        self.default_region = configured_default_region()
        self.crisis_intents = {
            item.intent for item in library.of_kind("crisis") if item.intent
        }

    @property
    def detector(self) -> SafetyDetector:
        """The loaded model's rules (installed when the model loads, after the
        channel is made), so the channel scans with what the model was
        evaluated with."""
        return self._detector or default_detector()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("after_server_start")
        async def settle(app: Any, loop: Any) -> None:
            freeze_loaded_objects()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # never a stack trace to the client, nor text in the log
                logger.error("REST channel failed on a request: %s", type(error).__name__)
                logger.debug("REST channel failure", exc_info=True)
                return self._reply(
                    500, self.notices.render(UNAVAILABLE, self.default_region), "internal error"
                )

        return webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            incoming = read_body(request.body or b"", self.settings)
        except BadRequest as bad:
            logger.info("rejected a request (%s): %s", bad.status, bad.reason)
            item = TOO_LONG if bad.status == 413 else UNREADABLE
            return self._reply(bad.status, self.notices.render(item, self.default_region), bad.reason)

        agent = getattr(request.app.ctx, "agent", None)
        sender, text = incoming.sender, incoming.text
        excerpted = False   # the text is a window where the channel's detector found a crisis
        verdict = self.limiter.check(sender, min(len(text), self.settings.scan_characters))
        if verdict != SenderRateLimiter.OK:
            # Crisis is never rate-limited: a crisis or a request for help goes
            # through. A limited sender's message is scanned as any message is;
            # past the hard limit only its first window, so a flood stays cheap.
            scanned = text if verdict == SenderRateLimiter.LIMITED else text[: self.settings.max_characters]
            excerpt = await self._most_urgent_excerpt(scanned)
            if excerpt is None and not await self._asks_for_help(agent, text):
                logger.info(
                    "rate limit: a sender went over %d messages or %d characters in %g s",
                    self.settings.rate_limit_messages, self.settings.rate_limit_characters,
                    self.settings.rate_limit_seconds,
                )
                headers = {"Retry-After": str(self.limiter.retry_after(sender))}
                return self._reply(
                    429, self.notices.render(TOO_FAST, await self._region(agent, incoming), sender), "too many messages", headers
                )
            logger.info("rate limit: a crisis message went through")
            text = excerpt or text[: self.settings.max_characters]
            excerpted = excerpt is not None

        if not text:
            logger.info("empty message")
            return self._reply(200, self.notices.render(EMPTY, await self._region(agent, incoming), sender))

        if agent is None or not agent.is_ready():
            logger.error("a message arrived before the model was loaded")
            return self._reply(503, self.notices.render(UNAVAILABLE, await self._region(agent, incoming), sender), "not ready")

        if len(text) <= self.settings.max_characters:
            status, replies = await self._converse(on_new_message, agent, incoming, text, excerpted)
            return self._reply(status, replies, "internal error" if status == 500 else None)

        excerpt = await self._most_urgent_excerpt(text)
        logger.info(
            "message over length cap: %d characters (crisis language: %s)",
            len(text), "found" if excerpt else "none",
        )
        status, replies = 200, []
        if excerpt:
            status, replies = await self._converse(on_new_message, agent, incoming, excerpt, True)
        return self._reply(
            status, replies + self.notices.render(TOO_LONG, await self._region(agent, incoming), sender),
            "internal error" if status == 500 else None,
        )

    async def _converse(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        agent: Any,
        incoming: Incoming,
        text: str,
        excerpted: bool = False,
    ) -> Tuple[int, List[Message]]:
        """Rasa's replies (status 200), a notice added when a custom action
        failed; 500 and a notice when handling the message failed altogether.
        An excerpt (a window of a longer message where the channel's detector
        found a crisis) is marked so, in metadata that no client can set: the
        learnt classifier reads a window of filler around one sentence as
        benign, and must not demote what the detector found there."""
        metadata = {k: v for k, v in (incoming.metadata or {}).items() if k != SCANNED_EXCERPT}
        if excerpted:
            metadata[SCANNED_EXCERPT] = True
        self._guard_actions(agent)
        collector = TaggedCollectingOutputChannel()
        turn = Turn()
        token = _TURN.set(turn)
        failed = False
        try:
            await on_new_message(UserMessage(
                text, collector, incoming.sender,
                input_channel=incoming.input_channel or self.name(), metadata=metadata,
            ))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.error("handling a message failed: %s", type(error).__name__)
            logger.debug("handling a message failed", exc_info=True)
            failed = True
        finally:
            _TURN.reset(token)
        replies = list(collector.messages)
        if turn.action_failure or failed:
            if turn.action_failure:
                logger.info("a custom action failed during a message: %s", turn.action_failure)
            region = await self._region(agent, incoming)
            notice = SLOW if turn.action_failure == SLOW else UNAVAILABLE
            replies += self.notices.render(notice, region, incoming.sender)
        elif not replies:
            replies = self.notices.render(NO_REPLY, await self._region(agent, incoming), incoming.sender)
        return (500 if failed else 200), replies

    async def _asks_for_help(self, agent: Any, text: str) -> bool:
        """Whether the model reads a message as a crisis or a request for help
        (only its beginning: a flood must stay cheap to turn away)."""
        beginning = text[:LIMITED_CHECK_CHARACTERS]
        if not beginning:
            return False
        if agent is None or not agent.is_ready():
            return self.detector.detect(beginning) is not None
        intent = ((await agent.parse_message(beginning)).get("intent") or {}).get("name") or ""
        return intent.startswith(INTENT_PREFIX) or intent in self.crisis_intents

    async def _most_urgent_excerpt(self, text: str) -> Optional[str]:
        """The window of at most max_characters where the safety detector finds
        the most urgent crisis, scanning up to scan_characters; None if none.
        Yields between windows so other conversations go on meanwhile."""
        size = self.settings.max_characters
        step = max(1, size - min(SCAN_OVERLAP, size // 2))
        scanned = text[: self.settings.scan_characters]
        best: Optional[Tuple[int, str]] = None
        findings: Dict[str, Any] = {}   # a repetitive flood repeats its windows
        for start in range(0, max(1, len(scanned) - size + step), step):
            window = scanned[start:start + size]
            if window not in findings:
                findings[window] = (
                    self.detector.detect(window) if any(c.isalnum() for c in window) else None
                )
            finding = findings[window]
            if finding is not None:
                rank = PRIORITY.index(finding.label)
                if best is None or rank < best[0]:
                    best = (rank, window)
                if rank == 0:
                    break
            await asyncio.sleep(SCAN_PAUSE)
        return best[1] if best else None

    def _guard_actions(self, agent: Any) -> None:
        """Puts the bounded endpoint in place (again after a model reload)."""
        if agent is None:
            return
        endpoint = getattr(agent, "action_endpoint", None)
        if endpoint is not None and not isinstance(endpoint, GuardedActionEndpoint):
            agent.action_endpoint = GuardedActionEndpoint(endpoint, self.settings.action_timeout_seconds)
        processor = getattr(agent, "processor", None)
        if processor is not None and processor.action_endpoint is not agent.action_endpoint:
            processor.action_endpoint = agent.action_endpoint

    async def _region(self, agent: Any, incoming: Incoming) -> str:
        """The region crisis replies would use: what the person said, then what
        the client sent, then the operator's default."""
        try:
            tracker = await agent.tracker_store.retrieve(incoming.sender) if agent is not None else None
        except Exception:   # the tracker store may be what failed
            logger.debug("no tracker for the region of a notice", exc_info=True)
            tracker = None
        stated, client = (tracker.get_slot(STATED_SLOT), tracker.get_slot(CLIENT_SLOT)) if tracker else (None, None)
        return region_for(stated, client or client_region(incoming.metadata), self.default_region)

    @staticmethod
    def _reply(
        status: int, messages: List[Message], error: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> HTTPResponse:
        if error:
            messages = [{**m, "error": error} for m in messages]
        return response.json(messages, status=status, headers=headers)
