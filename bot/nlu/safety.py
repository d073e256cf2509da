"""The deterministic safety net: finds danger, abuse and self-harm in a message.

The rules are data (the rulebook: bot/safety/rules/*.yml and lexicon.yml, read
by bot/nlu/rulebook.py); this module compiles them into spaCy Matcher rules over a normalised key per token, so that "hits",
"hitting" and "hes hittin" meet the same rule as "hit", and a misspelling one
edit away from a crisis word ("choaked") still counts.
"""
import itertools
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Dict, Iterable, List, Optional, Set, Tuple

from spacy.lookups import load_lookups
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.nlu.english import english
from bot.nlu.rule_index import RuleIndex
from bot.nlu.rulebook import (
    CHECK_IN_SECTION, CLASS_SECTION, EVERYDAY, FRAMES, URGENCY, Rulebook, read_rulebook,
)

# Most urgent first: a message gets the first of these that any rule finds.
PRIORITY = ("immediate_danger", "self_harm", "high_danger", "sexual_violence", "abuse")
# Ambiguous cues ("tired of living like this", "he's here"): not a crisis on
# their own, so the assistant asks ("Are you safe right now?") rather than guess.
CHECK_INS = ("check_in_danger", "check_in_self_harm")
# Intents: a class's is `safety_<class>`; a combination joins two with `_and_`.
INTENT_PREFIX = "safety_"
COMBINED = "_and_"
# The check-in intents: the detector's cues, and the classifier's uncertain
# middle for abuse, high danger and sexual violence (bot/nlu/safety_net.py).
CHECK_IN_INTENTS = CHECK_INS + ("check_in_abuse",)


def crisis_of(intent_name: Optional[str]) -> Optional[str]:
    """The most urgent crisis class an intent stands for, or None."""
    if intent_name and intent_name.startswith(INTENT_PREFIX):
        label = intent_name[len(INTENT_PREFIX):].split(COMBINED)[0]
        return label if label in PRIORITY else None
    return None
ESCALATES_WHEN_URGENT = {"high_danger", "sexual_violence", "abuse"}
GAP = "..."
MAX_GAP = 3
ING = "+ing"          # `hit+ing`: only the progressive form ("hitting", "hittin")
FUZZY_MIN_LENGTH = 5

FINDING_SECTIONS = (CLASS_SECTION, CHECK_IN_SECTION)
NAMED_ONLY = "abuse_named"   # rules that only name abuse; a frame (study, fiction) cancels them
WHOLE = "^ "   # a pattern that must be the whole message

# Each token's key is stored as its NORM, which the Matcher checks natively (fast).
KEY = "NORM"

@dataclass(frozen=True)
class SafetyFinding:
    label: str                     # one of PRIORITY, or of CHECK_INS
    rules: Tuple[str, ...]         # which pattern(s) fired, for evaluation reports
    also: Tuple[str, ...] = ()     # the other crisis classes found, most urgent first
    # immediate danger only because urgency words ("tonight", "right now")
    # came with a finding of another class
    by_urgency: bool = False
    # a frame (study, fiction, work) came with it: "I'm a nurse in ED"
    framed: bool = False

    @property
    def crisis(self) -> bool:
        return self.label in PRIORITY


class Normaliser:
    """Lower-cases and rewrites how people type into the words the patterns
    use: the lexicon's contractions, shorthand and slang ("hes" -> "he is",
    "kms" -> "kill myself")."""

    def __init__(self, contractions: Dict[str, str]) -> None:
        self._contractions = contractions
        self._pattern = re.compile(
            r"(?<![\w'@*/])("
            + "|".join(re.escape(k) for k in sorted(contractions, key=len, reverse=True))
            + r")(?![\w'@*/])"
        )

    def __call__(self, text: str) -> str:
        text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
        return self._pattern.sub(lambda m: self._contractions[m.group(1)], text)


def inflections(base: str) -> Set[str]:
    """Regular English inflections of a base word (hit -> hits, hitting...)."""
    forms = {base, base + "s", base + "es", base + "ed", base + "d", base + "ing"}
    if base.endswith("e"):
        forms |= {base[:-1] + "ing"}
    if base.endswith("ie"):
        forms |= {base[:-2] + "ying"}
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if len(base) >= 3 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou" and base[-3] not in "aeiou":
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def within_one_edit(a: str, b: str) -> bool:
    """True if a and b differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@lru_cache(maxsize=None)
def _token_spec(keys: frozenset, exact: frozenset, progressive: bool, optional: bool) -> dict:
    """One Matcher token spec, shared by every pattern that uses it: the rules'
    expansions repeat the same word lists thousands of times (~20 MB held).
    Neither we nor the Matcher change a spec once made."""
    spec: dict = {KEY: {"IN": sorted(keys)}} if keys else {}
    if exact:
        spec["LOWER"] = {"IN": sorted(exact)}
    if progressive:
        spec["LOWER"] = {"REGEX": r"in[g']?$"}
    if optional:
        spec["OP"] = "?"
    return spec


def _deletion_variants(word: str) -> Set[str]:
    """The word and every string one deletion away from it."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


