"""The choice data of serializer rules R-PO-06 (GeoIP countries), R-CORE-08/R-RB-02 (user and role
permissions) and the messages of R-SO-07 and R-SO-12 (the positions are in tests/cases)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from avlint.checks import serializer_choices
from avlint.checks.serializer_choices import country_code, permission_list
from avlint.countries_generate import NAMES_AS_AUTHENTIK_READS_THEM
from avlint.countries_generate import render as render_countries
from avlint.permissions_generate import generate as generate_permissions
from avlint.permissions_generate import main as permissions_main
from avlint.permissions_generate import render as render_permissions
from avlint.resources import rules_dir
from avlint.versions import Release
from tests.conftest import DATA, lint_source

SCHEMAS = DATA / "openapi"


def _countries_file() -> dict:
    return json.loads((rules_dir() / "countries.json").read_text(encoding="utf-8"))


def _blueprint_schema(tag: str) -> dict:
    with gzip.open(SCHEMAS / f"blueprint-schema-{tag}.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


# --- rules/countries.json -----------------------------------------------------------------------


def test_the_country_data_is_well_formed() -> None:
    rows = _countries_file()["countries"]
    assert len(rows) == 249
    for alpha2, alpha3, numeric, names in rows:
        assert re.fullmatch(r"[A-Z]{2}", alpha2) and re.fullmatch(r"[A-Z]{3}", alpha3), (alpha2, alpha3)
        assert isinstance(numeric, int) and 0 < numeric < 1000, alpha2
        assert names and all(name == name.lower() and name.strip() for name in names), alpha2
    for column in (0, 1, 2):
        assert len({row[column] for row in rows}) == 249, f"column {column} repeats a code"
    named = [name for row in rows for name in row[3]]
    assert len(named) == len(set(named)), "a name belongs to two countries"


def test_the_country_codes_are_the_ones_authentik_offers() -> None:
    """The blueprint schema of every release with a GeoIP policy lists django-countries' codes
    (and "" for blank): the same 249 as the data, so no XK or other user-assigned code."""
    codes = {row[0] for row in _countries_file()["countries"]}
    for tag in ("2024.8.6", "2025.12.4", "2026.2.2"):
        policy = _blueprint_schema(tag)["$defs"]["model_authentik_policies_geoip.geoippolicy"]
        field = policy["properties"]["countries"]
        assert set(field["items"]["enum"]) == codes | {""}, tag
        assert field["maxItems"] == 249, tag
    assert "XK" not in codes


def test_the_committed_country_file_is_in_the_generators_format() -> None:
    text = (rules_dir() / "countries.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == render_countries({"source": data["source"], "countries": data["countries"]})
    assert data["source"].startswith("pycountry ")


def test_the_name_table_was_applied() -> None:
    names = {row[0]: set(row[3]) for row in _countries_file()["countries"]}
    for code, change in NAMES_AS_AUTHENTIK_READS_THEM.items():
        assert set(change.get("add", [])) <= names[code], code
        assert not set(change.get("drop", [])) & names[code], code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("US", "US"),
        ("us", "US"),
        ("uS", "US"),
        ("USA", "US"),
        ("usa", "US"),
        ("840", "US"),
        ("0840", "US"),
        ("United States of America", "US"),
        ("united states of america", "US"),
        ("Germany", "DE"),
        ("276", "DE"),
        ("004", "AF"),
        ("Swaziland", "SZ"),  # a former name django-countries still takes
        ("Czech Republic", "CZ"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("", ""),
    ],
)
def test_every_form_django_countries_accepts(value: str, code: str) -> None:
    assert country_code(value) == code


@pytest.mark.parametrize(
    "value", ["XX", "XK", "EU", "UK", "United States", " US", "US ", "999", "0", "²", "U", "USAA", "True"]
)
def test_what_django_countries_refuses(value: str) -> None:
    assert country_code(value) is None


def test_the_country_message_quotes_authentik() -> None:
    findings = lint_source(
        "version: 1\nentries:\n  - model: authentik_policies_geoip.geoippolicy\n"
        "    identifiers: {name: geo}\n    attrs:\n      countries: [XX, Germny]\n"
    )
    messages = [f.message for f in findings if f.rule == "AV604"]
    assert len(messages) == 2
    assert messages[0].startswith('"XX" is not a valid choice. ')
    assert messages[1].startswith('"Germny" is not a valid choice. ') and "germany" in messages[1]


def test_a_file_without_a_geoip_policy_never_reads_the_country_data() -> None:
    serializer_choices.countries.cache_clear()
    serializer_choices._permission_data.cache_clear()
    lint_source(
        "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: login}\n"
        "    attrs: {name: Login, title: Login, designation: authentication}\n"
    )
    assert serializer_choices.countries.cache_info().currsize == 0
    assert serializer_choices._permission_data.cache_info().currsize == 0


# --- rules/permissions.json -----------------------------------------------------------------------


def test_the_committed_permissions_are_a_fresh_generation_from_the_schemas() -> None:
    committed = (rules_dir() / "permissions.json").read_text(encoding="utf-8")
    assert committed == render_permissions(generate_permissions(SCHEMAS)), (
        "stale: run python -m avlint.permissions_generate tests/data/openapi"
    )


def test_the_permission_lists_per_release() -> None:
    """680 choices in 2025.12 (as authentik 2025.12.4's serializer has), none before 2024.8."""
    assert permission_list(Release(2024, 6)) is None
    at = {str(r): permission_list(Release.parse(r)) for r in ("2024.8", "2025.12", "2026.2", "2026.8")}
    counts = {release: len(found.choices) for release, found in at.items() if found is not None}
    assert counts == {"2024.8": 496, "2025.12": 680, "2026.2": 698, "2026.8": 698}
    assert at["2026.8"] is not None and at["2026.8"].release == Release(2026, 2)
    schema = _blueprint_schema("2025.12.4")["$defs"]["model_authentik_rbac.role"]["properties"]["permissions"]
    assert at["2025.12"] is not None and at["2025.12"].choices == set(schema["items"]["enum"])


def test_a_folder_without_permission_lists_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="no blueprint schema"):
        generate_permissions(tmp_path)
    assert permissions_main([str(tmp_path)]) == 1
    assert "error:" in capsys.readouterr().err


