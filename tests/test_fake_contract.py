"""Contract test of the fake authentik server: replay every recorded exchange with a real
authentik 2025.12.4 server, in order, and compare the answers.

The recordings (tests/data/recordings/NNN-*.json; their format, the seed state and the server's
notable behaviours are described in tests/data/recordings/README.md) were made in two runs against
one server, each starting from the same seed state: 001-104 and 105-160. Each run is replayed here
against a fresh fake server over real loopback sockets.

What is compared, for every recording:

* the status code;
* the recorded response headers ``Content-Type``, ``Allow`` and ``Vary`` (and that the fake sends
  none of them where none was recorded), plus ``Content-Length`` where recorded (157, HEAD);
* the body, exactly (key order included), after normalising generated values only:

  - uuids the recording server generated (pks of objects created during the run) are paired with
    the fake's uuids in order of appearance; a pairing, once made, must hold everywhere after,
    and requests that name a recorded pk are rewritten to the fake's pk. uuids of the seed state
    must be equal literally (the fake is seeded with the recorded pks);
  - ISO timestamps (``date_joined``, ``expires``, ``last_applied`` ...), the user ``uid`` hash
    and the export's ``metadata.name`` timestamp must have the right shape, not the same value;
  - ``<TOKEN>`` in requests is the fake's superuser token; ``<LIMITED_TOKEN>`` is the key the
    fake answers in 107 (``view_key`` of the token created in 106), used from then on;
  - ``elapsed_ms`` (152-155) is client-side timing and is not part of the contract.

Steps the capture performed without recording them are replayed as documented setup steps (see
UNRECORDED_STEPS). The fake starts as a fresh server (its default blueprints applied); the recorded
server also held four validation stages made by hand before either run, so the first step of each
run adds them (``seed.add_hand_made_stages``). Every one of the 160 recordings is replayed and must
match exactly; the fake needed no documented difference (KNOWN_DIFFERENCES is empty, and asserted
to be).

Beyond the replay:

* the seed: a fresh fake's list answers equal the recorded ones without the hand-made stages, and
  its flows, stages and bindings are those authentik 2025.12.4's default blueprints create
  (tests/data/default-blueprints/);
* blueprint validation with tags (no recording shows one): what authentik 2025.12.4's importer
  gives, per its source as the facts describe it (tag semantics, the rolled-back transaction,
  identifiers, states, and the empty 405 when an invalid entry's tags cannot resolve again while
  its log event is written).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.fake_authentik import FakeAuthentik, seed
from tests.fake_authentik.data import recording, recording_paths, schema_yaml
from tests.fake_authentik.http import Request

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
EXPORT_STAMP_RE = re.compile(r"(name: authentik Export - )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
COMPARED_HEADERS = ("Content-Type", "Allow", "Vary")

RUNS = {"run1": (1, 104), "run2": (105, 160)}

# Request bodies stored as the raw text that was sent (README: "The request body of recording 069
# is the raw text of the malformed JSON"); other string bodies with a JSON Content-Type are JSON
# strings (068 sent the JSON document "x").
RAW_TEXT_BODIES = {69}

# Recordings the fake cannot reproduce exactly: number -> why. Each entry must also be handled in
# the comparison. None are needed; the test asserts that this stays true.
KNOWN_DIFFERENCES: dict[int, str] = {}


class Mismatch(AssertionError):
    pass


class Replay:
    def __init__(self, fake: FakeAuthentik, client: httpx.Client):
        self.fake = fake
        self.client = client
        self.pk_map: dict[str, str] = {}  # recorded generated uuid -> the fake's uuid
        self.fake_pks: set[str] = set()
        self.tokens = {"<TOKEN>": fake.token}
        self.learn_seed()

    def learn_seed(self) -> None:
        """The pks of the objects the server held before the run: they must answer literally."""
        state = self.fake.state
        self.seed_uuids = set(state.stages) | set(state.flows) | set(state.bindings)
        self.seed_uuids |= {f.pbm_pk for f in state.flows.values()} | {b.pbm_pk for b in state.bindings.values()}
        self.seed_uuids |= {p for f in state.flows.values() for p in f.policies}

    # -- requests --------------------------------------------------------------------------------
    def rewrite(self, value: Any) -> Any:
        """Recorded pks -> the fake's pks, in any string of a request."""
        if isinstance(value, str):
            return UUID_RE.sub(lambda m: self.pk_map.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.rewrite(item) for item in value]
        if isinstance(value, dict):
            return {key: self.rewrite(item) for key, item in value.items()}
        return value

    def token(self, header: str) -> str:
        for placeholder in ("<LIMITED_TOKEN>", "<TOKEN>"):
            if placeholder in header:
                if placeholder not in self.tokens:
                    raise Mismatch(f"{placeholder} used before the replay learned it")
                return header.replace(placeholder, self.tokens[placeholder])
        return header

    def send(self, number: int) -> httpx.Response:
        request = recording(number)["request"]
        headers = {"Accept-Encoding": "identity"}
        for name, value in request["headers"].items():
            headers[name] = self.token(value) if name == "Authorization" else value
        content = None
        body = request["body"]
        if body is not None:
            ctype = request["headers"].get("Content-Type", "")
            raw = number in RAW_TEXT_BODIES or (isinstance(body, str) and "json" not in ctype)
            content = (self.rewrite(body) if raw else json.dumps(self.rewrite(body))).encode("utf-8")
        params = [(key, self.rewrite(value)) for key, value in request["query"].items()]
        return self.client.request(
            request["method"], self.rewrite(request["path"]), params=params, headers=headers, content=content
        )

    # -- responses -------------------------------------------------------------------------------
    def check(self, number: int, response: httpx.Response) -> None:
        expected = recording(number)["response"]
        if response.status_code != expected["status"]:
            raise Mismatch(f"status {response.status_code} != {expected['status']}: {response.text[:300]}")
        for name in COMPARED_HEADERS:
            if response.headers.get(name) != expected["headers"].get(name):
                raise Mismatch(f"header {name}: {response.headers.get(name)!r} != {expected['headers'].get(name)!r}")
        if "Content-Length" in expected["headers"]:
            if response.headers.get("Content-Length") != expected["headers"]["Content-Length"]:
                raise Mismatch(
                    f"Content-Length {response.headers.get('Content-Length')} != "
                    f"{expected['headers']['Content-Length']}"
                )
        body = expected["body"]
        if "body_omitted" in expected:  # 002: the schema, saved separately as schema.yml
            if response.content != schema_yaml() or len(response.content) != expected["body_size_bytes"]:
                raise Mismatch("the schema body differs from the recorded schema.yml")
        elif body is None:
            if response.content:
                raise Mismatch(f"expected an empty body, got {response.content[:200]!r}")
        elif isinstance(body, str):
            actual = EXPORT_STAMP_RE.sub(r"\1<TIMESTAMP>", response.text)
            if actual != EXPORT_STAMP_RE.sub(r"\1<TIMESTAMP>", self.rewrite_expected(body)):
                raise Mismatch(f"text body differs: {response.text[:300]!r}")
        else:
            self.match(body, response.json(), "body")

    def rewrite_expected(self, text: str) -> str:
        return UUID_RE.sub(lambda m: self.pk_map.get(m.group(0), m.group(0)), text)

    def match(self, expected: Any, actual: Any, where: str) -> None:
        if isinstance(expected, dict):
            if not isinstance(actual, dict) or list(expected) != list(actual):
                raise Mismatch(
                    f"{where}: keys {list(actual) if isinstance(actual, dict) else actual!r} != {list(expected)}"
                )
            for key in expected:
                self.match(expected[key], actual[key], f"{where}.{key}")
        elif isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                raise Mismatch(f"{where}: {actual!r} != {expected!r}")
            for index, (exp, act) in enumerate(zip(expected, actual, strict=True)):
                self.match(exp, act, f"{where}[{index}]")
        elif isinstance(expected, str) and UUID_RE.fullmatch(expected):
            self.match_uuid(expected, actual, where)
        elif isinstance(expected, str) and TIMESTAMP_RE.fullmatch(expected):
            if not (isinstance(actual, str) and TIMESTAMP_RE.fullmatch(actual)):
                raise Mismatch(f"{where}: {actual!r} is not a timestamp")
        elif where.endswith(".uid") and isinstance(expected, str) and HEX64_RE.fullmatch(expected):
            if not (isinstance(actual, str) and HEX64_RE.fullmatch(actual)):
                raise Mismatch(f"{where}: {actual!r} is not a uid hash")
        elif expected == "<LIMITED_TOKEN>":
            if not (isinstance(actual, str) and actual):
                raise Mismatch(f"{where}: no token key in {actual!r}")
            self.tokens["<LIMITED_TOKEN>"] = actual
        elif isinstance(expected, str):
            if actual != self.rewrite_expected(expected):
                raise Mismatch(f"{where}: {actual!r} != {expected!r}")
        elif type(actual) is not type(expected) or actual != expected:
            raise Mismatch(f"{where}: {actual!r} != {expected!r}")

    def match_uuid(self, expected: str, actual: Any, where: str) -> None:
        if expected in self.seed_uuids:
            if actual != expected:
                raise Mismatch(f"{where}: seed pk {expected} answered as {actual!r}")
        elif expected in self.pk_map:
            if actual != self.pk_map[expected]:
                raise Mismatch(f"{where}: {actual!r} != {self.pk_map[expected]} (recorded {expected})")
        else:
            if not (isinstance(actual, str) and UUID_RE.fullmatch(actual)):
                raise Mismatch(f"{where}: {actual!r} is not a uuid")
            if actual in self.fake_pks or actual in self.seed_uuids:
                raise Mismatch(f"{where}: {actual} already stands for another recorded pk")
            self.pk_map[expected] = actual
            self.fake_pks.add(actual)