class KeyNormaliser:
    """Maps a token to the base word the patterns are written in."""

    def __init__(self, words: Iterable[str], split_pieces: Dict[str, str]) -> None:
        self._split_pieces = split_pieces
        self._lemmas = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._known = set(self._lemmas.keys()) | set(self._lemmas.values())
        # Words written in the rules keep their own base; inflections only fill
        # gaps, so "is" stays a form of "be" rather than of "i".
        words = sorted(words)
        self.forms: Dict[str, str] = {w: self._base(w) for w in words}
        for word in words:
            base = self.forms[word]
            for form in inflections(base) if len(base) >= 3 else ():
                self.forms.setdefault(form, base)
        self._fuzzy_targets = [f for f in self.forms if len(f) >= FUZZY_MIN_LENGTH]
        # Each target under itself and every one-letter deletion of it: two
        # words one edit apart share such a variant, so a lookup costs a few
        # dict hits instead of a scan of every target (which took seconds on a
        # long message of made-up words).
        self._fuzzy_index: Dict[str, List[int]] = {}
        for position, form in enumerate(self._fuzzy_targets):
            for variant in _deletion_variants(form):
                self._fuzzy_index.setdefault(variant, []).append(position)

    def _base(self, word: str) -> str:
        lemma = self._lemmas.get(word, word)
        return lemma if len(lemma) >= 3 or lemma == word else word   # not "kms" -> "km"

    def key(self, lower: str) -> str:
        if lower in self._split_pieces:
            return self._split_pieces[lower]
        if lower in self.forms:
            return self.forms[lower]
        if len(lower) >= FUZZY_MIN_LENGTH and lower.isalpha() and lower not in self._known:
            candidates = sorted({
                position for variant in _deletion_variants(lower)
                for position in self._fuzzy_index.get(variant, ())
            })
            for position in candidates:   # the first target in order, as a scan would find
                form = self._fuzzy_targets[position]
                # and the same first two letters: "tickling" is not "tackling"
                if lower[:2] == form[:2] and within_one_edit(lower, form):
                    return self.forms[form]
        return self._lemmas.get(lower, lower)


