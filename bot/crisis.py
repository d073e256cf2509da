"""Crisis replies: curated wording (bot/content/crisis.yml) filled in with the
verified contacts of one region (bot/resources/).

Templates name contacts by role, e.g. `{emergency}` or `{domestic_abuse}`; a
line whose placeholder has nothing to show in that region is left out. Phone
numbers become `tel:` links and text lines `sms:` links (markdown links, which
the web widget renders and plain-text channels show as they are).
"""
import re
from typing import Callable, Dict, List

from bot.content_model import Item, Library
from bot.render import Message, buttons_for, tagged
from bot.resources import Contact, RegionResources, Service

LOCAL_EMERGENCY = "your local emergency number"
PLACEHOLDER = re.compile(r"{(\w+)}")


def link(contact: Contact) -> str:
    if contact.how == "call":
        return f"call [{contact.shown}](tel:{re.sub(r'[^0-9+]', '', contact.value)})"
    if contact.how == "text":
        body = f"?body={contact.keyword}" if contact.keyword else ""
        label = contact.label or f"text {contact.value}"
        return f"[{label}](sms:{contact.value}{body})"
    if contact.how == "email":
        return f"email [{contact.value}](mailto:{contact.value})"
    return f"[{contact.shown}]({contact.value})"


def service_line(service: Service) -> str:
    contacts = " · ".join(link(c) for c in service.contacts if c.how != "silent_call")
    hours = f" ({service.hours})" if service.hours else ""
    note = f" {service.note}" if service.note and service.role != "emergency" else ""
    return f"**{service.name}**: {contacts}{hours}.{note}"


def _emergency(region: RegionResources) -> str:
    service = region.first("emergency")
    call = next((c for c in service.contacts if c.how == "call"), None) if service else None
    if call is None:
        return region.emergency_fallback or LOCAL_EMERGENCY
    return f"[{call.shown}](tel:{call.value})"


def _silent_call(region: RegionResources) -> str:
    service = region.first("emergency")
    silent = [c.shown for c in service.contacts if c.how == "silent_call" and c.shown] if service else []
    return silent[0][0].upper() + silent[0][1:] + "." if silent else ""


def _lines(*roles: str) -> Callable[[RegionResources], str]:
    """All services of the first role the region has (e.g. a helpline, else a directory)."""

    def render(region: RegionResources) -> str:
        for role in roles:
            services = region.all(role)
            if services:
                return "\n".join(f"• {service_line(s)}" for s in services)
        return ""

    return render


def _safety_line(region: RegionResources) -> str:
    """One short line for replies that did not understand: the emergency
    number and the region's domestic-abuse line (call and text), or directory."""
    line = f"If you're in danger, call {_emergency(region)}."
    service = region.first("domestic_abuse") or region.first("directory")
    if service is None:
        return line
    direct = [c for c in service.contacts if c.how in ("call", "text")] or list(service.contacts[:1])
    return f"{line} To talk to someone: **{service.name}**, " + " · ".join(link(c) for c in direct) + "."


PLACEHOLDERS: Dict[str, Callable[[RegionResources], str]] = {
    "safety_line": _safety_line,
    "emergency": _emergency,
    "silent_call": _silent_call,
    "region_name": lambda region: region.name,
    "domestic_abuse": _lines("domestic_abuse", "shelter_directory", "directory"),
    "suicide_crisis": _lines("suicide_crisis", "directory"),
    "sexual_assault": _lines("sexual_assault"),
    "young_people": _lines("young_people"),
    "crisis_text": _lines("crisis_text"),
    "mens_line": _lines("mens_line"),
    "own_behaviour": _lines("own_behaviour"),
    "shelters": _lines("shelter_directory"),
    "directories": _lines("directory"),
    "verified": lambda region: min(s.verified for s in region.services),
}


def fill(template: str, region: RegionResources) -> str:
    """Fills placeholders; drops the lines left empty by a region without that service."""
    values = {name: render(region) for name, render in PLACEHOLDERS.items()}
    lines = []
    for line in template.split("\n"):
        names = [n for n in PLACEHOLDER.findall(line) if n in values]
        if names and not any(values[n] for n in names):
            continue
        lines.append(PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    return "\n".join(lines).strip()


def crisis_message(item: Item, library: Library, region: RegionResources) -> Message:
    """One message (a domain response variation) for a region, tagged with
    its kind, the crisis level (the item id without `crisis_`) and the region."""
    text = "\n\n".join(filter(None, (fill(bubble, region) for bubble in item.text)))
    message: Message = {"text": text}
    buttons = buttons_for(item, library)
    if buttons:
        message["buttons"] = buttons
    details = {"region": region.region}
    if item.reply_kind in ("crisis", "check_in"):
        details["level"] = re.sub(r"^(crisis|check_in)_", "", item.id)
    return tagged([message], item.reply_kind, **details)[0]


def is_regional(item: Item) -> bool:
    """Whether an item's wording depends on the region (its contacts)."""
    return item.kind == "crisis" or any(
        name in PLACEHOLDERS for bubble in item.text for name in re.findall(r"{(\w+)}", bubble)
    )


def placeholders_in(library: Library) -> List[str]:
    """Every placeholder the crisis templates use (the loader test checks them)."""
    return sorted({n for i in library.of_kind("crisis") for b in i.text for n in re.findall(r"{(\w+)}", b)})
