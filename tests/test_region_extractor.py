import pytest

from bot.nlu.region_extractor import client_region, default_finder


@pytest.mark.parametrize(
    "text, region",
    [
        ("I'm in the UK", "GB"), ("i live in sydney", "AU"), ("im in canada", "CA"),
        ("we're in london", "GB"), ("I'm in the US", "US"), ("based in toronto", "CA"),
        ("UK", "GB"), ("Australia", "AU"), ("I'm in Ireland", "IE"),
        ("I'm not in the US", "INTL"), ("i dont live in america", "INTL"),
        ("wrong country", "INTL"), ("these are the wrong country's numbers", "INTL"),
        ("I'm in the U.S.", "US"), ("im in the us", "US"), ("we live in LA", "US"), ("I'm in Germany", "INTL"),
        ("I am from Philippines, two years in Canada, my visa is with him", "CA"),
        ("i am from philippines, here in canada i have no family", "CA"),
        ("from Nigeria originally, been here in the UK six years", "GB"),
        ("I don't live here in the UK", "INTL"),
        ("I think maybe better I die. I have no one here in England", "GB"),
        ("I'm no longer in the UK", "INTL"),
        ("me and my kids live in Perth", "AU"), ("Me, my partner and the kids live in Perth", "AU"),
        ("my husband and the kids live in Perth with me", "AU"), ("myself and the kids are living in Leeds", "GB"),
        ("I'm a student from Dublin", "IE"), ("im 15 from sydney, studying for my hsc and my bf hits me", "AU"),
    ],
)
def test_finds_where_the_person_says_they_are(text, region):
    assert default_finder().stated(text) == region


@pytest.mark.parametrize(
    "text", ["he hit me", "my boyfriend is from canada", "please help us", "what are the signs",
             "I came here from Pakistan after the marriage and I don't know anybody",
             "i'm originally from cork but",
             "i am helper from Philippines, working here 2 years. employer son is pushing my door",
             "I am from Philippines, I work as helper in his house. He lock my room from outside and he keep my passport",
             "My wife's family beat me when I visit. I am from Bangladesh, I have visa for work here",
             "He says he'll out me to my family in Lagos if I ever leave him",
             "it's my own pension that I cashed in to carry us through the next months",
             "Is this normal in marriage here or it is wrong? I am in this country four years",
             "we moved in la semana pasada",
             "I'm 76 and I don't know who to tell. Our children both live in Australia.",
             "I am afraid to lose the room, I have no other place. I am exchange student from Brazil."],
)
def test_ignores_places_that_are_not_where_the_person_is(text):
    assert default_finder().stated(text) is None


@pytest.mark.parametrize(
    "metadata, region",
    [({"region": "GB"}, "GB"), ({"region": "gb"}, "GB"), ({"region": "UK"}, "GB"),
     ({"region": "DE"}, "INTL"), ({"region": "INTL"}, "INTL"), ({"region": "intl"}, "INTL"),
     ({"region": "XYZ"}, "INTL"), ({"region": "Other"}, "INTL"), ({"region": "  "}, None),
     ({"region": 5}, None), ({}, None), (None, None), ("GB", None)],
)
def test_reads_the_client_region_from_metadata(metadata, region):
    # The widget's "Other" sends INTL: anything that is not a region with its
    # own file gets the international directories, never the default's 911.
    assert client_region(metadata) == region


@pytest.mark.parametrize(
    "text, region",
    [
        ("he broke my glasses when I said no. I'm in Belfast.", "GB"),
        ("I am student from India living in Melbourne, my partner takes my money", "AU"),
        ("My girlfriend and I live in Newcastle, NSW, together two years", "AU"),
        ("I'm from Pakistan, working in Dubai", "INTL"),
    ],
)
def test_where_the_person_lives_wins(text, region):
    assert default_finder().stated(text) == region


@pytest.mark.parametrize(
    "text, region",
    [
        ("I live in Dublin, not London", "IE"),
        ("I'm not in the UK, I'm in Ireland", "IE"),
        ("I'm from Ireland, live in England now", "GB"),
    ],
)
def test_places_in_one_sentence(text, region):
    assert default_finder().stated(text) == region