class SafetyDetector:
    """Compiled safety rules; `detect(text)` returns the most urgent finding."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self._groups = rulebook.groups
        self._escalations = rulebook.escalations
        self._outranks = {(r["class"], r["over"]) for r in rulebook.outranks}
        self._normalise = Normaliser(rulebook.contractions)
        self._keys = KeyNormaliser(self._all_words(rulebook), rulebook.split_pieces)
        # One Matcher per pattern key, run only when the index says the
        # pattern could match: a Matcher tries every pattern it holds at every
        # token, and one Matcher of all ~15,000 cost ~10 ms on a 12-word
        # message that merely could fire.
        self._matchers: Dict[str, Matcher] = {}
        self._parts: Dict[str, int] = {}     # pattern key -> number of `&` parts
        self._index = RuleIndex(self._parts)
        self._whole: Set[str] = set()     # patterns that must be the whole message
        for rule in rulebook.rules:
            for index, pattern in enumerate(rule.patterns):
                # `<section>#<rule id>#<pattern number>`
                self._add(f"{rule.section}#{rule.id}#{index}", pattern)
        self._index.build()

    def _add(self, name: str, pattern: str) -> None:
        if pattern.startswith(WHOLE):
            pattern = pattern[len(WHOLE):]
            self._whole.add(name)
        parts = [p.strip() for p in pattern.split(" & ")]
        self._parts[name] = len(parts)
        # The patterns come from our own data files, checked by the tests; spaCy's
        # per-pattern validation was a third of compiling them (~2 s per start).
        matcher = self._matchers[name] = Matcher(english().vocab, validate=False)
        for number, part in enumerate(parts):
            compiled = [self._compile(p) for p in self.expand(part)]
            matcher.add(f"{name}&{number}", compiled)
            for one in compiled:
                self._index.add(name, number, one)

    def detect(self, text: str) -> Optional[SafetyFinding]:
        """The most urgent crisis in the message, or None."""
        finding = self.assess(text)
        return finding if finding is not None and finding.crisis else None

    def assess(self, text: str) -> Optional[SafetyFinding]:
        """The most urgent crisis, else an ambiguous cue to ask about (a
        check-in), else None."""
        doc = self._parse(text)
        possible = self._index.possible(doc)
        if not self.could_find(possible):
            return None
        return self._finding(doc, possible)

    def possible_patterns(self, text: str) -> Set[str]:
        """Pattern keys whose every `&` part could match the message."""
        return self._index.possible(self._parse(text))

    @staticmethod
    def could_find(possible: Iterable[str]) -> bool:
        """Whether any class or check-in pattern, the ones that make findings, could fire."""
        return any(name.startswith(FINDING_SECTIONS) for name in possible)

    def matching_rules(self, text: str) -> Set[str]:
        """Ids of every rule with a pattern that matches, before exceptions and
        ranking: for the rulebook's tests and reviews."""
        doc = self._parse(text)
        names = {doc.vocab.strings[m].split("&")[0] for m, _, _ in self._every_pattern(doc)}
        return set(_rule_ids(names))

    @cached_property
    def _every_pattern(self) -> Matcher:
        """All patterns in one Matcher, without the index: the reference that
        the tests compare the indexed path with."""
        matcher = Matcher(english().vocab, validate=False)
        for name, one in self._matchers.items():
            for number in range(self._parts[name]):
                key = f"{name}&{number}"
                matcher.add(key, one.get(key)[1])
        return matcher

    def _matches(self, doc: Doc, names: Optional[Iterable[str]]) -> Iterable[Tuple[int, int, int]]:
        if names is None:
            return self._every_pattern(doc)
        return itertools.chain.from_iterable(self._matchers[name](doc) for name in names)

    def _finding(self, doc: Doc, names: Optional[Iterable[str]] = None) -> Optional[SafetyFinding]:
        """The finding from the patterns `names` (default: all of them)."""
        matches = []
        for match_id, start, end in self._matches(doc, names):
            name, part = doc.vocab.strings[match_id].split("&")
            if name in self._whole and not _is_whole(doc, start, end):
                continue
            matches.append((name, int(part), start, end))
        # Everyday patterns are whole sequences (one part; a test keeps them so),
        # so any match of one is that rule firing, whichever patterns ran.
        everyday = [(s, e) for name, _, s, e in matches if name.startswith(EVERYDAY)]
        live = [
            (name, part, s, e, self._class(name)) for name, part, s, e in matches
            if not (name.startswith(FINDING_SECTIONS) and any(s < ve and vs < e for vs, ve in everyday))
        ]
        # A match is dropped when it overlaps a match of a rule that fired for a
        # class that outranks it ("he says he'll kill himself if i leave" is a
        # threat, not his crisis).
        fired = self._fired(live)
        live = [
            m for m in live
            if not any(o[0] in fired and (o[4], m[4]) in self._outranks
                       and m[2] < o[3] and o[2] < m[3] for o in live)
        ]
        fired = self._fired(live)
        crisis = {name for name in fired if name.startswith(CLASS_SECTION)}
        if not crisis:
            return self._check_in(fired)
        found = {self._class(name) for name in crisis}
        framed = any(n.startswith(FRAMES) for n in fired)
        if found == {NAMED_ONLY} and framed:
            return self._check_in(fired)   # abuse as a topic of study, fiction or news
        labels = {self._escalate(label, doc) for label in found}
        by_urgency = False
        if labels & ESCALATES_WHEN_URGENT and any(n.startswith(URGENCY) for n in fired):
            by_urgency = "immediate_danger" not in labels
            labels.add("immediate_danger")
        ordered = [p for p in PRIORITY if p in labels]
        return SafetyFinding(ordered[0], _rule_ids(crisis), tuple(ordered[1:]), by_urgency, framed)

    @staticmethod
    def _check_in(fired: Set[str]) -> Optional[SafetyFinding]:
        for label in CHECK_INS:
            section = CHECK_IN_SECTION + label[len("check_in_"):] + "#"
            rules = _rule_ids(n for n in fired if n.startswith(section))
            if rules:
                return SafetyFinding(label, rules)
        return None

    def _fired(self, matches: list) -> Set[str]:
        """Rules all of whose `&` parts matched somewhere."""
        parts: Dict[str, Set[int]] = {}
        for name, part, *_ in matches:
            parts.setdefault(name, set()).add(part)
        return {name for name, seen in parts.items() if len(seen) == self._parts[name]}

    @staticmethod
    def _class(name: str) -> str:
        """`class:abuse#abuse.insults#3` -> abuse."""
        section = name.split("#")[0]
        return section[len(CLASS_SECTION):] if section.startswith(CLASS_SECTION) else section

    def _escalate(self, label: str, doc: Doc) -> str:
        keys = {token.norm_ for token in doc}
        for rule in self._escalations:
            if rule["from"] != label:
                continue
            group = rule.get("with_group")
            if group is None or keys & self._group_keys(group):
                return rule["to"]
        return label

    def _parse(self, text: str) -> Doc:
        doc = english().make_doc(self._normalise(text))
        for token in doc:
            token.norm_ = self._keys.key(token.lower_)
        return doc

    @lru_cache(maxsize=None)
    def _group_keys(self, group: str) -> frozenset:
        return frozenset(self._keys.key(str(w).lower()) for w in self._groups[group])

    def _compile(self, tokens: List[str]) -> List[dict]:
        compiled: List[dict] = []
        for token in tokens:
            if token.startswith(GAP):
                compiled += [{"OP": "?"}] * int(token[len(GAP):] or MAX_GAP)
                continue
            optional = token.endswith("?") and len(token) > 1
            spec = token[:-1] if optional else token
            progressive = spec.endswith(ING)
            spec = spec[: -len(ING)] if progressive else spec
            keys, exact = set(), set()
            for alternative in spec.split("|"):
                if alternative.startswith("@"):
                    keys |= self._group_keys(alternative[1:].upper())
                elif alternative.startswith("="):
                    exact.add(alternative[1:])
                else:
                    keys.add(self._keys.key(alternative))
            if exact and keys:
                raise ValueError(f"mixes =exact words and keys: {token}")
            compiled.append(_token_spec(frozenset(keys), frozenset(exact), progressive, optional))
        return compiled

    def expand(self, pattern: str) -> List[List[str]]:
        return expand(self._normalise(pattern))

    def _all_words(self, rulebook: Rulebook) -> Set[str]:
        words = {str(w).lower() for group in self._groups.values() for w in group}
        for rule in rulebook.rules:
            for pattern in rule.patterns:
                for tokens in self.expand(pattern):
                    for token in tokens:
                        for alternative in token.rstrip("?").replace(ING, "").split("|"):
                            if alternative and not alternative.startswith(("@", GAP, "=")):
                                words.add(alternative)
        return words


