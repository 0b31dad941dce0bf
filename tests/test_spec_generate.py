"""The spec generator (`python -m avlint.spec.generate`), its data in rules/specs/generated/ and the
overrides merged on top of it.

The committed data must equal a fresh generation from the schema copies in tests/data/openapi/.
The three hand-written specs in rules/specs/ must come out of generated base + override, except
for the differences named in KNOWN_DIFFERENCES, each with the side the evidence supports.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from avlint.spec import client_schema
from avlint.spec.errors import SchemaError
from avlint.spec.generate import dump, generate, main, write
from avlint.spec.overrides import GENERATED, merge_enums, merge_model, merged_specs
from avlint.spec.references import referenced_model
from avlint.spec.release_specs import blueprint_models, release_model_list, title_of
from avlint.spec.schema_files import OpenApiDocument, create_endpoints, find_release_files, read_openapi
from avlint.spec.schema_rows import RowBuilder
from avlint.spec.spec_history import runs, versioned_enums, versioned_rows
from avlint.versions import Release, in_range, known_releases
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SCHEMAS = DATA / "openapi"
STAGE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FLOW = "authentik_flows.flow"
BINDING = "authentik_flows.flowstagebinding"
R = Release.parse


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return generate(SCHEMAS)


def generated(name: str) -> Any:
    return json.loads((RULES / GENERATED / name).read_text(encoding="utf-8"))


def rows_of(document: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [row for row in document["fields"] if row["name"] == field]


def row_at(document: dict[str, Any], field: str, release: str) -> dict[str, Any] | None:
    found = [row for row in rows_of(document, field) if in_range(R(release), row.get("since"), row.get("until"))]
    assert len(found) <= 1, f"{field} has overlapping rows at {release}"
    return found[0] if found else None


# --- the committed data is what the generator makes of the schema copies ----------------------


def test_committed_data_equals_a_fresh_generation(fresh: dict[str, str]) -> None:
    committed = {f"{GENERATED}/{p.name}": p.read_text(encoding="utf-8") for p in (RULES / GENERATED).glob("*.json")}
    assert sorted(committed) == sorted(fresh), (
        "run: python -m avlint.spec.generate --schemas tests/data/openapi --out rules/"
    )
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, (
        f"stale generated specs {stale[:5]}: python -m avlint.spec.generate --schemas tests/data/openapi --out rules/"
    )


def test_generated_files_are_json_so_compiled_json_stays_small() -> None:
    assert not list((RULES / GENERATED).glob("*.yaml"))
    assert "specs/generated" not in (RULES / "compiled.json").read_text(encoding="utf-8")


def test_one_file_per_model_listed_in_the_model_table() -> None:
    table = generated("models.json")["models"]
    files = {p.stem for p in (RULES / GENERATED).glob("*.json")} - {"models", "enums"}
    assert files == set(table)
    for model in table:
        assert generated(f"{model}.json")["model"] == model


# --- the model list per release --------------------------------------------------------------


def models_at(release: str) -> set[str]:
    table = generated("models.json")["models"]
    return {
        model
        for model, entry in table.items()
        if any(in_range(R(release), r.get("since"), r.get("until")) for r in entry.get("ranges", [entry]))
    }


@pytest.mark.parametrize(("release", "count"), [("2023.5", 71), ("2025.12", 116), ("2026.2", 121)])
def test_model_counts_match_the_blueprint_schemas(release: str, count: int) -> None:
    assert len(models_at(release)) == count


def test_models_of_old_releases_come_from_their_openapi_documents() -> None:
    # Issue 10 item 7: these existed in 2022.8-2024.6 and are gone from the newest list.
    for model in (
        "authentik_stages_authenticator_webauthn.authenticatewebauthnstage",
        "authentik_tenants.tenant",
        "authentik_sources_ldap.ldappropertymapping",
    ):
        assert model in models_at("2022.8") and model in models_at("2023.10"), model
        assert model not in models_at("2025.12"), model
    assert "authentik_brands.brand" not in models_at("2023.10") and "authentik_brands.brand" in models_at("2024.2")


def test_models_of_client_releases_come_from_the_client_model_enum() -> None:
    assert "authentik_stages_account_lockdown.accountlockdownstage" in models_at("2026.5")
    assert "authentik_stages_account_lockdown.accountlockdownstage" not in models_at("2026.2")
    assert "authentik_blueprints.metaapplyblueprint" in models_at("2026.8")  # meta models: never in the enum


def test_model_table_agrees_with_the_hand_written_one_where_both_have_evidence() -> None:
    """rules/models.yaml was written from the 2025.12.4 blueprint schema; at 2025.12 the
    generated list must hold the same models, with the same meta and stage flags."""
    hand = yaml.safe_load((RULES / "models.yaml").read_text(encoding="utf-8"))["models"]
    table = generated("models.json")["models"]
    hand_2025_12 = {m for m, e in hand.items() if in_range(R("2025.12"), e.get("since"), e.get("until"))}
    assert models_at("2025.12") == hand_2025_12
    for model in hand_2025_12:
        assert bool(hand[model].get("meta")) == bool(table[model].get("meta")), model
        assert bool(hand[model].get("stage")) == bool(table[model].get("stage")), model
        assert table[model].get("permissions"), model


# --- what the generated rows say, checked against the facts ----------------------------------


def test_flow_slug_loses_its_maximum_length_in_2025_12() -> None:
    flow = generated(f"{FLOW}.json")
    assert row_at(flow, "slug", "2025.10")["max_length"] == 50
    assert "max_length" not in row_at(flow, "slug", "2025.12")
    assert row_at(flow, "slug", "2026.8")["pattern"] == "^[-a-zA-Z0-9_]+$"


def test_validation_stage_history_matches_the_migrations() -> None:
    stage = generated(f"{STAGE}.json")
    assert row_at(stage, "configuration_stage", "2022.1")["references"] == "authentik_flows.stage"
    assert row_at(stage, "configuration_stage", "2022.2") is None
    assert row_at(stage, "configuration_stages", "2022.2")["items"] == {
        "type": "uuid",
        "references": "authentik_flows.stage",
    }
    assert row_at(stage, "last_auth_threshold", "2022.4") is None and row_at(stage, "last_auth_threshold", "2022.5")
    assert row_at(stage, "flow_set", "2025.10")["type"] == "list"
    assert row_at(stage, "flow_set", "2025.12") == {"name": "flow_set", "since": "2025.12", "read_only": True}
    # The client-read releases: webauthn_hints and the throttling factors arrive in 2026.5.
    assert row_at(stage, "webauthn_hints", "2026.2") is None
    assert row_at(stage, "webauthn_hints", "2026.5")["items"]["type"] == "enum"
    assert row_at(stage, "email_otp_throttling_factor", "2026.8")["type"] == "number"


def test_choice_values_carry_their_releases() -> None:
    enums = generated("enums.json")
    assert enums["device_classes"][-2:] == [{"value": "sms", "since": "2021.10"}, {"value": "email", "since": "2025.2"}]
    assert {"value": "require_token", "since": "2026.5"} in enums["authentication"]


def test_rows_carry_formats_nullability_lengths_and_references() -> None:
    application = generated("authentik_core.application.json")
    assert row_at(application, "meta_launch_url", "2025.12")["format"] == "uri"
    assert row_at(application, "meta_launch_url", "2026.5")["format"] == "uri"  # kept where the client cannot say
    assert row_at(application, "provider", "2025.12") == {
        "name": "provider",
        "type": "integer",
        "nullable": True,
        "references": "authentik_core.provider",
        **{k: v for k, v in row_at(application, "provider", "2025.12").items() if k in ("since", "until")},
    }
    email = generated("authentik_stages_authenticator_email.authenticatoremailstage.json")
    assert row_at(email, "from_address", "2025.12")["format"] == "email"
    identification = generated("authentik_stages_identification.identificationstage.json")
    assert row_at(identification, "webauthn_stage", "2025.12")["references"] == STAGE
    assert row_at(identification, "webauthn_stage", "2025.10") is None  # arrived in 2025.12 (facts §1.5)
    assert row_at(identification, "sources", "2025.12")["items"]["references"] == "authentik_core.source"


def test_model_headers() -> None:
    assert generated(f"{BINDING}.json")["pk"] == {"name": "fsb_uuid", "type": "uuid"}
    assert generated(f"{FLOW}.json")["endpoint"] == "/api/v3/flows/instances/"
    assert generated("authentik_brands.brand.json")["pk"] == {"name": "brand_uuid", "type": "uuid"}
    assert generated("authentik_core.user.json")["pk"] == {"name": "id", "type": "integer"}
    assert generated("authentik_stages_password.passwordstage.json")["stage"] is True
    assert "stage" not in generated("authentik_stages_prompt.prompt.json")


# --- units: rows from schema components ---------------------------------------------------------


def test_request_properties_become_rows_and_response_only_properties_read_only() -> None:
    schemas: dict[str, Any] = {
        "ModeEnum": {"type": "string", "enum": ["a", "b"]},
        "BlankEnum": {"enum": [""]},
        "NullEnum": {"enum": [None]},
        "ThingRequest": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 10, "pattern": "^x"},
                "mode": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/ModeEnum"},
                        {"$ref": "#/components/schemas/BlankEnum"},
                        {"$ref": "#/components/schemas/NullEnum"},
                    ]
                },
                "flow": {"type": "string", "format": "uuid", "nullable": True},
                "groups": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                "url": {"type": "string", "format": "uri"},
                "when": {"type": "string", "format": "date-time"},
                "count": {"type": "integer", "minimum": 0, "maximum": 5},
                "blob": {"type": "object", "additionalProperties": {}},
                "pairs": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
                },
            },
            "required": ["name"],
        },
        "Thing": {
            "type": "object",
            "properties": {"pk": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
        },
    }
    builder = RowBuilder(schemas, "test")
    rows, objects = builder.model_rows("app.thing", schemas["ThingRequest"], schemas["Thing"])
    by_name = {row["name"]: row for row in rows}
    assert by_name["name"] == {
        "name": "name",
        "type": "string",
        "required": True,
        "min_length": 1,
        "max_length": 10,
        "pattern": "^x",
    }
    assert by_name["mode"] == {"name": "mode", "type": "enum", "nullable": True, "blank": True, "enum": "mode"}
    assert builder.enums == {"mode": ["a", "b"]}
    assert by_name["flow"] == {"name": "flow", "type": "uuid", "nullable": True, "references": "authentik_flows.flow"}
    assert by_name["groups"]["items"] == {"type": "uuid", "references": "authentik_core.group"}
    assert by_name["url"]["format"] == "uri" and by_name["when"]["format"] == "date-time"
    assert by_name["count"] == {"name": "count", "type": "integer", "minimum": 0, "maximum": 5}
    assert by_name["blob"] == {"name": "blob", "type": "object"}
    assert by_name["pairs"]["items"] == {"type": "object", "object": "pairs_item"}
    assert objects == {"pairs_item": [{"name": "k", "type": "string", "required": True}]}
    assert by_name["pk"] == {"name": "pk", "read_only": True}
    assert list(by_name) == ["name", "mode", "flow", "groups", "url", "when", "count", "blob", "pairs", "pk"]


def test_a_reference_to_a_missing_component_is_a_clear_error() -> None:
    builder = RowBuilder({"ThingRequest": {"properties": {"x": {"$ref": "#/components/schemas/Nope"}}}}, "schema-x.yml")
    with pytest.raises(SchemaError, match=re.escape("schema-x.yml: a property refers to #/components/schemas/Nope")):
        builder.model_rows("app.thing", {"properties": {"x": {"$ref": "#/components/schemas/Nope"}}}, None)


@pytest.mark.parametrize(
    ("model", "field", "target"),
    [
        ("authentik_core.application", "provider", "authentik_core.provider"),
        ("authentik_providers_oauth2.oauth2provider", "authorization_flow", "authentik_flows.flow"),
        ("authentik_brands.brand", "flow_user_settings", "authentik_flows.flow"),
        ("authentik_providers_saml.samlprovider", "signing_kp", "authentik_crypto.certificatekeypair"),
        ("authentik_flows.flowstagebinding", "target", "authentik_flows.flow"),
        ("authentik_policies.policybinding", "target", "authentik_policies.policybindingmodel"),
        ("authentik_core.group", "parents", "authentik_core.group"),
        ("authentik_stages_prompt.promptstage", "validation_policies", "authentik_policies.policy"),
        ("authentik_core.token", "identifier", None),
    ],
)
def test_references_follow_authentik_naming(model: str, field: str, target: str | None) -> None:
    assert referenced_model(model, field) == target


def test_titles_split_component_names() -> None:
    assert title_of("OAuth2Provider") == "OAuth2 Provider"
    assert title_of("LDAPSourcePropertyMapping") == "LDAP Source Property Mapping"
    assert title_of("FlowStageBinding") == "Flow Stage Binding"


# --- units: folding releases into since/until ---------------------------------------------------


def test_runs_group_equal_neighbours() -> None:
    assert runs([1, 1, None, 2, 2, 1]) == [(0, 2, 1), (3, 5, 2), (5, 6, 1)]


def test_versioned_rows_date_each_change() -> None:
    releases = [R("2021.6"), R("2022.1"), R("2023.1"), R("2024.1")]
    per_release = [
        [{"name": "a", "type": "string"}],
        [{"name": "a", "type": "string"}, {"name": "b", "type": "boolean"}],
        [{"name": "a", "type": "integer"}, {"name": "b", "type": "boolean"}],
        None,  # the model is gone
    ]
    assert versioned_rows(releases, per_release) == [
        {"name": "a", "until": "2023.1", "type": "string"},
        {"name": "a", "since": "2023.1", "until": "2024.1", "type": "integer"},
        {"name": "b", "since": "2022.1", "until": "2024.1", "type": "boolean"},
    ]


def test_versioned_enums_date_values_within_the_set_life() -> None:
    from avlint.spec.release_specs import ReleaseSpecs

    releases = [R("2021.6"), R("2022.1"), R("2023.1")]
    specs = [ReleaseSpecs(r) for r in releases]
    specs[0].enums = {"mode": ["a"]}
    specs[1].enums = {"mode": ["a", "b"], "new": ["x"]}
    specs[2].enums = {"mode": ["b"], "new": ["x"]}
    assert versioned_enums(releases, specs) == {
        "mode": [{"value": "a", "until": "2023.1"}, {"value": "b", "since": "2022.1"}],
        "new": ["x"],
    }


# --- units: model lists ----------------------------------------------------------------------


BLUEPRINT = {
    "properties": {"entries": {"items": {"$ref": "#/$defs/entry"}}},
    "$defs": {
        "entry": {
            "oneOf": [
                {
                    "required": ["model", "identifiers"],
                    "properties": {
                        "model": {"const": "app.thing"},
                        "attrs": {"$ref": "#/$defs/model_app.thing"},
                        "permissions": {"$ref": "#/$defs/model_app.thing_permissions"},
                    },
                },
                {
                    "required": ["model"],
                    "properties": {"model": {"const": "app.metathing"}, "attrs": {"type": "object"}},
                },
            ]
        },
        "model_app.thing": {"type": "object", "properties": {"name": {"type": "string"}}},
        "model_app.thing_permissions": {
            "type": "array",
            "items": {"properties": {"permission": {"enum": ["add_thing"]}}},
        },
    },
}


def test_blueprint_schema_lists_models_meta_models_and_permissions() -> None:
    found = blueprint_models(BLUEPRINT)
    assert sorted(found.attrs) == ["app.metathing", "app.thing"]
    assert found.meta == {"app.metathing"}
    assert found.permissions == {"app.thing": ["add_thing"]}
    assert found.attrs["app.thing"]["properties"] == {"name": {"type": "string"}}


def test_model_list_falls_back_to_model_enum_then_to_serializers() -> None:
    with_enum = OpenApiDocument("2026.5.0", {"ModelEnum": {"enum": ["app.thing"]}})
    assert release_model_list(with_enum, None, set(), {"app.meta"}) == ["app.meta", "app.thing"]
    old = OpenApiDocument("2022.8.2", {"ThingRequest": {}, "PatchedOtherRequest": {}})
    assert release_model_list(old, None, {"app.thing", "app.other"}, set()) == ["app.thing"]


# --- units: the client reader ----------------------------------------------------------------

CLIENT_MODULE = """
from pydantic import BaseModel, Field, StrictBool, StrictStr, field_validator
class ThingRequest(BaseModel):
    name: Annotated[str, Field(min_length=1, strict=True, max_length=50)]
    slug: StrictStr
    order: Optional[Annotated[int, Field(le=2147483647, strict=True, ge=-2147483648)]] = None
    flag: Optional[StrictBool] = Field(default=None, description="x")
    flow: Optional[UUID] = None
    modes: Optional[List[ModeEnum]] = None
    factor: Optional[Union[StrictFloat, StrictInt]] = None
    schema_: Optional[StrictStr] = Field(default=None, alias="schema")
    __properties: ClassVar[List[str]] = ["name"]

    @field_validator('slug')
    def slug_validate_regular_expression(cls, value):
        if not re.match(r"^[-a-z]+$", value):
            raise ValueError("bad")
        return value

    def to_dict(self):
        excluded_fields: Set[str] = set([
            "pk",
        ])
        if self.flow is None and "flow" in self.model_fields_set:
            _dict['flow'] = None
        return _dict
