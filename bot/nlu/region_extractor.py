"""Rasa NLU component: where the person is, as the `region` entity.

Role `stated`: the person said it ("I'm in the UK", "I live in Sydney", "I'm
not in the US"). Role `client`: the widget or REST client sent it in the
message metadata (`{"region": "GB"}`, ISO 3166-1 alpha-2). Slots keep both,
and crisis replies prefer what the person said.
"""
from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher

from bot.nlu.english import english
from bot.nlu.rule_based import RuleBasedExtractor
from bot.paths import PACKAGE_DIR
from bot.resources import INTERNATIONAL, default_regions
from bot.yaml_files import read_yaml

ENTITY = "region"
ISO_ALIASES = {"UK": "GB"}
FIRST_PERSON = {"i", "i'm", "im", "we", "we're", "me", "'m", "'re"}
LOCATING = {"in", "from", "live", "living", "based", "located", "staying", "near", "at"}
NEGATION = {"not", "n't", "dont", "nt", "never", "no"}
# "I came here from Pakistan", "originally from Cork": where the person comes
# from, not where they are now (nor which emergency number they need)
ORIGIN = {"came", "come", "moved", "emigrated", "immigrated", "originally", "born", "here"}
# "here in Canada", "two years in Canada", "moved to Canada": where the person
# is now, said without "I" ("I am from the Philippines, here in Canada...")
NOW_HERE = {("here", "in"), ("now", "in"), ("years", "in"), ("months", "in"), ("weeks", "in"),
            ("moved", "to"), ("came", "to")}
# "my family in Lagos", "the kids are with my mum in Perth": where someone
# else is, not the person writing
OTHERS = {"family", "mum", "mom", "mam", "dad", "parents", "folks", "sister", "brother", "kids",
          "children", "son", "daughter", "friend", "friends", "relatives", "cousin", "cousins",
          "aunt", "auntie", "uncle", "grandparents", "nan", "gran", "grandma", "grandad", "ex"}
# "I am from Bangladesh, I have visa for work here", "I am from Philippines,
# I work as helper in his house. he keep my passport": someone who says only
# where they are from, in a message about a visa, a passport or an employer,
# is living somewhere else
MIGRANT = {"visa", "visas", "passport", "passports", "helper", "maid", "nanny", "employer",
           "sponsor", "permit", "immigration", "deport", "deported"}
# or studying abroad: "I am exchange student from Brazil" (not "a student from Dublin")
STUDYING_ABROAD = {("exchange", "student"), ("international", "student"), ("foreign", "student"),
                   ("study", "abroad"), ("studying", "abroad"), ("student", "visa")}
# the writer among the people who live there: "me and my kids live in Perth"
WRITER = FIRST_PERSON | {"us", "myself"}
WINDOW = 5  # tokens before a place name that may say "I'm in" or "not"
# "wrong country", "the wrong region's numbers": the person says these contacts
# are not theirs; "is it wrong? ... in this country" is not that
WRONG_PLACE = {"country", "region", "country's", "region's"}
SENTENCE_END = {".", "!", "?", ";"}


def _only_punctuation(tokens) -> bool:
    """"Newcastle, NSW", "Perth Australia": nothing but punctuation between."""
    return all(t.is_punct for t in tokens)


def _same_sentence(tokens) -> List[str]:
    """Words of the window after the last sentence end ("I said no. I'm in
    Belfast" is not a negation of Belfast)."""
    words = [t.lower_ for t in tokens]
    ends = [i for i, w in enumerate(words) if w in SENTENCE_END]
    return words[ends[-1] + 1:] if ends else words


def _said_here(doc, start: int) -> bool:
    """"here in (the) Canada", "two years in Canada": the two words before the place."""
    words = [t.lower_ for t in doc[max(0, start - 3):start] if t.lower_ != "the"]
    return tuple(words[-2:]) in NOW_HERE


def _negates(words: List[str]) -> bool:
    """A negation of where the person is: "not in", "don't live", "no longer";
    not "no one here in England" or "no family in Leeds"."""
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in NEGATION and (word != "no" or following in {"longer", "more"} | LOCATING):
            return True
    return False


def _here_after(doc, end: int) -> bool:
    """"from the Philippines, working here 2 years": "here" just after a place
    someone is from puts them somewhere else."""
    return any(t.lower_ == "here" for t in doc[end:end + WINDOW])


def _says_wrong_place(doc) -> bool:
    """"wrong country", "the wrong region's numbers": "wrong" just before it."""
    return any(t.lower_ == "wrong" and any(n.lower_ in WRONG_PLACE for n in doc[t.i + 1:t.i + 3])
               for t in doc)


