"""Is this a warning sign? Matches a described behaviour to the nine signs.

A visitor writes what happens ("my boyfriend goes through my phone every
night") and the matcher answers which sign items it sounds like, in which
kind of relationship, and whether it rather sounds balanced and healthy.

Deterministic and data-driven: every cue phrase and its weight lives in
bot/behaviour_cues.yml (its header explains the format). Cues are matched on
lower-cased lemmas with the shared blank pipeline (bot/nlu/english.py), so
"went through my texts" finds "go through ... text". A sign's score is the sum
of the weights of its cues that matched without overlapping each other;
frequency and control words ("always", "every", "won't let") raise every sign
score a little. Healthy cues count only when not negated ("doesn't respect
my" is not healthy) and, unless a strong sign cue outweighs them, a healthy
description gets no signs at all.
"""
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.nlu.english import english, parse
from bot.paths import PACKAGE_DIR
from bot.yaml_files import DataFileError, read_yaml

CUES = PACKAGE_DIR / "behaviour_cues.yml"
HEALTHY = "healthy"
BOOST = "boost"
CONTEXT_PREFIX = "context:"
GAP = "..."          # in a cue: up to GAP_TOKENS words of anything
GAP_TOKENS = 3
NEGATION_WINDOW = 3  # words before a healthy cue that can negate it
NEGATORS = {"not", "never", "no", "without", "nobody", "hardly", "barely", "rarely", "seldom"}

# Below WEAK the top sign is only a hint (ambiguous); at STRONG or above a sign
# survives healthy cues, provided it also outweighs them.
WEAK = 1.0
STRONG = 2.5


@dataclass(frozen=True)
class Assessment:
    signs: Tuple[Tuple[str, float], ...]  # (sign item id, score), best first, scores > 0
    context: Optional[str]                # partner | family | friend | work | online | None
    healthy: bool                         # sounds balanced ("we take turns choosing")

    @property
    def ambiguous(self) -> bool:
        if not self.signs:
            return not self.healthy
        return self.signs[0][1] < WEAK

    @property
    def clear(self) -> bool:
        """A sign stands out strongly enough to answer a general question with it."""
        return bool(self.signs) and self.signs[0][1] >= STRONG

    @property
    def top(self) -> Optional[str]:
        return self.signs[0][0] if self.signs else None


@dataclass(frozen=True)
class _Cue:
    group: str    # a sign item id, HEALTHY, BOOST or CONTEXT_PREFIX + name
    phrase: str
    weight: float


@dataclass(frozen=True)
class _Hit:
    cue: _Cue
    start: int
    end: int

    def overlaps(self, other: "_Hit") -> bool:
        return self.start < other.end and other.start < self.end


class BehaviourMatcher:
    def __init__(self, cues_path: Path = CUES) -> None:
        data = read_yaml(cues_path)
        self._settings = data.get("settings", {})
        self._cues: List[_Cue] = []
        self._matcher = Matcher(english().vocab)
        for group, weighted in _groups(data, cues_path):
            for weight, phrases in weighted.items():
                for phrase in phrases:
                    self._add(_Cue(group, str(phrase), float(weight)), cues_path)

    def _add(self, cue: _Cue, path: Path) -> None:
        key = str(len(self._cues))
        try:
            self._matcher.add(key, _patterns(cue.phrase))
        except ValueError as error:
            raise DataFileError(f"{path}: {cue.group}: cue {cue.phrase!r}: {error}") from error
        self._cues.append(cue)

    def assess(self, text: str) -> Assessment:
        doc = parse(text)
        hits = [
            _Hit(self._cues[int(doc.vocab.strings[key])], start, end)
            for key, start, end in self._matcher(doc)
        ]
        behaviour = [h for h in hits if h.cue.group.startswith("sign_")]
        healthy_hits = [
            h for h in hits if h.cue.group == HEALTHY and not _negated(doc, h.start)
        ]
        signs = {sign: _total(group) for sign, group in _by_group(behaviour).items()}
        healthy_score = _total(healthy_hits)
        top = max(signs.values(), default=0.0)
        healthy = healthy_score > 0 and not (top >= STRONG and top > healthy_score)
        if healthy:
            signs = {}
        boost = self._boost(hits)
        ranked = tuple(sorted(
            ((sign, round(score * boost, 3)) for sign, score in signs.items()),
            key=lambda pair: (-pair[1], pair[0]),
        ))
        context = _context([h for h in hits if h.cue.group.startswith(CONTEXT_PREFIX)],
                           behaviour + healthy_hits)
        return Assessment(signs=ranked, context=context, healthy=healthy)

    def _boost(self, hits: Sequence[_Hit]) -> float:
        words = _select([h for h in hits if h.cue.group == BOOST])
        count = min(len(words), int(self._settings.get("boost_max_words", 2)))
        return 1.0 + float(self._settings.get("boost_per_word", 0.25)) * count


