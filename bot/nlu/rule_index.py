"""Which safety rules could fire on a message, before any Matcher runs.

A rule (here: one pattern key, with its `&` parts) fires only when each of its
parts matches, and a part's pattern matches only where every token it requires
(not optional) is in the message. So only the rules whose every part has its
required words present need their Matcher run: on most benign messages none
(no finding possible), on others a few of the ~1,000, instead of one
Matcher trying ~15,000 patterns at every token. This only rules out what
cannot match: it never drops a finding.

Each pattern is indexed under one of its required tokens, the one whose words
occur in the fewest patterns ("hit|kick|..." rather than "he|she|they"), and
checked in full only when that token is present.
"""
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from spacy.tokens import Doc

Requirement = Tuple[str, FrozenSet[str]]   # ("NORM" or "LOWER", any of these words)
Entry = Tuple[str, int, Tuple[Requirement, ...]]   # rule, part, requirements


class RuleIndex:
    def __init__(self, parts: Dict[str, int]) -> None:
        self._parts = parts                  # rule -> number of `&` parts (the detector's)
        self._entries: List[Entry] = []
        self._by_word: Dict[Tuple[str, str], List[Entry]] = defaultdict(list)
        self._always: List[Entry] = []   # patterns with nothing to index: always checked

    def add(self, rule: str, part: int, pattern: List[dict]) -> None:
        required = tuple(r for r in map(_requirement, pattern) if r is not None)
        self._entries.append((rule, part, required))

    def build(self) -> None:
        """Chooses each pattern's index token, once all patterns are added."""
        frequency = Counter(
            (attr, word) for _, _, required in self._entries for attr, words in required for word in words
        )
        for entry in self._entries:
            required = entry[2]
            if not required:
                self._always.append(entry)
                continue
            attr, words = min(required, key=lambda r: sum(frequency[(r[0], w)] for w in r[1]))
            for word in words:
                self._by_word[(attr, word)].append(entry)

    def possible(self, doc: Doc) -> Set[str]:
        """The rules all of whose parts could match: the only ones that can fire."""
        present = {"NORM": {t.norm_ for t in doc}, "LOWER": {t.lower_ for t in doc}}
        possible: Set[Tuple[str, int]] = set()
        for entry in self._candidates(present):
            rule, part, required = entry
            if (rule, part) not in possible and all(
                not words.isdisjoint(present[attr]) for attr, words in required
            ):
                possible.add((rule, part))
        rules = {rule for rule, _ in possible}
        return {rule for rule in rules if all((rule, p) in possible for p in range(self._parts[rule]))}

    def _candidates(self, present: Dict[str, Set[str]]) -> List[Entry]:
        found = list(self._always)
        for attr, words in present.items():
            for word in words:
                found += self._by_word.get((attr, word), ())
        return found


def _requirement(spec: dict) -> Optional[Requirement]:
    """What a token spec needs from the message; None when it needs nothing
    that can be looked up (optional, a wildcard, or a regular expression alone)."""
    if spec.get("OP") == "?":
        return None
    for attr in ("NORM", "LOWER"):
        value = spec.get(attr)
        if isinstance(value, dict) and "IN" in value:
            return attr, _shared(tuple(value["IN"]))
    return None


@lru_cache(maxsize=None)
def _shared(words: Tuple[str, ...]) -> FrozenSet[str]:
    """One set for each distinct word list: the rules' expansions repeat them
    thousands of times (~10 MB each held)."""
    return frozenset(words)
