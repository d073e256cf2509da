from bot.content_model import default_library
from bot.training_importer import ContentImporter, content_responses


def test_faq_answers_and_conversation_texts_become_domain_responses():
    responses = content_responses(default_library())
    for name in ("utter_welcome", "utter_help", "utter_fallback", "utter_out_of_scope",
                 "utter_faq/three_types", "utter_faq/example"):
        assert responses[name][0]["text"], name


def test_button_payload_braces_are_escaped_for_rasa_templating():
    welcome = content_responses(default_library())["utter_welcome"][0]
    assert welcome["buttons"][0]["payload"].startswith('/tell_more{{"topic": ')


def test_importer_domain_holds_the_responses():
    domain = ContentImporter().get_domain()
    assert "utter_faq/fix" in domain.responses