@lru_cache(maxsize=1)
def default_matcher() -> BehaviourMatcher:
    return BehaviourMatcher()


# --- reading cues ---------------------------------------------------------

def _groups(data: Dict, path: Path):
    for sign, weighted in (data.get("signs") or {}).items():
        yield sign, weighted
    yield HEALTHY, data.get("healthy") or {}
    yield BOOST, {1: data.get("boost") or []}
    for name, weighted in (data.get("contexts") or {}).items():
        yield CONTEXT_PREFIX + name, weighted
    if not data.get("signs"):
        raise DataFileError(f"{path}: no sign cues")


def _lemmas(words: str) -> List[str]:
    return [token.lemma_ for token in english()(words.lower())]


def _patterns(phrase: str) -> List[List[Dict]]:
    """'go through ... phone|message' -> Matcher patterns on lemmas. A slot
    whose alternatives are all one token becomes one LEMMA IN; alternatives of
    several tokens ("won't") are spelled out as separate patterns."""
    words = phrase.split()
    if not words or GAP in (words[0], words[-1]):
        raise ValueError("a cue needs words, and cannot start or end with a gap")
    slots: List[List[List[Dict]]] = []
    for word in words:
        if word == GAP:
            slots.append([[{"OP": "?"}] * GAP_TOKENS])
            continue
        alternatives = word.split("|")
        options = [_lemmas(option) for option in alternatives]
        if all(len(option) == 1 for option in options):
            # the lookup lemma of a lone cue word can differ from the lemma of
            # the same word in a message ("feeling" -> feel, "feelings" ->
            # feeling), so the word itself is accepted too
            lemmas = {o[0] for o in options} | set(alternatives)
            slots.append([[{"LEMMA": {"IN": sorted(lemmas)}}]])
        else:
            slots.append([[{"LEMMA": lemma} for lemma in option] for option in options])
    return [[token for slot in choice for token in slot] for choice in product(*slots)]


# --- scoring --------------------------------------------------------------

def _select(hits: Sequence[_Hit]) -> List[_Hit]:
    """Heaviest (then longest) first; a hit overlapping a kept one is dropped,
    so one stretch of text counts once per group."""
    kept: List[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.cue.weight, -(h.end - h.start), h.start)):
        if not any(hit.overlaps(k) for k in kept):
            kept.append(hit)
    return kept


def _total(hits: Sequence[_Hit]) -> float:
    return sum(h.cue.weight for h in _select(hits))


def _by_group(hits: Sequence[_Hit]) -> Dict[str, List[_Hit]]:
    groups: Dict[str, List[_Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.cue.group, []).append(hit)
    return groups


def _negated(doc: Doc, start: int) -> bool:
    return any(t.lemma_ in NEGATORS for t in doc[max(0, start - NEGATION_WINDOW):start])


def _context(mentions: Sequence[_Hit], behaviour: Sequence[_Hit]) -> Optional[str]:
    """The heaviest mention wins, the earliest on a tie. A word inside a
    behaviour cue ("see my friends", "at work") is what is done, not who does
    it, so it counts for a third."""
    best: Optional[Tuple[float, int, str]] = None
    for mention in mentions:
        inside = any(mention.overlaps(b) for b in behaviour)
        weight = mention.cue.weight / 3 if inside else mention.cue.weight
        candidate = (-weight, mention.start, mention.cue.group[len(CONTEXT_PREFIX):])
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None