def test_user_and_role_lists_that_differ_are_refused(tmp_path: Path) -> None:
    schema = _blueprint_schema("2025.12.4")
    schema["$defs"]["model_authentik_rbac.role"]["properties"]["permissions"]["items"]["enum"].pop()
    with gzip.open(tmp_path / "blueprint-schema-2025.12.4.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(schema, handle)
    (tmp_path / "schema-2025.12.4.yml.gz").write_bytes((SCHEMAS / "schema-2025.12.4.yml.gz").read_bytes())
    with pytest.raises(ValueError, match="differ"):
        generate_permissions(tmp_path)


def test_a_new_releases_default_permission_of_a_new_model_is_not_refused() -> None:
    """2026.8 has no list (2026.2's is used): a default permission of a model that 2026.8 has and
    2026.2 had not may be new there, so it passes; a typo does not."""
    text = (
        "version: 1\nentries:\n  - model: authentik_rbac.role\n    identifiers: {name: r}\n    attrs:\n"
        "      permissions: [authentik_agents.view_agent, authentik_agents.approve_agent, authentik_flows.view_flw]\n"
    )
    found = [(f.line, f.column, f.message) for f in lint_source(text, target="2026.8") if f.rule == "AV604"]
    assert [(line, column) for line, column, _ in found] == [(6, 50), (6, 82)]
    assert all("the newest release whose list avlint has" in message for _, _, message in found)
    at_2026_5 = [f for f in lint_source(text, target="2026.5") if f.rule == "AV604"]
    assert len(at_2026_5) == 3  # authentik_agents.agent only exists from 2026.8


# --- messages of R-SO-07 and R-SO-12 --------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider_type", "given", "message"),
    [
        ("okta", "", "authorization_url is required for provider Okta"),
        ("mailcow", "authorization_url: x\n", "access_token_url is required for provider Mailcow"),
        (
            "openidconnect",
            "authorization_url: x\n      access_token_url: ''\n",
            "profile_url is required for provider OpenID Connect",
        ),
    ],
)
def test_the_first_missing_url_is_named_with_the_types_verbose_name(
    provider_type: str, given: str, message: str
) -> None:
    text = (
        "version: 1\nentries:\n  - model: authentik_sources_oauth.oauthsource\n    identifiers: {slug: s}\n"
        f"    attrs:\n      provider_type: {provider_type}\n      {given}"
    )
    found = [f.message for f in lint_source(text, target="2025.12") if f.rule == "AV603"]
    assert found == [message]