def _written_as_listed(text: str, span, capitals_only: set) -> bool:
    """A place name listed in capitals ("US", "LA") counts only when written in
    capitals: "carry us through" is not the United States. `span` is of the
    lower-cased text (spaCy splits "U.S." and "u.s." alike only that way)."""
    return span.text not in capitals_only or text[span.start_char:span.end_char].isupper()


def _speaks_of_migration(doc) -> bool:
    """A visa, a passport, an employer or studying abroad anywhere in the message."""
    words = [t.lower_ for t in doc]
    return any(w in MIGRANT for w in words) or any(pair in STUDYING_ABROAD for pair in zip(words, words[1:]))


def _someone_else_lives_there(doc, start: int, end: int) -> bool:
    """"Our children both live in Australia": others named before the place, and
    the writer neither in that sentence nor "with me" after it."""
    sentence = set(_same_sentence(doc[:start]))
    after = {t.lower_ for t in doc[end:end + 3]}
    return bool(sentence & OTHERS) and not (sentence | after) & WRITER


class RegionFinder:
    """Finds a stated region in text; `None` when the person named none."""

    def __init__(self, places: Dict[str, List[str]]) -> None:
        self._matcher = PhraseMatcher(english().vocab, attr="LOWER")
        self._capitals_only = {str(n).lower() for names in places.values() for n in names
                               if str(n).isupper()}
        for region, names in places.items():
            self._matcher.add(region, [english().make_doc(str(n)) for n in names])

    def stated(self, text: str) -> Optional[str]:
        lowered = text.lower()
        doc = english().make_doc(lowered)
        if len(lowered) != len(text):
            text = lowered   # rare letters change length when lowered: treat as written in lower case
        if _says_wrong_place(doc):
            return INTERNATIONAL
        matches = sorted(self._matcher(doc), key=lambda m: (m[1], -m[2]))
        found = []   # (strength, region): where the person lives beats where they are from
        for index, (match_id, start, end) in enumerate(matches):
            following = matches[index + 1] if index + 1 < len(matches) else None
            if following and following[0] != match_id and _only_punctuation(doc[end:following[1]]):
                continue   # "Newcastle, NSW": the place that follows says which one
            if not _written_as_listed(text, doc[start:end], self._capitals_only):
                continue
            sentence = _same_sentence(doc[max(0, start - WINDOW):start])
            before = set(sentence)
            whole_message = start == 0 and end == len(doc) or len(doc) <= end + 1 and start <= 1
            stated = whole_message or _said_here(doc, start)
            if not (stated or before & FIRST_PERSON or before & {"based", "located", "living", "live"}):
                continue
            if not stated and _someone_else_lives_there(doc, start, end):
                continue
            if not (stated or before & LOCATING):
                continue
            if _negates(sentence):
                if found and start > 0 and doc[start - 1].lower_ in NEGATION:
                    continue   # "I live in Dublin, not London": London is ruled out, not Dublin
                found.append((2, INTERNATIONAL))
                continue
            if start >= 2 and doc[start - 1].lower_ in LOCATING and doc[start - 2].lower_ in OTHERS:
                continue
            strength = 1 if before & LOCATING <= {"from"} else 2
            if strength == 1 and (before & ORIGIN or _here_after(doc, end) or _speaks_of_migration(doc)):
                continue
            found.append((strength, english().vocab.strings[match_id]))
        # the strongest; of equals, the last ("I'm not in the UK, I'm in Ireland")
        return max(reversed(found), key=lambda f: f[0])[1] if found else None


def client_region(metadata: Any) -> Optional[str]:
    """The region a client sent, when it has its own file; INTL for anything
    else it sends (another country, the widget's "Other", a typo), so that the
    person is never given another country's emergency number."""
    if not isinstance(metadata, dict) or not isinstance(metadata.get("region"), str):
        return None
    code = metadata["region"].strip().upper()
    if not code:
        return None
    code = ISO_ALIASES.get(code, code)
    return code if code in default_regions() else INTERNATIONAL


@lru_cache(maxsize=1)
def default_finder() -> RegionFinder:
    return RegionFinder(read_yaml(PACKAGE_DIR / "regions.yml"))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class RegionEntityExtractor(RuleBasedExtractor):
    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "RegionEntityExtractor":
        return cls(default_finder())

    def __init__(self, finder: RegionFinder) -> None:
        self._finder = finder

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = []
            stated = self._finder.stated(message.get("text") or "")
            if stated:
                found.append({"entity": ENTITY, "role": "stated", "value": stated})
            client = client_region(message.get("metadata"))
            if client:
                found.append({"entity": ENTITY, "role": "client", "value": client})
            self.append_entities(message, found)
        return messages
