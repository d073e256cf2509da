"""The curated content: articles, items, and the loader that checks them.

Every answer the assistant gives is an `Item` read from bot/content/*.yml.
The loader refuses anything malformed with a message naming the file and the
item, so bad content stops training and start-up instead of reaching a user.
"""
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.paths import CONTENT_DIR
from bot.yaml_files import DataFileError, read_yaml, validate

SOURCES_FILE = "sources.yml"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    sections: Tuple[str, ...]
    author: Optional[str] = None


@dataclass(frozen=True)
class Citation:
    article: Source
    section: str

    def __str__(self) -> str:
        return f"“{self.article.title}”, section “{self.section}”"


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    text: Tuple[str, ...]
    file: str
    button: Optional[str] = None
    example: Optional[str] = None
    aliases: Tuple[str, ...] = ()
    intent: Optional[str] = None
    faq: Optional[str] = None
    response: Optional[str] = None
    suggestions: Tuple[str, ...] = ()
    citation: Optional[Citation] = None
    reply: Optional[str] = None

    @property
    def button_title(self) -> str:
        return self.button or self.title

    @property
    def reply_kind(self) -> str:
        """What a message made from this item is (`custom.kind`)."""
        if self.reply:
            return self.reply
        return self.kind if self.kind in ("crisis", "conversation") else "answer"


@dataclass
class Library:
    """All content items, with the lookups the assistant needs."""

    sources: Dict[str, Source]
    items: Dict[str, Item] = field(default_factory=dict)

    def get(self, item_id: str) -> Optional[Item]:
        return self.items.get(item_id)

    def for_intent(self, intent: str) -> Optional[Item]:
        return next((i for i in self.items.values() if i.intent == intent), None)

    def of_kind(self, kind: str) -> List[Item]:
        return [i for i in self.items.values() if i.kind == kind]

    def faqs(self) -> List[Item]:
        return self.of_kind("faq")

    def responses(self) -> List[Item]:
        return [i for i in self.items.values() if i.response]


def load_library(directory: Path = CONTENT_DIR) -> Library:
    """Reads and checks every content file in `directory`."""
    library = Library(sources=_load_sources(directory / SOURCES_FILE))
    for path in sorted(directory.glob("*.yml")):
        if path.name != SOURCES_FILE:
            _add_file(library, path)
    _check_references(library)
    return library


@lru_cache(maxsize=1)
def default_library() -> Library:
    """The shipped content, loaded once per process."""
    return load_library()


def _load_sources(path: Path) -> Dict[str, Source]:
    data = read_yaml(path)
    validate(data, "sources", path)
    return {
        s["id"]: Source(s["id"], s["title"], tuple(s["sections"]), s.get("author"))
        for s in data["sources"]
    }


def _add_file(library: Library, path: Path) -> None:
    data = read_yaml(path)
    validate(data, "content", path)
    for index, raw in enumerate(data["items"]):
        where = f"{path}: item '{raw['id']}' (items[{index}])"
        if raw["id"] in library.items:
            other = library.items[raw["id"]].file
            raise DataFileError(f"{where}: id already used in {other}")
        library.items[raw["id"]] = _item(raw, path.name, library.sources, where)


def _item(raw: dict, file: str, sources: Dict[str, Source], where: str) -> Item:
    return Item(
        id=raw["id"],
        kind=raw["kind"],
        title=raw["title"],
        text=tuple(raw["text"]),
        file=file,
        button=raw.get("button"),
        example=raw.get("example"),
        aliases=tuple(raw.get("aliases", ())),
        intent=raw.get("intent"),
        faq=raw.get("faq"),
        response=raw.get("response"),
        suggestions=tuple(raw.get("suggestions", ())),
        citation=_citation(raw.get("source"), sources, where),
        reply=raw.get("reply"),
    )


def _citation(raw: Optional[dict], sources: Dict[str, Source], where: str) -> Optional[Citation]:
    if raw is None:
        return None
    article = sources.get(raw["article"])
    if article is None:
        raise DataFileError(f"{where}: unknown article '{raw['article']}' (see {SOURCES_FILE})")
    if raw["section"] not in article.sections:
        raise DataFileError(
            f"{where}: article '{article.id}' has no section '{raw['section']}'"
        )
    return Citation(article, raw["section"])


def _check_references(library: Library) -> None:
    seen: Dict[Tuple[str, str], str] = {}
    for item in library.items.values():
        where = f"{item.file}: item '{item.id}'"
        for target in item.suggestions:
            if target not in library.items:
                raise DataFileError(f"{where}: suggestion '{target}' is not an item id")
        for key in (("intent", item.intent), ("faq", item.faq), ("response", item.response)):
            if key[1] is None:
                continue
            if key in seen:
                raise DataFileError(f"{where}: {key[0]} '{key[1]}' is also answered by '{seen[key]}'")
            seen[key] = item.id