def test_a_keypair_without_key_is_refused_as_authentik_says() -> None:
    text = (
        "version: 1\nentries:\n  - id: cert\n    model: authentik_crypto.certificatekeypair\n"
        "    identifiers: {name: c}\n    attrs: {certificate_data: x, key_data: ''}\n"
        "  - model: authentik_sources_ldap.ldapsource\n    identifiers: {slug: l}\n"
        "    attrs: {client_certificate: !KeyOf cert}\n"
    )
    (finding,) = [f for f in lint_source(text, target="2025.12") if f.rule == "AV614"]
    assert finding.message.startswith('Invalid pk "<pk of !KeyOf cert>" - object does not exist.')
    assert "on line 3 sets key_data to an empty string" in finding.message


def test_a_live_schemas_country_enum_does_not_bring_back_the_refusal_of_us() -> None:
    """`spec import` keeps the bundled string items of `countries`: with `--spec` from a real
    2025.12.4 schema, `us` and `USA` are still accepted and `XX` still refused."""
    import yaml

    from avlint.settings import Settings
    from avlint.spec.openapi import import_schema
    from avlint.spec.snapshot import load_snapshot

    with gzip.open(SCHEMAS / "schema-2025.12.4.yml.gz", "rt", encoding="utf-8") as handle:
        snapshot = import_schema(yaml.load(handle, Loader=yaml.CSafeLoader), "schema-2025.12.4.yml.gz")
    row = next(
        r for r in snapshot["models"]["authentik_policies_geoip.geoippolicy"]["fields"] if r["name"] == "countries"
    )
    assert row["items"] == {"type": "string"} and row["bundled_keys"] == ["items"]
    text = (
        "version: 1\nentries:\n  - model: authentik_policies_geoip.geoippolicy\n"
        "    identifiers: {name: geo}\n    attrs:\n      countries: [us, USA, XX]\n"
    )
    source = load_snapshot(str(DATA / "specs" / "derived-2025.12.yaml"))
    from avlint.engine import lint_bytes

    findings = lint_bytes("geo.yaml", text.encode(), Settings(release=Release(2025, 12), spec=source)).findings
    assert [(f.rule, f.column) for f in findings] == [("AV604", 28)]


def test_asns_are_int32_items() -> None:
    """R-PO-06's other half: `asns` items are 32-bit integers (the field rules say so)."""
    text = (
        "version: 1\nentries:\n  - model: authentik_policies_geoip.geoippolicy\n"
        "    identifiers: {name: geo}\n    attrs:\n      countries: []\n"
        "      asns: [64512, 2147483647, 2147483648, -2147483649, AS64512]\n"
    )
    found = [(f.rule, f.column) for f in lint_source(text, target="2025.12") if f.rule.startswith("AV2")]
    assert found == [("AV209", 33), ("AV209", 45), ("AV201", 58)]