# -- steps the capture took without recording them --------------------------------------------------
def _bulk_stages() -> list[dict[str, Any]]:
    """The 230 ``avlint-rec2-bulk-NNN`` stages, as listed in 152-154."""
    return [stage for number in (152, 153, 154) for stage in recording(number)["response"]["body"]["results"]]


def _in_process(replay: Replay, method: str, path: str, body: Any = None) -> Any:
    """One API call through the fake's request pipeline without sockets (fast setup steps)."""
    headers = {"authorization": f"Bearer {replay.fake.token}", "accept": "application/json"}
    content = b""
    if body is not None:
        headers["content-type"] = "application/json"
        content = json.dumps(body).encode("utf-8")
    return replay.fake.handle(Request(method, path, {}, headers, content))


def create_bulk_stages(replay: Replay) -> None:
    """Before 152: the capture created 230 stages (README: "the first of 230 bulk stages")."""
    fields = (
        "name",
        "not_configured_action",
        "device_classes",
        "configuration_stages",
        "last_auth_threshold",
        "webauthn_user_verification",
        "webauthn_allowed_device_types",
    )
    for stage in _bulk_stages():
        answer = _in_process(
            replay, "POST", "/api/v3/stages/authenticator/validate/", {key: stage[key] for key in fields}
        )
        assert answer.status == 201, answer.body
        pk = json.loads(answer.body)["pk"]
        replay.pk_map[stage["pk"]] = pk
        replay.fake_pks.add(pk)


