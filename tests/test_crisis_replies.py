"""Crisis wording filled in per region, as the domain responses will carry it."""
import pytest

from bot.content_model import default_library
from bot.crisis import crisis_message, placeholders_in, PLACEHOLDERS
from bot.resources import resources_for


def reply(item_id: str, region: str) -> str:
    library = default_library()
    return crisis_message(library.items[item_id], library, resources_for(region))["text"]


@pytest.mark.parametrize(
    "region, emergency", [("US", "[911](tel:911)"), ("GB", "[999](tel:999)"),
                          ("AU", "[000](tel:000)"), ("CA", "[911](tel:911)"),
                          ("IE", "[112 or 999](tel:112)")],
)
def test_immediate_danger_leads_with_the_emergency_number(region, emergency):
    text = reply("crisis_immediate_danger", region)
    assert text.startswith(f"If you are in danger right now, **call {emergency}**")


def test_uk_and_australia_say_how_to_call_without_speaking():
    assert "press 55" in reply("crisis_immediate_danger", "GB")
    assert "press 55" in reply("crisis_immediate_danger", "AU")
    assert "55" not in reply("crisis_immediate_danger", "US")


@pytest.mark.parametrize(
    "region, line",
    [("US", "(tel:988)"), ("CA", "(tel:988)"), ("GB", "(tel:116123)"),
     ("IE", "(tel:116123)"), ("AU", "(tel:131114)")],
)
def test_self_harm_gives_the_regional_crisis_line_and_the_emergency_number(region, line):
    text = reply("crisis_self_harm", region)
    assert line in text
    assert "call" in text.split("\n\n")[0]


def test_domestic_violence_line_offers_call_text_and_chat_where_they_exist():
    text = reply("crisis_abuse", "US")
    assert "(tel:+18007997233)" in text
    assert "(sms:88788?body=START)" in text
    assert "thehotline.org" in text
    assert "**not your fault**" in text


def test_ireland_gives_womens_aid_not_the_directories():
    text = reply("crisis_abuse", "IE")
    assert "(tel:+3531800341900)" in text and "your local emergency number" not in text


def test_sexual_violence_gets_the_sexual_assault_line():
    assert "(tel:+18006564673)" in reply("crisis_sexual_violence", "US")
    assert "(tel:+18006564673)" in reply("crisis_high_danger", "US")


def test_high_danger_is_named_as_a_recognised_sign_of_serious_danger():
    text = reply("crisis_high_danger", "GB")
    assert "recognised sign of serious danger" in text and "not your fault" in text


def test_a_region_without_a_service_drops_the_line_instead_of_leaving_a_gap():
    text = reply("crisis_sexual_violence", "GB")  # no verified UK sexual-assault line
    assert "{" not in text and "\n\n\n" not in text
    assert "(tel:+448082000247)" in text


def test_elsewhere_the_directories_and_local_emergency_number_are_given():
    text = reply("crisis_immediate_danger", "INTL")
    assert "your local emergency number" in text
    assert "findahelpline.com" in text or "hotpeachpages.net" in text


def test_every_template_placeholder_is_known():
    assert set(placeholders_in(default_library())) <= set(PLACEHOLDERS)


def test_help_now_lists_every_service_of_the_region():
    text = reply("crisis_help_now", "US")
    for number in ("911", "18007997233", "988", "18006564673", "18663319474", "741741"):
        assert number in text
