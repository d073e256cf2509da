"""Reading YAML data files and checking them against a JSON schema."""
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from bot.paths import SCHEMA_DIR


class DataFileError(ValueError):
    """A data file is malformed; the message names the file and the item."""


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DataFileError(f"{path}: cannot be read as YAML: {error}") from error


@lru_cache(maxsize=None)
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    schema = read_yaml(SCHEMA_DIR / f"{schema_name}.yml")
    return jsonschema.Draft202012Validator(schema)


def validate(data: Any, schema_name: str, path: Path) -> None:
    """Raises DataFileError naming the file and the offending item."""
    errors = sorted(_validator(schema_name).iter_errors(data), key=lambda e: list(e.path))
    if not errors:
        return
    error = errors[0]
    raise DataFileError(f"{path}: {describe_location(data, list(error.path))}: {error.message}")


def describe_location(data: Any, location: list) -> str:
    """'item 'sign_x' (items[3]), field text' rather than a bare JSON path."""
    if len(location) < 2 or not isinstance(location[1], int):
        return "top level" if not location else f"field {'.'.join(map(str, location))}"
    collection, index = location[0], location[1]
    entry = data[collection][index]
    name = entry.get("id") if isinstance(entry, dict) else None
    label = f"item '{name}' ({collection}[{index}])" if name else f"{collection}[{index}]"
    field = ".".join(map(str, location[2:]))
    return f"{label}, field {field}" if field else label


def files_digest(paths: Iterable[Path]) -> str:
    """One hash of the files a trained component reads outside Rasa's graph,
    for its fingerprint: a change to them must retrain it, not reuse the cache."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