class ModeEnum(str, Enum):
    A = 'a'
    B = 'b'
"""


def test_client_models_become_openapi_components() -> None:
    schemas = client_schema.module_schemas(CLIENT_MODULE, "thing.py")
    assert schemas["ModeEnum"] == {"type": "string", "enum": ["a", "b"]}
    thing = schemas["ThingRequest"]
    assert thing["required"] == ["name", "slug"]
    props = thing["properties"]
    assert props["name"] == {"type": "string", "minLength": 1, "maxLength": 50}
    assert props["slug"] == {"type": "string", "pattern": "^[-a-z]+$"}
    assert props["order"] == {"type": "integer", "minimum": -2147483648, "maximum": 2147483647}
    assert props["flag"] == {"type": "boolean"}
    assert props["flow"] == {"type": "string", "format": "uuid", "nullable": True}
    assert props["modes"] == {"type": "array", "items": {"$ref": "#/components/schemas/ModeEnum"}}
    assert props["factor"] == {"type": "number"}
    assert "schema" in props and "schema_" not in props


def test_client_api_modules_give_create_endpoints() -> None:
    source = """
    def flows_instances_create(
        self,
        flow_request: FlowRequest,
    ) -> Flow:
        pass

    def _flows_instances_list_serialize(self):
        return self.api_client.param_serialize(method='GET', resource_path='/flows/instances/')

    def _flows_instances_create_serialize(self):
        return self.api_client.param_serialize(
            method='POST',
            resource_path='/flows/instances/',
        )
