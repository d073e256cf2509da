import pytest

from bot.content_model import default_library
from bot.resources import default_regions
from bot.training_importer import ContentImporter, content_responses, regional_responses


def test_faq_answers_and_conversation_texts_become_domain_responses():
    responses = content_responses(default_library())
    for name in ("utter_welcome", "utter_help", "utter_faq/three_types", "utter_faq/example"):
        assert responses[name][0]["text"], name


def test_button_payload_braces_are_escaped_for_rasa_templating():
    welcome = content_responses(default_library())["utter_welcome"][0]
    assert welcome["buttons"][0]["payload"].startswith('/tell_more{{"topic": ')


def test_importer_domain_holds_the_responses():
    domain = ContentImporter().get_domain()
    assert "utter_faq/fix" in domain.responses


@pytest.mark.parametrize("name", ["utter_fallback", "utter_out_of_scope", "utter_check_in_danger"])
def test_replies_that_did_not_understand_carry_the_region_numbers(name):
    """No dead ends: one variation per region, each with its emergency number
    and domestic-abuse line as links."""
    variations = regional_responses(default_library(), default_regions(), "US")[name]
    by_region = {v["condition"][-1]["value"]: v["text"] for v in variations if "condition" in v}
    assert "(tel:911)" in by_region["US"] and "(tel:+18007997233)" in by_region["US"]
    assert "(tel:999)" in by_region["GB"] and "(tel:+448082000247)" in by_region["GB"]
    assert "your local emergency number" in by_region["INTL"]


def test_every_response_says_what_it_is():
    domain = ContentImporter().get_domain()
    kinds = {name: {v["custom"]["kind"] for v in variations} for name, variations in domain.responses.items()}
    assert kinds["utter_crisis_self_harm"] == {"crisis"}
    assert kinds["utter_check_in_self_harm"] == {"check_in"}
    assert kinds["utter_fallback"] == {"fallback"}
    assert kinds["utter_welcome"] == {"conversation"}
    assert kinds["utter_faq/fix"] == {"answer"}
