"""Crisis resources by region, read from bot/resources/<REGION>.yml.

Each file is checked against bot/schemas/resources.yml at load: every contact
must carry the page it was read from and the date it was verified. A region
may list services kept in another region's file (`also: ["GB:samaritans"]`) so
that every number lives in exactly one file.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.paths import PACKAGE_DIR
from bot.yaml_files import DataFileError, read_yaml, validate

RESOURCES_DIR = PACKAGE_DIR / "resources"
INTERNATIONAL = "INTL"
DEFAULT_REGION = "US"
# Slots that keep a conversation's region: what the person said, what the client sent.
STATED_SLOT = "region_stated"
CLIENT_SLOT = "region_client"


@dataclass(frozen=True)
class Contact:
    how: str            # call, text, chat, web, email, silent_call
    value: str
    label: Optional[str] = None
    keyword: Optional[str] = None

    @property
    def shown(self) -> str:
        return self.label or self.value


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    role: str
    contacts: Tuple[Contact, ...]
    source_url: str
    source_page: str
    verified: str
    hours: Optional[str] = None
    note: Optional[str] = None


@dataclass(frozen=True)
class RegionResources:
    region: str
    name: str
    services: Tuple[Service, ...]
    emergency_fallback: Optional[str] = None

    def first(self, role: str) -> Optional[Service]:
        return next((s for s in self.services if s.role == role), None)

    def all(self, role: str) -> List[Service]:
        return [s for s in self.services if s.role == role]


def load_regions(directory: Path = RESOURCES_DIR) -> Dict[str, RegionResources]:
    raw = {}
    for path in sorted(directory.glob("*.yml")):
        data = read_yaml(path)
        validate(data, "resources", path)
        if data["region"] != path.stem:
            raise DataFileError(f"{path}: region '{data['region']}' does not match the file name")
        raw[data["region"]] = (path, data)
    if INTERNATIONAL not in raw:
        raise DataFileError(f"{directory}: no {INTERNATIONAL}.yml for regions without their own file")
    own = {code: {s["id"]: _service(s) for s in data["services"]} for code, (_, data) in raw.items()}
    return {code: _region(path, data, own) for code, (path, data) in raw.items()}


@lru_cache(maxsize=1)
def default_regions() -> Dict[str, RegionResources]:
    return load_regions()


def resources_for(region: Optional[str]) -> RegionResources:
    """The region's own resources, or the international directories."""
    regions = default_regions()
    return regions.get((region or "").upper(), regions[INTERNATIONAL])


def region_for(stated: Optional[str], client: Optional[str], default: str) -> str:
    """Whose crisis contacts a reply gives: the region the person stated, then
    the one the client sent, then the operator's default. The crisis responses
    (bot/training_importer.py) encode the same order as slot conditions."""
    return stated or client or default


def configured_default_region(config_path: Optional[Path] = None) -> str:
    """The operator's default: `default_region` of this importer in config.yml."""
    try:
        config = read_yaml(config_path or PACKAGE_DIR.parent / "config.yml") or {}
    except DataFileError:
        return DEFAULT_REGION
    for importer in config.get("importers") or []:
        if isinstance(importer, dict) and str(importer.get("name", "")).endswith("ContentImporter"):
            return str(importer.get("default_region", DEFAULT_REGION))
    return DEFAULT_REGION


def _region(path: Path, data: dict, own: Dict[str, Dict[str, Service]]) -> RegionResources:
    services = list(own[data["region"]].values())
    for reference in data.get("also", []):
        code, service_id = reference.split(":")
        service = own.get(code, {}).get(service_id)
        if service is None:
            raise DataFileError(f"{path}: `also` names '{reference}', which no region file has")
        services.append(service)
    if not services:
        raise DataFileError(f"{path}: region '{data['region']}' has no services")
    return RegionResources(
        data["region"], data["name"], tuple(services), data.get("emergency_fallback")
    )


def _service(raw: dict) -> Service:
    return Service(
        id=raw["id"],
        name=raw["name"],
        role=raw["role"],
        contacts=tuple(Contact(**c) for c in raw["contacts"]),
        source_url=raw["source"]["url"],
        source_page=raw["source"]["page"],
        verified=raw["verified"],
        hours=raw.get("hours"),
        note=raw.get("note"),
    )