"""
    assert client_schema.create_endpoints(source) == {"FlowRequest": "/api/v3/flows/instances/"}


def test_a_client_module_that_is_not_python_names_file_and_line() -> None:
    with pytest.raises(SchemaError, match=r"^x\.py:2:\d+: not valid Python"):
        client_schema.module_schemas("a = 1\nclass (:\n", "x.py")


def test_a_file_that_is_not_a_wheel_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "authentik_client-2026.5.8-py3-none-any.whl"
    bogus.write_text("not a zip", encoding="utf-8")
    with pytest.raises(SchemaError, match="not a readable wheel"):
        client_schema.client_document(bogus)


def test_committed_client_schemas_are_reproducible_from_their_document(tmp_path: Path) -> None:
    """write_document writes stable bytes (no gzip timestamp), so a regenerated copy diffs clean."""
    path = SCHEMAS / "schema-2026.5.8.json.gz"
    document = json.loads(gzip.decompress(path.read_bytes()))
    assert document["x-avlint-client"] == "authentik-client 2026.5.8"
    assert client_schema.write_document(document, tmp_path).read_bytes() == path.read_bytes()


# --- reading schema files: clear errors ---------------------------------------------------------


def test_release_files_are_grouped_by_line(tmp_path: Path) -> None:
    for name in (
        "schema-2025.12.4.yml.gz",
        "blueprint-schema-2025.12.4.json.gz",
        "schema-2026.5.8.json.gz",
        "notes.txt",
    ):
        (tmp_path / name).write_bytes(b"")
    found = find_release_files(tmp_path)
    assert [(f.release, f.openapi is not None, f.blueprint is not None) for f in found] == [
        (R("2025.12"), True, True),
        (R("2026.5"), True, False),
    ]


def test_two_schemas_for_one_line_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "schema-2025.12.3.yml").write_text("openapi: 3.0.3\n", encoding="utf-8")
    (tmp_path / "schema-2025.12.4.yml").write_text("openapi: 3.0.3\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=re.escape("a second openapi schema for release line 2025.12")):
        find_release_files(tmp_path)


def test_broken_yaml_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "schema-2025.12.4.yml.gz"
    text = "openapi: 3.0.3\ninfo:\n  version: 2025.12.4\npaths: {}\ncomponents:\n  schemas:\n    A: {type: [}\n"
    path.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(SchemaError, match=r"schema-2025\.12\.4\.yml\.gz:7:\d+: not valid YAML"):
        read_openapi(path)


def test_broken_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "schema-2026.5.8.json"
    path.write_text('{\n  "openapi": "3.0.3",\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"schema-2026\.5\.8\.json:3:3: not valid JSON"):
        read_openapi(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b\x08\x00garbage", "cannot read it"),
        (gzip.compress(b"hello: world\n"), "not an OpenAPI document"),
        (
            gzip.compress(b"openapi: 3.0.3\ninfo:\n  version: 2025.12.4\ncomponents:\n  schemas: []\n"),
            "no components.schemas",
        ),
        (gzip.compress(b"openapi: 3.0.3\ncomponents:\n  schemas: {}\n"), "no info.version"),
    ],
)
def test_unusable_openapi_files_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "schema-2025.12.4.yml.gz"
    path.write_bytes(content)
    with pytest.raises(SchemaError, match=message):
        read_openapi(path)


def test_a_file_whose_version_is_another_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "schema-2025.12.4.yml").write_text(
        "openapi: 3.0.3\ninfo:\n  version: 2025.10.1\ncomponents:\n  schemas: {}\n", encoding="utf-8"
    )
    with pytest.raises(SchemaError, match=re.escape("info.version is '2025.10.1', not release line 2025.12")):
        generate(tmp_path)


MINIMAL = """openapi: 3.0.3
info:
  version: 2025.12.4