def delete_remaining_bulk_stages(replay: Replay) -> None:
    """Between 155 and 157: the other 229 bulk deletions were not recorded; 157's Content-Length
    (4114 = the five seed stages plus avlint-rec2-bind-stage) shows they had happened."""
    for stage in _bulk_stages()[1:]:
        answer = _in_process(replay, "DELETE", f"/api/v3/stages/authenticator/validate/{replay.pk_map[stage['pk']]}/")
        assert answer.status == 204, answer.body


def add_hand_made_stages(replay: Replay) -> None:
    """Before 001 and 105: the four validation stages made by hand on the recorded server before
    the recordings (README "Seed state"); not part of a fresh server's defaults."""
    seed.add_hand_made_stages(replay.fake.state)
    replay.learn_seed()


UNRECORDED_STEPS: dict[int, Callable[[Replay], None]] = {  # run before the recording numbered
    1: add_hand_made_stages,
    105: add_hand_made_stages,
    152: create_bulk_stages,
    156: delete_remaining_bulk_stages,
}


def replay_run(first: int, last: int) -> tuple[list[int], list[str]]:
    replayed: list[int] = []
    failures: list[str] = []
    # Plain HTTP on loopback: verify=False only skips loading CA certificates.
    with FakeAuthentik() as fake, httpx.Client(base_url=fake.url, timeout=30, verify=False) as client:
        replay = Replay(fake, client)
        for number in range(first, last + 1):
            if number in UNRECORDED_STEPS:
                UNRECORDED_STEPS[number](replay)
            try:
                replay.check(number, replay.send(number))
            except Mismatch as exc:
                failures.append(f"{number:03d}: {exc}")
            replayed.append(number)
        failures.extend(f"error in the fake: {error}" for error in fake.errors)
    return replayed, failures


def test_every_recording_belongs_to_one_run() -> None:
    numbers = [int(path.name[:3]) for path in recording_paths()]
    assert numbers == list(range(1, 161))
    assert sorted(n for first, last in RUNS.values() for n in range(first, last + 1)) == numbers


def test_known_differences_are_documented() -> None:
    assert KNOWN_DIFFERENCES == {}, "every listed difference needs its own handling in Replay.check"


@pytest.mark.parametrize("run", sorted(RUNS))
def test_replay(run: str) -> None:
    first, last = RUNS[run]
    replayed, failures = replay_run(first, last)
    assert replayed == list(range(first, last + 1))
    assert not failures, "\n".join(failures)


# -- behaviours the README states that no recording shows -------------------------------------------
@pytest.fixture
def api(fake_authentik: FakeAuthentik):
    headers = {"Authorization": f"Bearer {fake_authentik.token}", "Accept": "application/json"}
    with httpx.Client(base_url=fake_authentik.api_url + "/", headers=headers, timeout=30, verify=False) as client:
        yield client


def _add_stages(api: httpx.Client, count: int) -> None:
    for index in range(count):
        assert api.post("stages/authenticator/validate/", json={"name": f"zz-extra-{index:03d}"}).status_code == 201


def test_default_page_size_and_cap(api: httpx.Client) -> None:
    _add_stages(api, 104)  # 105 validation stages in all, with the seed's one
    page = api.get("stages/authenticator/validate/").json()["pagination"]
    assert (page["count"], page["end_index"], page["total_pages"]) == (105, 20, 6)
    for size in ("0", "-3", "abc"):  # invalid sizes fall back to 20
        assert (
            api.get("stages/authenticator/validate/", params={"page_size": size}).json()["pagination"]["end_index"]
            == 20
        )
    page = api.get("stages/authenticator/validate/", params={"page_size": "1000"}).json()["pagination"]
    assert (page["end_index"], page["total_pages"], page["next"]) == (100, 2, 2)
    last = api.get("stages/authenticator/validate/", params={"page_size": "100", "page": "last"}).json()
    assert (last["pagination"]["current"], len(last["results"])) == (2, 5)
    answer = api.get("stages/authenticator/validate/", params={"page": "x"})
    assert (answer.status_code, answer.json()) == (404, {"detail": "Invalid page."})


