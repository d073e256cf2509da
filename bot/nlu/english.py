"""The one spaCy pipeline every rule-based matcher shares.

A blank English tokenizer plus the lookup lemmatizer from spacy-lookups-data:
no pretrained model is needed, so nothing has to be downloaded or found on a
relative path at run time.
"""
import logging
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc


@lru_cache(maxsize=1)
def english() -> Language:
    logging.getLogger("spacy").setLevel(logging.WARNING)  # no start-up chatter
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def parse(text: str) -> Doc:
    """Lower-cases first so lemmas and matches ignore case; spans still line up
    with the original text because lower-casing keeps the length (checked)."""
    lowered = text.lower()
    return english()(lowered if len(lowered) == len(text) else text)
