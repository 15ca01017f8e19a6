"""The council's details: a TOML file, single-detail settings, obvious placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.config import PLACEHOLDER, load_council
from tests.wiring import configured
from workflow.errors import InvalidInput


def test_placeholders_are_obvious_without_configuration() -> None:
    council = load_council(configured())
    assert PLACEHOLDER in council.address
    assert council.advisers["psychological"].name == "Educational Psychology Service"


def test_file_then_single_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "council.toml"
    file.write_text(
        '[council]\nname = "Testshire Council"\naddress = "Shire Hall\\nTestbury"\n'
        '[council.sendiass]\nphone = "0300 000 0000"\n'
        '[council.advisers.health]\nname = "Testshire ICB"\nemail = "icb@example.nhs.uk"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("EHC_COUNCIL_CONFIG", str(file))
    monkeypatch.setenv("EHC_COUNCIL_PHONE", "1")
    council = load_council(configured())
    assert council.name == "Testshire Council" and council.address == "Shire Hall\nTestbury"
    assert council.phone == "1"
    assert council.sendiass.phone == "0300 000 0000" and council.sendiass.name
    assert council.advisers["health"].email == "icb@example.nhs.uk"


def test_a_broken_file_is_named(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text("[council\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="EHC_COUNCIL_CONFIG"):
        load_council(configured(council_config=file))