def _is_whole(doc: Doc, start: int, end: int) -> bool:
    """Nothing but punctuation and emoji outside doc[start:end]."""
    return not any(t.is_alpha or t.like_num for t in (*doc[:start], *doc[end:]))


def expand(pattern: str) -> List[List[str]]:
    """Splits a normalised pattern into tokens; `(a b|c)` alternates whole word
    sequences."""
    _check_brackets(pattern)
    segments: List[List[List[str]]] = []
    for part in re.split(r"(\([^)]*\))", pattern):
        if part.startswith("("):
            segments.append(_choices(part[1:-1].split("|")))
        elif part.strip():
            segments.append([_tokens(part)])
    sequences = [list(itertools.chain(*combo)) for combo in itertools.product(*segments)]
    if any("?" in sequence for sequence in sequences):
        raise ValueError(f"a lone `?` (write `(a|b|)` for an optional group): {pattern}")
    return sequences


def _check_brackets(pattern: str) -> None:
    """Groups do not nest: `(a (b|c)|d)` would silently never match."""
    depth = 0
    for char in pattern:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth not in (0, 1):
            raise ValueError(f"nested or unbalanced brackets (groups do not nest): {pattern}")
    if depth:
        raise ValueError(f"unbalanced brackets: {pattern}")


def _choices(choices: List[str]) -> List[List[str]]:
    """Alternatives of a `(...)` group, with the one-word ones folded into a
    single `a|b|c` token so that patterns do not multiply out."""
    sequences = [_tokens(choice) for choice in choices]
    longer = [s for s in sequences if len(s) > 1]
    optional = any(not s for s in sequences)
    folded = []
    for exact in (False, True):   # `=word` and key alternatives cannot share a token
        single = sorted({s[0] for s in sequences if len(s) == 1 and s[0].startswith("=") == exact})
        if single:
            folded.append(["|".join(single)])
    if optional and len(folded) == 1 and not longer:
        return [[folded[0][0] + "?"]]
    return folded + longer + ([[]] if optional else [])


def _tokens(text: str) -> List[str]:
    """Words of a pattern, split the way spaCy splits text ("he's" -> he 's)."""
    tokens: List[str] = []
    for word in text.split():
        if word.startswith((GAP, "@", "=")) or "|" in word or word.endswith(("?", ING)):
            tokens.append(word)
        else:
            tokens += [t.text for t in english().make_doc(word)]
    return tokens


def _rule_ids(names: Iterable[str]) -> Tuple[str, ...]:
    """The rule ids of pattern keys (`<section>#<rule id>#<n>`), sorted."""
    return tuple(sorted({name.split("#")[1] for name in names}))


_installed: Optional[SafetyDetector] = None


def install(detector: SafetyDetector) -> None:
    """Makes the loaded model's detector the process's: the channel's scan of
    rate-limited senders then uses the rules the model was evaluated with."""
    global _installed
    _installed = detector


@lru_cache(maxsize=1)
def _from_files() -> SafetyDetector:
    return SafetyDetector(read_rulebook())


def default_detector() -> SafetyDetector:
    """The loaded model's rules, or the rulebook's files where no model is
    loaded (the action server, the rule tests)."""
    return _installed or _from_files()