def test_preloaded_webauthn_device_types(fake_authentik: FakeAuthentik, api: httpx.Client) -> None:
    google = {"aaguid": "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", "description": "Google Password Manager"}
    vault = {"aaguid": "bada5566-a7aa-401f-bd96-45619a55120d", "description": "1Password"}
    fake_authentik.add_device_types([google, vault])
    listing = api.get("stages/authenticator/webauthn_device_types/").json()
    assert listing["results"] == [vault, google]  # ordered by description
    assert api.get("stages/authenticator/webauthn_device_types/", params={"search": "google"}).json()["results"] == [
        google
    ]
    assert api.get(f"stages/authenticator/webauthn_device_types/{google['aaguid']}/").json() == google
    answer = api.post("stages/authenticator/webauthn_device_types/", json=google)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")
    created = api.post(
        "stages/authenticator/validate/",
        json={"name": "avlint-google-only", "webauthn_allowed_device_types": [google["aaguid"]]},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["webauthn_allowed_device_types"] == [google["aaguid"]]
    assert body["webauthn_allowed_device_types_obj"] == [google]


def test_token_expiry_and_limited_presets(fake_authentik: FakeAuthentik, api: httpx.Client) -> None:
    limited = {"Authorization": f"Bearer {fake_authentik.limited_token}"}
    fake_authentik.set_limited_permissions("write")
    assert (
        api.post("stages/authenticator/validate/", json={"name": "avlint-limited"}, headers=limited).status_code == 201
    )
    assert api.get("flows/instances/", headers=limited).status_code == 403  # flows have their own permissions
    fake_authentik.state.expire(fake_authentik.limited_token)
    answer = api.get("admin/version/", headers=limited)
    assert (answer.status_code, answer.json()) == (403, {"detail": "Token invalid/expired"})


def test_schema_formats(api: httpx.Client) -> None:
    avlint_accept = {"Accept": "application/json, application/yaml;q=0.9, */*;q=0.5"}
    yaml_answer = api.get("schema/", headers={**avlint_accept, "Authorization": ""})  # no token needed
    assert yaml_answer.status_code == 200
    # DRF does not weigh q-values and lists the YAML renderers first.
    assert yaml_answer.headers["Content-Type"] == "application/yaml;q=0.9; charset=utf-8"
    assert yaml_answer.content == schema_yaml()
    as_json = api.get("schema/", params={"format": "json"}, headers={"Accept": "*/*"})
    assert as_json.headers["Content-Type"] == "application/vnd.oai.openapi+json"
    assert as_json.json()["info"]["version"] == "2025.12.4"
    assert api.get("schema/").headers["Content-Type"] == "application/json"  # Accept: application/json


def test_generated_flow_export(api: httpx.Client) -> None:
    import yaml

    flow = api.post(
        "flows/instances/", json={"name": "n", "slug": "avlint-export", "title": "t", "designation": "authentication"}
    ).json()
    stage = api.post("stages/authenticator/validate/", json={"name": "avlint-export-stage"}).json()
    assert api.post("flows/bindings/", json={"target": flow["pk"], "stage": stage["pk"], "order": 5}).status_code == 201
    answer = api.get("flows/instances/avlint-export/export/")
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    document = yaml.safe_load(answer.text)
    assert [entry["model"] for entry in document["entries"]] == [
        "authentik_flows.flow",
        "authentik_stages_authenticator_validate.authenticatorvalidatestage",
        "authentik_flows.flowstagebinding",
    ]
    assert document["entries"][1]["attrs"]["device_classes"] == ["static", "totp", "webauthn", "duo", "sms", "email"]
    assert document["metadata"]["name"].startswith("authentik Export - ")


def test_binding_patch_reads_only_the_submitted_evaluation_flags(api: httpx.Client) -> None:
    binding = api.get("flows/bindings/", params={"ordering": "order"}).json()["results"][0]
    answer = api.patch(f"flows/bindings/{binding['pk']}/", json={"re_evaluate_policies": False})
    assert (answer.status_code, answer.json()) == (
        400,
        {"non_field_errors": ["Either evaluation on plan or evaluation on run must be enabled"]},
    )
    answer = api.patch(
        f"flows/bindings/{binding['pk']}/", json={"re_evaluate_policies": False, "evaluate_on_plan": True}
    )
    assert answer.status_code == 200


def test_options_and_methods_follow_permissions(fake_authentik: FakeAuthentik, api: httpx.Client) -> None:
    assert api.options("stages/authenticator/validate/", headers={"Authorization": ""}).status_code == 403
    unknown = api.options("stages/authenticator/validate/00000000-0000-4000-8000-000000000000/").json()
    assert "actions" not in unknown  # DRF's metadata skips actions when get_object() fails
    limited = {"Authorization": f"Bearer {fake_authentik.limited_token}"}
    assert api.delete("stages/authenticator/validate/", headers=limited).status_code == 403  # permissions before 405
    assert api.delete("stages/authenticator/validate/").status_code == 405
    assert api.request("TRACE", "stages/authenticator/validate/").status_code == 405


def test_stored_json_schema_matches_schema_yml() -> None:
    """schema.json.gz must come from this schema.yml (see data.rebuild_schema_json)."""
    from tests.fake_authentik.data import SCHEMA_SHA256, schema_sha256

    assert schema_sha256() == SCHEMA_SHA256


# -- the seed: a fresh server's defaults --------------------------------------------------------------
SEED_LISTINGS = (3, 5, 94, 96, 128, 129, 131)  # list answers of the seed state (before any write)


def _without_hand_made(body: dict[str, Any]) -> dict[str, Any]:
    """A recorded one-page list answer as a server without the hand-made stages gives it."""
    results = [item for item in body["results"] if item.get("name") not in seed.HAND_MADE]
    removed = len(body["results"]) - len(results)
    pagination = dict(body["pagination"])
    assert pagination["total_pages"] == 1
    pagination["count"] -= removed
    pagination["end_index"] -= removed
    return {**body, "pagination": pagination, "results": results}


@pytest.mark.parametrize("number", SEED_LISTINGS)
def test_seed_listings_equal_the_recorded_ones_without_the_hand_made_stages(number: int) -> None:
    with FakeAuthentik() as fake, httpx.Client(base_url=fake.url, timeout=30, verify=False) as client:
        replay = Replay(fake, client)
        response = replay.send(number)
        assert response.status_code == 200
        replay.match(_without_hand_made(recording(number)["response"]["body"]), response.json(), "body")


def test_seed_holds_one_validation_stage_and_the_hand_made_ones_only_on_request() -> None:
    from tests.fake_authentik.state import VALIDATE, State

    names = [stage.name for stage in State().stages.values() if stage.model == VALIDATE]
    assert names == ["default-authentication-mfa-validation"]
    recorded = State(hand_made_stages=True)
    assert [s["pk"] for s in recording(129)["response"]["body"]["results"]] == list(recorded.stages)


def _default_blueprints() -> tuple[dict[str, dict[str, Any]], dict[str, str], list[tuple[Any, ...]]]:
    """Flows, stages (name -> model) and bindings that authentik 2025.12.4's default blueprints
    create, read with the fake's own blueprint loader (``!KeyOf`` ids stay readable)."""
    import tarfile
    from pathlib import Path

    from tests.fake_authentik.blueprint_yaml import KeyOf, YAMLTag, load

    archive = Path(__file__).parent / "data" / "default-blueprints" / "blueprints-2025.12.4.tar.gz"
    flows: dict[str, dict[str, Any]] = {}
    stages: dict[str, str] = {}
    bindings: list[tuple[Any, ...]] = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not (member.name.startswith("blueprints/default/flow-") and member.isfile()):
                continue
            document = load(tar.extractfile(member).read().decode("utf-8"))  # type: ignore[union-attr]
            ids: dict[str, str] = {}
            for entry in document["entries"]:
                identifiers, attrs, model = entry.get("identifiers", {}), entry.get("attrs") or {}, entry["model"]
                if model == "authentik_flows.flow":
                    flows[identifiers["slug"]] = {**attrs, **identifiers}
                    ids[entry.get("id")] = identifiers["slug"]
                elif model.startswith("authentik_stages_") and model.endswith("stage"):
                    stages.setdefault(identifiers["name"], model)
                    ids[entry.get("id")] = identifiers["name"]
                elif model == "authentik_flows.flowstagebinding":
                    target, stage = (ids[identifiers[key].id_from] for key in ("target", "stage"))
                    assert isinstance(identifiers["target"], KeyOf)
                    flags = {k: v for k, v in attrs.items() if not isinstance(v, YAMLTag)}
                    bindings.append((target, stage, identifiers["order"], flags))
                elif model == "authentik_policies.policybinding":
                    target = ids.get(identifiers["target"].id_from)
                    if target in flows:  # a policy bound to the flow itself
                        flows[target].setdefault("policies", 0)
                        flows[target]["policies"] += 1
    return flows, stages, bindings


def test_seed_matches_the_default_blueprints() -> None:
    from tests.fake_authentik.state import State

    flows, stages, bindings = _default_blueprints()
    state = State()
    by_slug = {flow.slug: flow for flow in state.flows.values()}
    assert sorted(by_slug) == sorted(flows)
    for slug, values in flows.items():
        flow = by_slug[slug]
        expected = {key: value for key, value in values.items() if key != "policies"}
        assert {key: getattr(flow, key) for key in expected} == expected, slug
        assert len(flow.policies) == values.get("policies", 0), slug  # policies bound to the flow
    assert {stage.name: stage.model for stage in state.stages.values()} == stages
    seeded = {(state.flows[b.target].slug, state.stages[b.stage].name): b for b in state.bindings.values()}
    assert sorted(seeded) == sorted((target, stage) for target, stage, _, _ in bindings)
    for target, stage, order, flags in bindings:
        binding = seeded[(target, stage)]
        defaults = {"evaluate_on_plan": False, "re_evaluate_policies": True, "invalid_response_action": "retry"}
        expected = {**defaults, **flags, "order": order}
        assert {key: getattr(binding, key) for key in expected} == expected, (target, stage)


# -- blueprint validation resolves tags as authentik's importer does ----------------------------------
# Expected answers follow authentik 2025.12.4's importer (facts §4.3-4.4, serializer rules §1):
# the real server was recorded validating untagged blueprints only (098-102).
VALIDATE_MODEL = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
FAILED = "- Blueprint validation failed"


class Blueprints:
    """POST /managed/blueprints/ (enabled: false) with a unique name per call."""

    def __init__(self, api: httpx.Client):
        self.api = api
        self.count = 0

    def post(self, content: str, **extra: Any) -> httpx.Response:
        self.count += 1
        body = {"name": f"avlint-tags-{self.count}", "content": content, "enabled": False, **extra}
        return self.api.post("managed/blueprints/", json=body)

    def errors(self, content: str, **extra: Any) -> list[str]:
        answer = self.post(content, **extra)
        assert answer.status_code == 400, answer.text
        lines = answer.json()["content"]
        assert lines[0] == "Failed to validate blueprint" and lines[-1] == FAILED
        return [line.removeprefix("- ") for line in lines[1:-1]]

    def valid(self, content: str, **extra: Any) -> None:
        answer = self.post(content, **extra)
        assert answer.status_code == 201, answer.text

    def unhandled(self, content: str, **extra: Any) -> None:
        """authentik raised an exception its API does not handle: an empty 405 (facts §13)."""
        answer = self.post(content, **extra)
        assert (answer.status_code, answer.content) == (405, b""), answer.text


@pytest.fixture
def blueprints(api: httpx.Client) -> Blueprints:
    return Blueprints(api)


def _stage(name: str, attrs: str, *, extra: str = "") -> str:
    return f"- model: {VALIDATE_MODEL}\n  identifiers: {{name: {name}}}\n  attrs: {attrs}\n{extra}"


def _document(*entries: str, context: str = "") -> str:
    return "version: 1\n" + context + "entries:\n" + "".join(entries)


def _serializer_error(field: str, message: str, code: str) -> str:
    return f"Entry invalid: Serializer errors {{{field!r}: [ErrorDetail(string={message!r}, code={code!r})]}}"


def test_find_resolves_configuration_stages_against_the_server(blueprints: Blueprints) -> None:
    # the false 400 of issue 14: a configure stage whose configuration stages are !Find look-ups
    found = "[!Find [authentik_flows.stage, [name, default-authenticator-totp-setup]]]"
    blueprints.valid(
        _document(_stage("avlint-cfg", f"{{not_configured_action: configure, configuration_stages: {found}}}"))
    )
    by_type = "[!Find [authentik_stages_authenticator_totp.AuthenticatorTOTPStage, [name__iexact, DEFAULT-authenticator-totp-setup]]]"
    blueprints.valid(
        _document(_stage("avlint-cfg", f"{{not_configured_action: configure, configuration_stages: {by_type}}}"))
    )
    # no match is None (no error of its own); the serializer's error follows
    missing = "[!Find [authentik_flows.stage, [name, no-such-stage]]]"
    assert blueprints.errors(
        _document(_stage("avlint-cfg", f"{{not_configured_action: configure, configuration_stages: {missing}}}"))
    ) == [_serializer_error("configuration_stages", 'Invalid pk "None" - object does not exist.', "does_not_exist")]
    binding = (
        "- model: authentik_flows.flowstagebinding\n"
        "  identifiers: {target: !Find [authentik_flows.flow, [slug, default-authentication-flow]],"
        " stage: !Find [authentik_flows.stage, [name, nope]], order: 99}\n"
    )
    assert blueprints.errors(_document(binding)) == [_serializer_error("stage", "This field may not be null.", "null")]


def test_a_failing_entry_whose_tags_cannot_resolve_outside_the_import_is_a_405(blueprints: Blueprints) -> None:
    """Logging "Entry invalid" writes the entry as JSON, and str() of a tag resolves it against an
    empty blueprint (YAMLTag.__repr__): a !KeyOf there, or the tag that failed, raises again and
    the API answers an empty 405 (facts §13). Tags that do resolve there leave the 400."""
    flow = (
        "- model: authentik_flows.flow\n  id: flow\n  identifiers: {slug: avlint-tags-flow}\n"
        "  attrs: {name: n, title: t, designation: authentication}\n"
    )
    bad = "- model: authentik_flows.flowstagebinding\n  identifiers: {target: %s, stage: %s, order: 10}\n"
    mfa = "!Find [authentik_flows.stage, [name, default-authentication-mfa-validation]]"
    missing = "!Find [authentik_flows.stage, [name, nope]]"
    assert blueprints.errors(
        _document(flow, bad % ("!Find [authentik_flows.flow, [slug, avlint-tags-flow]]", missing))
    ) == [_serializer_error("stage", "This field may not be null.", "null")]
    blueprints.unhandled(_document(flow, bad % ("!KeyOf flow", missing)))  # the same error, with a !KeyOf
    blueprints.valid(_document(flow, bad % ("!KeyOf flow", mfa)))
    # a !KeyOf to a later entry fails, and fails again while its log event is written
    blueprints.unhandled(_document(bad % ("!KeyOf flow", mfa), flow))
    for broken in (
        "[!Find [authentik_nope.stage, [name, x]]]",  # No installed app with label 'authentik_nope'.
        "[!Find [authentik_flows.nope, [name, x]]]",  # App 'authentik_flows' doesn't have a 'nope' model.
        "[!Find [authentik_flows.stage, [nickname, x]]]",  # Django's FieldError, never caught
    ):
        blueprints.unhandled(_document(_stage("s", f"{{configuration_stages: {broken}}}")))


def test_find_object_gives_the_serializer_data(blueprints: Blueprints) -> None:
    flow = "!FindObject [authentik_flows.flow, [slug, default-authentication-flow]]"
    mfa = "!Find [authentik_flows.stage, [name, default-authentication-mfa-validation]]"
    # an identifier holding a mapping with a pk is replaced by that pk: the seed's binding is found
    binding = f"- model: authentik_flows.flowstagebinding\n  identifiers: {{target: {flow}, stage: {mfa}, order: 30}}\n"
    message = "[ErrorDetail(string='State is set to must_created and object exists already', code='unique')]"
    assert blueprints.errors(_document(binding + "  state: must_created\n")) == [
        f"Entry invalid: {{'target': {message}, 'stage': {message}, 'order': {message}}}"
    ]
    admin = "!AtIndex [!FindObject [authentik_core.user, [username, akadmin]], username]"
    assert blueprints.errors(_document(_stage("avlint-admin", f"{{last_auth_threshold: {admin}}}"))) == [
        _serializer_error(
            "last_auth_threshold", "akadmin is not in the correct format of 'hours=3;minutes=1'.", "invalid"
        )
    ]


def test_key_of_and_find_see_earlier_entries_of_the_same_import(blueprints: Blueprints, api: httpx.Client) -> None:
    flow = (
        "- model: authentik_flows.flow\n  id: flow\n  identifiers: {slug: avlint-tags-flow}\n"
        "  attrs: {name: n, title: t, designation: authentication}\n"
    )
    setup = _stage("avlint-tags-setup", "{}", extra="  id: setup\n")
    configure = _stage(
        "avlint-tags-mfa",
        "{not_configured_action: configure, configuration_stages: [!KeyOf setup,"
        " !Find [authentik_flows.stage, [name, avlint-tags-setup]]]}",
        extra="  id: mfa\n",
    )
    binding = "- model: authentik_flows.flowstagebinding\n  identifiers: {target: !KeyOf flow, stage: !KeyOf mfa, order: 10}\n"
    before = api.get("stages/all/", params={"page_size": 100}).json()
    blueprints.valid(_document(flow, setup, configure, binding))
    # validation applies inside a transaction that is rolled back: nothing stays on the server
    assert api.get("stages/all/", params={"page_size": 100}).json() == before
    assert api.get("flows/instances/", params={"slug": "avlint-tags-flow"}).json()["results"] == []
    # the !Find alone sees the stage the entry before created
    found = "[!Find [authentik_flows.stage, [name, avlint-tags-setup]]]"
    blueprints.valid(
        _document(setup, _stage("m", f"{{not_configured_action: configure, configuration_stages: {found}}}"))
    )


def test_env_file_and_context_read_the_servers_side(fake_authentik: FakeAuthentik, blueprints: Blueprints) -> None:
    fake_authentik.state.environ.update({"MFA_THRESHOLD": "hours=2", "EMPTY": ""})
    fake_authentik.state.files["/blueprints/threshold"] = "  minutes=5\n"
    entries = [
        _stage("avlint-env", "{last_auth_threshold: !Env MFA_THRESHOLD}"),
        _stage("avlint-env-default", "{last_auth_threshold: !Env [EMPTY, minutes=3]}"),  # empty falls back
        _stage("avlint-file", "{last_auth_threshold: !File /blueprints/threshold}"),
        # a missing file is an OSError: the default; the fake never reads the host's files
        _stage("avlint-file-default", "{last_auth_threshold: !File [/etc/hostname, minutes=4]}"),
        _stage("avlint-context", "{last_auth_threshold: !Context threshold}"),
        _stage("avlint-context-default", "{last_auth_threshold: !Context [missing, minutes=6]}"),
    ]
    blueprints.valid(_document(*entries, context="context: {threshold: hours=1}\n"))
    # the instance's context (the request's) wins over the file's
    assert blueprints.errors(
        _document(entries[4], context="context: {threshold: hours=1}\n"), context={"threshold": "forever"}
    ) == [
        _serializer_error(
            "last_auth_threshold", "forever is not in the correct format of 'hours=3;minutes=1'.", "invalid"
        )
    ]
    # unset variable without default: None, which the field refuses
    assert blueprints.errors(_document(_stage("avlint-env", "{last_auth_threshold: !Env UNSET}"))) == [
        _serializer_error("last_auth_threshold", "This field may not be null.", "null")
    ]
    # a missing file logs a warning, which a failed validation lists (twice: the log event of the
    # invalid entry resolves its !File again)
    answer = blueprints.post(_document(_stage("avlint-file", "{last_auth_threshold: !File [/nope, forever]}")))
    assert answer.status_code == 400
    warning = "- Failed to read file. Falling back to default value"
    assert answer.json()["content"] == [
        "Failed to validate blueprint",
        warning,
        "- "
        + _serializer_error(
            "last_auth_threshold", "forever is not in the correct format of 'hours=3;minutes=1'.", "invalid"
        ),
        FAILED,
        warning,
    ]
    # the enterprise flag of an unlicensed server is the tuple (False,): truthy
    licensed = "{not_configured_action: !If [!Context goauthentik.io/enterprise/licensed, nope, skip]}"
    assert blueprints.errors(_document(_stage("avlint-lic", licensed))) == [
        _serializer_error("not_configured_action", '"nope" is not a valid choice.', "invalid_choice")
    ]


def test_format_condition_if_and_parse_json(blueprints: Blueprints) -> None:
    blueprints.valid(
        _document(
            _stage("avlint-fmt", "{last_auth_threshold: !Format ['%s=%d', hours, 2]}"),
            _stage("avlint-cond", "{not_configured_action: !If [!Condition [XOR, true, false], deny, nope]}"),
            _stage("avlint-if1", "{name: !If [!Condition [nand, true, true]], not_configured_action: deny}"),
            _stage("avlint-json", '{device_classes: !ParseJSON \'["totp", "webauthn"]\'}'),
        )
    )
    assert blueprints.errors(_document(_stage("a", "{last_auth_threshold: !Format ['%s=%s', years, 1]}"))) == [
        _serializer_error(
            "last_auth_threshold", "years=1 is not in the correct format of 'hours=3;minutes=1'.", "invalid"
        )
    ]
    # a tag that fails fails again while the entry's log event is written: an empty 405
    blueprints.unhandled(_document(_stage("a", "{last_auth_threshold: !Format ['%s', a, b]}")))
    blueprints.unhandled(_document(_stage("a", "{not_configured_action: !Condition [AND]}")))
    blueprints.unhandled(_document(_stage("a", "{not_configured_action: !Condition [MAYBE, true]}")))
    blueprints.unhandled(_document(_stage("a", "{device_classes: !ParseJSON '[totp'}")))
    # !If with two items breaks authentik's constructor
    blueprints.unhandled(_document(_stage("a", "{not_configured_action: !If [true, deny]}")))


def test_enumerate_index_value_and_at_index(blueprints: Blueprints) -> None:
    # depth 1 reads the enclosing !Enumerate's item: the inner MAP maps k to totp, then webauthn
    inner = "!If [true, !Enumerate [[x], MAP, [k, !Value 1]], false]"
    nested = f"!Enumerate [[totp, webauthn], SEQ, !AtIndex [{inner}, k]]"
    blueprints.valid(
        _document(
            _stage("avlint-enum", "{device_classes: !Enumerate [{totp: 0, webauthn: 1}, SEQ, !Index 0]}"),
            _stage("avlint-enum-format", "{device_classes: !Enumerate [[totp], SEQ, !Format ['%s', !Value 0]]}"),
            _stage("avlint-nested", f"{{device_classes: {nested}}}"),
            _stage("avlint-at", "{not_configured_action: !AtIndex [[deny], 5, skip]}"),
            _stage("avlint-at-key", "{not_configured_action: !AtIndex [{a: deny}, a]}"),
        )
    )
    # MAP builds a mapping (here where a list is due)
    assert blueprints.errors(_document(_stage("a", "{device_classes: !Enumerate [[totp], MAP, {k: v}]}"))) == [
        _serializer_error("device_classes", 'Expected a list of items but got type "dict".', "not_a_list")
    ]
    for broken in (
        "!AtIndex [[deny], 5]",  # Index out of range: 5
        "!AtIndex [{a: deny}, b]",  # Key does not exist: b
        "!Index 0",  # Index tags are only usable inside an Enumerate tag
        "!Enumerate [!Value 0, SEQ, totp]",  # the iterable references the tag's own context
        "!Enumerate [[yubikey], SEQ, !Value 0]",  # a serializer error; !Value fails in the log event
    ):
        blueprints.unhandled(_document(_stage("a", f"{{not_configured_action: {broken}}}")))


def test_importer_semantics_around_the_tags(blueprints: Blueprints) -> None:
    mfa = "default-authentication-mfa-validation"
    # conditions resolve like any value: a false one skips the entry (its bad attrs never run)
    skipped = _stage("a", "{not_configured_action: nope}", extra="  conditions: [!Condition [OR, false, false]]\n")
    blueprints.valid(_document(skipped))
    # identifiers win over attrs (else this name would collide), and an existing object is a
    # partial update (no required field to repeat)
    blueprints.valid(_document(_stage(mfa, "{name: default-authentication-password, not_configured_action: deny}")))
    assert blueprints.errors(_document(_stage(mfa, "{name: x}", extra="  state: must_created\n"))) == [
        "Entry invalid: {'name': [ErrorDetail(string='State is set to must_created and object exists already', "
        "code='unique')]}"
    ]
    # a stage of another type holding the name: the lookup misses, the create collides
    assert blueprints.errors(_document(_stage("default-authentication-password", "{}"))) == [
        _serializer_error("name", "stage with this name already exists.", "unique")
    ]
    # absent tolerates serializer errors (and deletes, inside the rolled-back transaction)
    blueprints.valid(_document(_stage(mfa, "{not_configured_action: nope}", extra="  state: absent\n")))
    # permissions go to an existing user or role; another is a DoesNotExist nobody catches
    grant = "  permissions: [{permission: view_authenticatorvalidatestage, user: %s}]\n"
    blueprints.valid(_document(_stage("avlint-perm", "{}", extra=grant % 1)))
    blueprints.unhandled(_document(_stage("avlint-perm", "{}", extra=grant % 999)))
    # attrs: null crashes the importer: an empty 405
    answer = blueprints.post(_document(f"- model: {VALIDATE_MODEL}\n  identifiers: {{name: a}}\n  attrs:\n"))
    assert (answer.status_code, answer.content) == (405, b"")