paths: {}
components:
  schemas:
    ModelEnum: {type: string, enum: [app.thing]}
    ThingRequest:
      type: object
      properties: %s
"""


def test_a_minimal_schema_folder_generates(tmp_path: Path) -> None:
    (tmp_path / "schema-2025.12.4.yml").write_text(MINIMAL % "{name: {type: string}}", encoding="utf-8")
    files = generate(tmp_path)
    assert json.loads(files[f"{GENERATED}/app.thing.json"])["fields"] == [{"name": "name", "type": "string"}]
    assert json.loads(files[f"{GENERATED}/models.json"])["models"] == {"app.thing": {}}


@pytest.mark.parametrize(
    ("properties", "blueprint", "message"),
    [
        ("{name: [1, 2]}", None, "a property is list, not a schema object"),
        (
            "{name: {type: string}}",
            {
                "properties": {
                    "entries": [{"properties": {"model": {"const": "app.thing"}, "permissions": {"items": [1]}}}]
                }
            },
            "unexpected schema shape",
        ),
    ],
)
def test_schemas_of_an_unexpected_shape_name_the_file(
    tmp_path: Path, properties: str, blueprint: Any, message: str
) -> None:
    (tmp_path / "schema-2025.12.4.yml").write_text(MINIMAL % properties, encoding="utf-8")
    if blueprint is not None:
        (tmp_path / "blueprint-schema-2025.12.4.json").write_text(json.dumps(blueprint), encoding="utf-8")
    with pytest.raises(SchemaError, match=re.escape(message)) as caught:
        generate(tmp_path)
    assert str(caught.value).startswith(
        str(tmp_path / "blueprint-schema-2025.12.4.json" if blueprint else tmp_path / "schema-2025.12.4.yml")
    )


def test_create_endpoints_come_from_post_operations() -> None:
    paths = """paths:
  /flows/instances/:
    get:
      responses:
        '200':
          $ref: '#/components/schemas/FlowRequest'
    post:
      requestBody:
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/FlowRequest'
  /flows/instances/{slug}/:
    put:
      requestBody:
        $ref: '#/components/schemas/FlowRequest'
