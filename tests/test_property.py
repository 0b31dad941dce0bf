"""Property tests: whatever bytes come in, linting returns a result and never raises.

(a) mutated real files (every sample config and every authentik export, globbed at test time),
(b) random bytes, (c) token soup from YAML's punctuation and blueprint words, (d) structurally
valid but randomly shaped blueprints (flow YAML with custom tags, and JSON), at random target
versions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avlint.catalogue import all_rules
from avlint.engine import FileResult, lint_bytes
from avlint.findings import EFFECTS, SEVERITIES, Finding
from avlint.settings import Settings
from avlint.versions import known_releases
from tests.conftest import DATA, SAMPLES

RULE_CODES = {rule.code for rule in all_rules()}
# CI runs one fixed set of examples, so a green run stays green; elsewhere every run explores.
COMMON = settings(
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


CI_COUNTS: list[int] = []  # each test's example count in CI, quoted in tests/README.md (test_fuzz_figures.py)


def examples(count: int) -> settings:
    """The shared settings (no deadline, no example database in the repo) with `count` examples,
    or AVLINT_FUZZ_EXAMPLES of them for a longer search."""
    CI_COUNTS.append(count)
    return settings(COMMON, max_examples=int(os.environ.get("AVLINT_FUZZ_EXAMPLES", str(count))))


def source_files() -> list[Path]:
    """Every sample config (good and bad) and every export, found when the test runs."""
    files = [p for p in sorted(SAMPLES.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]
    files += [p for p in sorted((DATA / "exports").rglob("*")) if p.is_file()]
    return files


def check_result(result: object, data: bytes) -> None:
    assert isinstance(result, FileResult)
    if result.skipped is not None:
        assert isinstance(result.skipped, str) and result.skipped
        assert result.findings == []
        return
    assert result.suppressed >= 0
    lines = data.count(b"\n") + data.count(b"\r") + 1
    for finding in result.findings:
        assert isinstance(finding, Finding)
        assert finding.line >= 1 and finding.column >= 1, finding
        assert finding.end_line >= 1 and finding.end_column >= 1, finding
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column), finding
        assert finding.line <= lines + 1, finding
        assert finding.rule in RULE_CODES
        assert finding.severity in SEVERITIES
        assert finding.effect in EFFECTS
        assert isinstance(finding.message, str) and finding.message
    assert result.findings == sorted(result.findings)


def lint(path: str, data: bytes, release=None) -> FileResult:
    result = lint_bytes(path, data, Settings() if release is None else Settings(release=release))
    check_result(result, data)
    return result


# --- (a) mutated real files -------------------------------------------------------------------

_INDEX = st.integers(min_value=0, max_value=1 << 20)
_NOISE = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.sampled_from(
        [
            b":",
            b": ",
            b"- ",
            b"[",
            b"]",
            b"{",
            b"}",
            b"!KeyOf ",
            b"&a ",
            b"*a",
            b"\t",
            b"\n",
            b"  ",
            b"'",
            b'"',
            b"#",
            b"\x00",
            b"\xff",
            b"\xef\xbb\xbf",
            b"---\n",
            b"# avlint: disable=AV301\n",
            b"~",
            b"<<: *a\n",
        ]
    ),
)
MUTATION = st.one_of(
    st.tuples(st.just("delete-line"), _INDEX),
    st.tuples(st.just("duplicate-line"), _INDEX),
    st.tuples(st.just("swap-lines"), _INDEX, _INDEX),
    st.tuples(st.just("insert"), _INDEX, _NOISE),
    st.tuples(st.just("delete-bytes"), _INDEX, st.integers(min_value=1, max_value=40)),
    st.tuples(st.just("replace-byte"), _INDEX, st.integers(min_value=0, max_value=255)),
    st.tuples(st.just("truncate"), _INDEX),
    st.tuples(st.just("indent-line"), _INDEX, st.sampled_from([b" ", b"  ", b"\t"])),
    st.tuples(st.just("dedent-line"), _INDEX),
)


def mutate(data: bytes, operations: list[tuple]) -> bytes:
    for operation in operations:
        kind = operation[0]
        lines = data.splitlines(keepends=True)
        if kind in ("delete-line", "duplicate-line", "swap-lines", "indent-line", "dedent-line"):
            if not lines:
                continue
            i = operation[1] % len(lines)
            if kind == "delete-line":
                del lines[i]
            elif kind == "duplicate-line":
                lines.insert(i, lines[i])
            elif kind == "swap-lines":
                j = operation[2] % len(lines)
                lines[i], lines[j] = lines[j], lines[i]
            elif kind == "indent-line":
                lines[i] = operation[2] + lines[i]
            else:
                lines[i] = lines[i].lstrip(b" \t")
            data = b"".join(lines)
        elif kind == "insert":
            at = operation[1] % (len(data) + 1)
            data = data[:at] + operation[2] + data[at:]
        elif kind == "delete-bytes":
            at = operation[1] % (len(data) + 1)
            data = data[:at] + data[at + operation[2] :]
        elif kind == "replace-byte":
            if data:
                at = operation[1] % len(data)
                data = data[:at] + bytes([operation[2]]) + data[at + 1 :]
        elif kind == "truncate":
            data = data[: operation[1] % (len(data) + 1)]
    return data


def test_there_are_files_to_mutate() -> None:
    files = source_files()
    assert len(files) >= 4
    for path in files:
        check_result(lint_bytes(path.name, path.read_bytes(), Settings()), path.read_bytes())


@examples(250)
@given(st.data(), st.lists(MUTATION, min_size=1, max_size=6), st.sampled_from([None, ".yaml", ".json"]))
def test_mutated_samples_never_raise(data: st.DataObject, operations: list[tuple], suffix: str | None) -> None:
    path = data.draw(st.sampled_from(source_files()), label="source")
    content = mutate(path.read_bytes(), operations)
    name = path.name if suffix is None else path.stem + suffix
    lint(name, content)


# --- (b) random bytes -------------------------------------------------------------------------


@examples(250)
@given(st.binary(max_size=600), st.sampled_from(["random.yaml", "random.json", "random.yml"]))
def test_random_bytes_never_raise(content: bytes, name: str) -> None:
    lint(name, content)


@examples(150)
@given(st.text(max_size=300), st.sampled_from(["random.yaml", "random.json"]))
def test_random_text_never_raises(text: str, name: str) -> None:
    lint(name, text.encode("utf-8", errors="surrogatepass"))


# --- (c) YAML token soup ----------------------------------------------------------------------

TOKENS = [
    ":",
    ": ",
    "-",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "?",
    "|",
    ">",
    "'",
    '"',
    "#",
    "---",
    "...",
    "<<: ",
    "~",
    "\n",
    "\n",
    "\n",
    "  ",
    "  ",
    "    ",
    "\t",
    " ",
    "!KeyOf ",
    "!If ",
    "!Find ",
    "!FindObject ",
    "!Env ",
    "!File ",
    "!Context ",
    "!Format ",
    "!Condition ",
    "!Enumerate ",
    "!Index ",
    "!Value ",
    "!ParseJSON ",
    "!AtIndex ",
    "!Foo ",
    "!!str ",
    "!!int ",
    "!!python/name:os.system ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "version",
    "1",
    "2",
    "metadata",
    "name",
    "labels",
    "context",
    "entries",
    "model",
    "state",
    "present",
    "absent",
    "identifiers",
    "attrs",
    "id",
    "conditions",
    "permissions",
    "pk",
    "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    "authentik_stages_authenticator_totp.authenticatortotpstage",
    "authentik_flows.flow",
    "authentik_flows.flowstagebinding",
    "not_configured_action",
    "configure",
    "deny",
    "skip",
    "device_classes",
    "totp",
    "static",
    "webauthn",
    "email",
    "configuration_stages",
    "last_auth_threshold",
    "seconds=10",
    "hours=1; minutes=30",
    "days=1e10",
    "seconds=inf",
    "webauthn_user_verification",
    "webauthn_allowed_device_types",
    "stage",
    "target",
    "order",
    "evaluate_on_plan",
    "re_evaluate_policies",
    "slug",
    "designation",
    "authentication",
    "null",
    "true",
    "false",
    "2025.12",
    "-1",
    "1e400",
    "# avlint: disable=AV301",
    "# avlint: disable-file",
    "# avlint: disable=nope",
    "x",
    "mfa",
]


@examples(400)
@given(st.lists(st.sampled_from(TOKENS), max_size=120), st.sampled_from(["soup.yaml", "soup.json"]))
def test_yaml_token_soup_never_raises(tokens: list[str], name: str) -> None:
    lint(name, "".join(tokens).encode())


@examples(300)
@given(st.lists(st.sampled_from(TOKENS), max_size=80))
def test_token_soup_after_a_blueprint_header_never_raises(tokens: list[str]) -> None:
    header = "version: 1\nmetadata:\n  name: soup\nentries:\n  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage\n    identifiers:\n      name: mfa\n    attrs:\n      "
    lint("soup.yaml", (header + "".join(tokens)).encode())


# --- (d) well-formed blueprints of random shape -----------------------------------------------

KEYS = [
    "version",
    "metadata",
    "context",
    "entries",
    "model",
    "state",
    "identifiers",
    "attrs",
    "id",
    "conditions",
    "permissions",
    "name",
    "labels",
    "pk",
    "slug",
    "not_configured_action",
    "device_classes",
    "configuration_stages",
    "configuration_stage",
    "last_auth_threshold",
    "webauthn_user_verification",
    "webauthn_allowed_device_types",
    "webauthn_hints",
    "stage",
    "target",
    "order",
    "evaluate_on_plan",
    "re_evaluate_policies",
    "designation",
    "title",
    "flow_set",
    "email_otp_throttling_factor",
    "permission",
    "user",
    "role",
    "policy_engine_mode",
    "x",
]
WORDS = [
    "1",
    "0",
    "-5",
    "2147483648",
    "1.5",
    "true",
    "false",
    "null",
    "''",
    '""',
    "configure",
    "deny",
    "skip",
    "totp",
    "static",
    "webauthn",
    "duo",
    "sms",
    "email",
    "Configure",
    "present",
    "absent",
    "created",
    "must_created",
    "seconds=10",
    "hours=1;minutes=30",
    "seconds=inf",
    "days=1e10",
    "minutes=-1",
    "x",
    "mfa",
    "default-authentication-flow",
    "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    "authentik_flows.flow",
    "authentik_flows.flowstagebinding",
    "authentik_stages_authenticator_totp.authenticatortotpstage",
    "authentik_blueprints.metaapplyblueprint",
    "2a841ebe-d5a2-4341-9a77-935409b6a3e5",
    "not-a-uuid",
    "view_flow",
    "authentik_flows.view_flow",
]
TAGS = [
    "!KeyOf",
    "!Find",
    "!FindObject",
    "!Env",
    "!File",
    "!Context",
    "!Format",
    "!Condition",
    "!If",
    "!Enumerate",
    "!Index",
    "!Value",
    "!ParseJSON",
    "!AtIndex",
    "!Unknown",
]

SCALAR = st.sampled_from(WORDS)


def _tagged(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.sampled_from(TAGS), inner).map(lambda pair: ("tag", pair[0], pair[1]))


VALUE = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
        _tagged(children),
    ),
    max_leaves=25,
)
STAGE_FIELDS = [
    "name",
    "not_configured_action",
    "device_classes",
    "configuration_stages",
    "last_auth_threshold",
    "webauthn_user_verification",
    "webauthn_allowed_device_types",
    "webauthn_hints",
    "flow_set",
    "email_otp_throttling_factor",
    "totp_otp_throttling_factor",
    "stage",
    "target",
    "order",
    "evaluate_on_plan",
    "re_evaluate_policies",
    "slug",
    "title",
    "designation",
    "digits",
    "friendly_name",
    "x",
]
FIELD_VALUE = st.one_of(
    SCALAR,
    st.lists(st.one_of(SCALAR, _tagged(SCALAR), _tagged(st.lists(SCALAR, max_size=3))), max_size=4),
    _tagged(st.one_of(SCALAR, st.lists(SCALAR, max_size=3))),
    VALUE,
)
MODEL = st.sampled_from(
    [
        "authentik_stages_authenticator_validate.authenticatorvalidatestage",
        "authentik_stages_authenticator_totp.authenticatortotpstage",
        "authentik_stages_authenticator_static.authenticatorstaticstage",
        "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
        "authentik_flows.flow",
        "authentik_flows.flowstagebinding",
        "authentik_blueprints.metaapplyblueprint",
        "authentik_core.user",
        "x",
    ]
)
REALISTIC_ENTRY = st.fixed_dictionaries(
    {
        "model": MODEL,
        "identifiers": st.one_of(
            st.fixed_dictionaries({"name": st.sampled_from(["mfa", "totp", "a"])}),
            st.dictionaries(
                st.sampled_from(["name", "slug", "pk", "target", "stage", "order"]), FIELD_VALUE, max_size=3
            ),
        ),
    },
    optional={
        "id": st.sampled_from(["a", "b", "mfa", "flow"]),
        "state": st.one_of(st.sampled_from(["present", "created", "must_created", "absent"]), SCALAR),
        "attrs": st.one_of(st.dictionaries(st.sampled_from(STAGE_FIELDS), FIELD_VALUE, max_size=8), VALUE),
        "permissions": VALUE,
        "conditions": VALUE,
    },
)
ENTRY = st.one_of(REALISTIC_ENTRY, REALISTIC_ENTRY, st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=6))
BLUEPRINT = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.just("1"), SCALAR),
        "metadata": st.one_of(st.dictionaries(st.sampled_from(["name", "labels", "x"]), VALUE, max_size=3), VALUE),
        "context": VALUE,
        "entries": st.one_of(
            st.lists(ENTRY, max_size=5),
            st.dictionaries(st.sampled_from(["a", "b", "c"]), st.lists(ENTRY, max_size=3), max_size=3),
            VALUE,
        ),
        "x": VALUE,
    },
)


def emit(value: object) -> str:
    """Flow-style YAML that keeps custom tags anywhere."""
    if isinstance(value, tuple) and value and value[0] == "tag":
        inner = value[2]
        while isinstance(inner, tuple) and inner and inner[0] == "tag":  # a node has one tag
            inner = inner[2]
        return f"{value[1]} {emit(inner)}"
    if isinstance(value, list):
        return "[" + ", ".join(emit(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {emit(item)}" for key, item in value.items()) + "}"
    return str(value)


def emit_block(document: dict) -> str:
    """Top level in block style (so suppressions and line numbers vary), the rest in flow style."""
    lines = []
    for key, value in document.items():
        if key == "entries" and isinstance(value, list):
            lines.append("entries:")
            lines.extend(f"  - {emit(entry)}" for entry in value)
        else:
            lines.append(f"{key}: {emit(value)}")
    return "\n".join(lines) + "\n"


def plain(value: object) -> object:
    """The JSON counterpart: tags dropped, scalars typed as YAML would read them."""
    if isinstance(value, tuple) and value and value[0] == "tag":
        return plain(value[2])
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    text = str(value)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "null": None, "''": "", '""': ""}.get(text, text)


RELEASE = st.sampled_from(known_releases())


@examples(200)
@given(BLUEPRINT, RELEASE)
def test_random_blueprints_never_raise(document: dict, release) -> None:
    lint("random.yaml", emit_block(document).encode(), release)


@examples(150)
@given(BLUEPRINT, RELEASE)
def test_random_blueprints_as_json_never_raise(document: dict, release) -> None:
    lint("random.json", json.dumps(plain(document)).encode(), release)


@examples(150)
@given(st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=8), RELEASE, st.sampled_from(["body.json", "body.yaml"]))
def test_random_api_bodies_never_raise(body: dict, release, name: str) -> None:
    body.setdefault("not_configured_action", "configure")
    text = json.dumps(plain(body)) if name.endswith(".json") else emit(body)
    lint(name, text.encode(), release)
