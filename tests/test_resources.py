import shutil
from pathlib import Path

import pytest

from bot.resources import RESOURCES_DIR, load_regions, resources_for
from bot.yaml_files import DataFileError, read_yaml

REGIONS = {"US", "GB", "CA", "AU", "IE", "INTL"}


def test_every_region_ships_and_every_service_has_a_source_and_a_verified_date():
    regions = load_regions()
    assert set(regions) == REGIONS
    for region in regions.values():
        for service in region.services:
            assert service.source_url.startswith("https://"), service.id
            assert service.source_page and service.verified, service.id


def test_emergency_numbers_come_first_where_verified():
    expected = {"US": "911", "GB": "999", "CA": "911", "AU": "000"}
    for code, number in expected.items():
        emergency = resources_for(code).first("emergency")
        assert emergency.contacts[0].value == number


def shipped_contacts() -> str:
    return " ".join(
        f"{s.name} {c.value} {c.label} {c.keyword}"
        for region in load_regions().values() for s in region.services for c in s.contacts
    )


def test_nothing_the_research_marks_unverified_ships():
    everything = shipped_contacts()
    assert "LOVEIS" not in everything and "22522" not in everything  # love is respect text line
    assert "Assaulted Women" not in everything                          # Ontario line, second-hand
    assert resources_for("GB").first("mens_line").hours is None         # hours disputed
    assert not [c for c in resources_for("US").first("sexual_assault").contacts if c.how == "text"]
    assert not [c for c in resources_for("GB").first("domestic_abuse").contacts if c.how == "chat"]


def test_the_988_press_3_option_is_not_offered():
    assert "press 3" not in (RESOURCES_DIR / "US.yml").read_text().lower()


def test_unknown_regions_get_the_international_directories():
    assert resources_for("DE").region == "INTL"
    assert resources_for(None).region == "INTL"


@pytest.fixture
def resource_dir(tmp_path: Path) -> Path:
    for path in RESOURCES_DIR.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.mark.parametrize("field", ["source", "verified"])
def test_an_entry_without_source_or_date_is_rejected(resource_dir, field):
    path = resource_dir / "GB.yml"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(l for l in lines if not l.strip().startswith(f"{field}:")))
    with pytest.raises(DataFileError, match=f"GB.yml.*'emergency'.*{field}"):
        load_regions(resource_dir)


def test_a_reference_to_a_missing_service_is_rejected(resource_dir):
    path = resource_dir / "IE.yml"
    path.write_text(path.read_text().replace("GB:samaritans", "GB:nobody"))
    with pytest.raises(DataFileError, match="IE.yml.*GB:nobody"):
        load_regions(resource_dir)


def test_each_file_names_its_own_region(resource_dir):
    data = read_yaml(resource_dir / "AU.yml")
    assert data["region"] == "AU"