"""
    assert create_endpoints(paths) == {"FlowRequest": "/api/v3/flows/instances/"}


def test_cli_reports_a_broken_schema_without_a_traceback(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "schema-2025.12.4.yml").write_text("openapi: 3.0.3\ninfo: [\n", encoding="utf-8")
    out = tmp_path / "rules"
    result = subprocess.run(
        [sys.executable, "-m", "avlint.spec.generate", "--schemas", str(schemas), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{schemas / 'schema-2025.12.4.yml'}:3:" in result.stderr
    assert not out.exists()  # nothing written


def test_cli_without_schemas_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--schemas", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    assert "no such folder of schema files" in capsys.readouterr().err


def test_cli_reports_an_unwritable_output_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "rules"
    blocker.write_text("a file where the rules folder should be", encoding="utf-8")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "schema-2025.12.4.yml").write_text(MINIMAL % "{name: {type: string}}", encoding="utf-8")
    assert main(["--schemas", str(schemas), "--out", str(blocker)]) == 1
    assert "error: cannot write" in capsys.readouterr().err


def test_write_replaces_the_generated_folder_atomically(tmp_path: Path) -> None:
    (tmp_path / GENERATED).mkdir(parents=True)
    (tmp_path / GENERATED / "gone.model.json").write_text("{}", encoding="utf-8")
    write({f"{GENERATED}/app.thing.json": dump({"model": "app.thing"})}, tmp_path)
    assert sorted(p.name for p in (tmp_path / GENERATED).iterdir()) == ["app.thing.json"]
    assert json.loads((tmp_path / GENERATED / "app.thing.json").read_text(encoding="utf-8")) == {"model": "app.thing"}


# --- overrides: the merge function and the three hand-tuned models ------------------------------

RELEASES = [R("2021.3"), R("2021.6"), R("2023.3"), R("2025.12")]


def test_patches_apply_within_their_range_and_fold_back() -> None:
    generated_doc = {
        "model": "app.thing",
        "kind": "model",
        "fields": [
            {"name": "a", "until": "2023.3", "type": "string"},
            {"name": "a", "since": "2023.3", "type": "string", "min_length": 1},
            {"name": "b", "type": "boolean"},
            {"name": "c", "type": "string"},
        ],
    }
    override = {
        "header": {"kind": "stage"},
        "fields": {
            "a": [{"min_length": 1}],  # makes the two rows equal: one row is left
            "b": [
                {"until": "2021.6", "absent": True},
                {"until": "2023.3", "default": True},
                {"since": "2023.3", "default": False},
            ],
            "c": [{"type": None, "read_only": True}],
        },
    }
    merged = merge_model(generated_doc, override, RELEASES)
    assert merged["kind"] == "stage"
    assert merged["fields"] == [
        {"name": "a", "type": "string", "min_length": 1},
        {"name": "b", "since": "2021.6", "until": "2023.3", "type": "boolean", "default": True},
        {"name": "b", "since": "2023.3", "type": "boolean", "default": False},
        {"name": "c", "read_only": True},
    ]


def test_enum_overrides_date_values() -> None:
    merged = merge_enums(
        {"device_classes": ["static", "duo", {"value": "sms", "since": "2021.10"}]},
        {"device_classes": {"duo": {"since": "2021.6"}}},
    )
    assert merged == {
        "device_classes": ["static", {"value": "duo", "since": "2021.6"}, {"value": "sms", "since": "2021.10"}]
    }


# The hand specs name reference targets by a short kind; generated rows name the model.
VOCABULARY = {
    "flow": "authentik_flows.flow",
    "stage": "authentik_flows.stage",
    "webauthndevicetype": "authentik_stages_authenticator_webauthn.webauthndevicetype",
}
EARLY = ("2021.3", "2021.4", "2021.5", "2021.6", "2021.8", "2021.9", "2021.10")
BEFORE_2025_12 = tuple(str(r) for r in known_releases() if r < R("2025.12"))
# (model, field) -> (release lines where generated+override and rules/specs/ differ, right side, why).
KNOWN_DIFFERENCES: dict[tuple[str, str], tuple[tuple[str, ...], str, str]] = {
    (STAGE, "configuration_stage"): (
        (*EARLY, "2021.12", "2022.1"),
        "generated",
        "the FK was nullable (migration 0005, facts §1.6); rules/specs/ has no nullable key at all",
    ),
    (STAGE, "meta_model_name"): (
        EARLY,
        "generated",
        "the API output had no meta_model_name before 2021.12 (schemas); unknown or read-only, authentik ignores it either way",
    ),
    (STAGE, "flow_set"): (
        ("2022.10",),
        "generated",
        "FlowSetRequest of 2022.10.4 has `authentication` (the flow field came read-only in that line)",
    ),
    (FLOW, "background"): (
        BEFORE_2025_12,
        "generated",
        "until 2025.12 the API's `background` was read-only (set through its own endpoint, every schema"
        " 2021.6-2025.10); rules/specs/ took HEAD's FileField for every release",
    ),
    (FLOW, "background_url"): (
        BEFORE_2025_12,
        "generated",
        "the read-only output field was `background` itself before 2025.12 (schemas)",
    ),
    (FLOW, "authentication"): (
        ("2022.10", "2022.11"),
        "both, in part",
        "the schemas are each line's last patch: 2022.10.4 shows it read-only, 2022.11.4 writable; the facts"
        " date it at the first tag with it, 2022.12.0. A row per line cannot say 2022.11.4",
    ),
}


def resolved(
    rows: list[dict[str, Any]], release: Release, enums: dict[str, Any], objects: dict[str, Any]
) -> dict[str, Any]:
    return {
        row["name"]: _resolve(row, release, enums, objects)
        for row in rows
        if in_range(release, row.get("since"), row.get("until"))
    }


def _resolve(row: dict[str, Any], release: Release, enums: dict[str, Any], objects: dict[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in row.items() if key not in ("name", "since", "until")}
    if "enum" in out:  # the values valid at the release, not the set's name
        values = [
            (i, None, None) if isinstance(i, str) else (i["value"], i.get("since"), i.get("until"))
            for i in enums[out["enum"]]
        ]
        out["enum"] = sorted(v for v, since, until in values if in_range(release, since, until))
    if "references" in out:
        out["references"] = VOCABULARY.get(out["references"], out["references"])
    if "items" in out:
        out["items"] = _resolve(out["items"], release, enums, objects)
    if "object" in out:
        out["object"] = resolved(objects[out["object"]], release, enums, objects)
    return out


@pytest.mark.parametrize("model", [STAGE, FLOW, BINDING])
def test_generated_base_plus_override_reproduces_the_hand_specs(model: str) -> None:
    hand = yaml.safe_load((RULES / "specs" / f"{model}.yaml").read_text(encoding="utf-8"))
    hand_enums = yaml.safe_load((RULES / "specs" / "enums.yaml").read_text(encoding="utf-8"))
    merged, enums = merged_specs(RULES, model, known_releases())
    for key in ("model", "kind", "title", "endpoint", "pk"):
        assert merged[key] == hand[key], key
    found: dict[str, list[str]] = {}
    for release in known_releases():
        want = resolved(hand["fields"], release, hand_enums, hand.get("objects", {}))
        got = resolved(merged["fields"], release, enums, merged.get("objects", {}))
        for name in sorted(set(want) | set(got)):
            if want.get(name) != got.get(name):
                found.setdefault(name, []).append(str(release))
    expected = {field: list(lines) for (m, field), (lines, _, _) in KNOWN_DIFFERENCES.items() if m == model}
    assert found == expected
