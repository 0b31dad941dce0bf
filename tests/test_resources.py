"""The pre-parsed rule data (rules/compiled.json) against the YAML it comes from."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from avlint import resources
from avlint.checks.fields import _is_uuid
from tests.test_property import COMMON

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def test_compiled_json_is_current() -> None:
    current = (RULES / resources.COMPILED).read_text(encoding="utf-8")
    assert current == resources.compiled_text(RULES), "rules/compiled.json is stale: run python -m avlint.resources"


def test_every_rule_file_is_compiled_to_the_data_yaml_gives() -> None:
    files = json.loads((RULES / resources.COMPILED).read_text(encoding="utf-8"))["files"]
    sources = sorted(path.relative_to(RULES).as_posix() for path in RULES.rglob("*.yaml"))
    assert sorted(files) == sources
    for name in sources:
        assert files[name]["data"] == yaml.safe_load((RULES / name).read_text(encoding="utf-8")), name


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of rules/ that load_data reads from, with its caches emptied before and after."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    monkeypatch.setattr(resources, "rules_dir", lambda: copy)
    for cached in (resources.load_data, resources._compiled):
        cached.cache_clear()
    yield copy
    for cached in (resources.load_data, resources._compiled):
        cached.cache_clear()


def test_load_data_takes_the_compiled_copy_while_it_matches(rules_copy: Path) -> None:
    compiled = json.loads((rules_copy / resources.COMPILED).read_text(encoding="utf-8"))
    compiled["files"]["tags.yaml"]["data"] = {"marker": "from the compiled copy"}
    (rules_copy / resources.COMPILED).write_text(json.dumps(compiled), encoding="utf-8")
    assert resources.load_data("tags.yaml") == {"marker": "from the compiled copy"}


def test_an_edited_rule_file_is_read_from_its_yaml_not_the_stale_copy(rules_copy: Path) -> None:
    tags = rules_copy / "tags.yaml"
    tags.write_text(tags.read_text(encoding="utf-8") + "\nedited_after_compiling: true\n", encoding="utf-8")
    assert resources.load_data("tags.yaml")["edited_after_compiling"] is True


@pytest.mark.parametrize("damage", ["", "{not json", '{"files": 3}', "[]"])
def test_a_missing_or_damaged_compiled_file_falls_back_to_the_yaml(rules_copy: Path, damage: str) -> None:
    (rules_copy / resources.COMPILED).write_text(damage, encoding="utf-8")
    assert resources.load_data("catalogue.yaml") == yaml.safe_load(
        (RULES / "catalogue.yaml").read_text(encoding="utf-8")
    )


def test_compiling_refuses_data_json_would_change(tmp_path: Path) -> None:
    (tmp_path / "dates.yaml").write_text("released: 2025-12-04\n", encoding="utf-8")
    with pytest.raises(ValueError, match="JSON round trip"):
        resources.compiled_text(tmp_path)


# --- the UUID check that stands in for uuid.UUID ----------------------------------------------


def _uuid_accepts(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_UUID_LIKE = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.uuids().map(lambda u: "urn:uuid:" + str(u)),
    st.text(alphabet="0123456789abcdefABCDEF-{}_+ :urnid", max_size=48),
    st.text(max_size=40),
)


@COMMON
@given(_UUID_LIKE)
def test_the_uuid_check_accepts_exactly_what_uuid_UUID_accepts(text: str) -> None:
    assert _is_uuid(text) == _uuid_accepts(text)
