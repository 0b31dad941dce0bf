"""Property tests of `fix_text`: whatever the input, it never raises, never turns a loadable file
into an unloadable one, adds no finding, keeps every line no fix targets, and its output fixed
again is unchanged.

Inputs: (a) every sample config, mutated in ways that create fixable problems (repeated lines,
capitalised values, spaced thresholds, misspelt keys, read-only fields, a byte-order mark, CRLF
line endings) or break it (deleted and swapped lines, stray punctuation); (b) generated
blueprints full of fixable problems, in block and flow style, with comments, as YAML and as JSON
API bodies.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from avlint.engine import lint_text
from avlint.fix.apply import UNLOADABLE, fix_text
from avlint.settings import Settings
from avlint.versions import resolve_release
from tests.conftest import SAMPLES
from tests.test_fix import comment_of, footprints, keys, missing_from_sequence

# No shrinking: one fix_text call lints a file several times, and shrinking a failure found in a
# large sample config can take Hypothesis its full five minutes. The failing example is printed
# unshrunk instead.
COMMON = settings(
    deadline=None,
    database=None,
    # CI runs one fixed set of examples, so a green run stays green; elsewhere every run explores.
    derandomize=os.environ.get("CI") == "true",
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# When a Hypothesis test fails, its pytest plugin imports hypothesis.extra._patching, which pulls in
# libcst (when installed) and with it a DeprecationWarning from mypy_extensions; under this
# project's `filterwarnings = error` that turns a test failure into an INTERNALERROR that ends the
# whole run. Importing it here, with that warning silenced, keeps a failure an ordinary failure.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401


def examples(count: int) -> settings:
    """The shared settings with `count` examples, or AVLINT_FUZZ_EXAMPLES of them for a longer
    search (tests/README.md, "Property and fuzz tests")."""
    return settings(COMMON, max_examples=int(os.environ.get("AVLINT_FUZZ_EXAMPLES", str(count))))


TARGETS = ["2021.5", "2022.4", "2024.12", "2025.8", None]


def _decodable_samples() -> list[tuple[str, str]]:
    samples = []
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file():
            try:
                samples.append((path.name, path.read_bytes().decode("utf-8")))
            except UnicodeDecodeError:
                continue
    return samples


SAMPLE_TEXTS = _decodable_samples()


def unloadable(path: str, text: str, config: Settings) -> bool:
    return any(f.rule in UNLOADABLE for f in lint_text(path, text, config).findings)


def _content(line: str) -> str:
    """A line without its trailing separator. The footprints are those of the first pass; a
    later pass may delete what became the last item of a flow or JSON list (a case fix that
    made a duplicate), taking the comma of the line before it, which keeps its content."""
    return line.rstrip("\r\n").removesuffix(",")


def comments(text: str) -> list[str]:
    return [comment.strip() for line in text.splitlines() if (comment := comment_of(line))]


def check_fix(path: str, text: str, config: Settings, unsafe: bool, check_lines: bool = True) -> None:
    outcome = fix_text(path, text, config, unsafe)  # never raises
    assert outcome.original == text
    if outcome.refused is not None:
        assert outcome.fixed == text and outcome.applied == []
        return
    if not unsafe:
        assert all(applied.safe for applied in outcome.applied)
    if outcome.fixed == text:
        assert not outcome.changed
        return
    assert outcome.applied, "the text changed but no fix is reported"
    broken_before = unloadable(path, text, config)
    if not broken_before:
        assert not unloadable(path, outcome.fixed, config), (
            f"fixing made the file unloadable:\n{text}\n----\n{outcome.fixed}"
        )
    before = lint_text(path, text, config)
    after = lint_text(path, outcome.fixed, config)
    assert not keys(after.findings) - keys(before.findings), (
        f"new findings {keys(after.findings) - keys(before.findings)}"
    )
    # A comment is moved, never deleted (issue 12 #16): even one on a line a fix removes.
    assert Counter(comments(outcome.fixed)) == Counter(comments(text)), (
        f"comments lost or invented:\n{text}\n----\n{outcome.fixed}"
    )
    again = fix_text(path, outcome.fixed, config, unsafe)
    assert again.fixed == outcome.fixed, f"a second run changed the output:\n{outcome.fixed}\n----\n{again.fixed}"
    assert again.applied == []
    if check_lines:
        touched, _ = footprints(path, text, config, unsafe)
        untouched = [
            _content(line) for number, line in enumerate(text.splitlines(keepends=True)) if number not in touched
        ]
        missing = missing_from_sequence(untouched, [_content(line) for line in outcome.fixed.splitlines(keepends=True)])
        assert missing is None, f"untouched line {missing!r} lost:\n{text}\n----\n{outcome.fixed}"


# ---------------------------------------------------------------------------------------------
# (a) mutated sample configs

READ_ONLY = [
    "component: ak-stage-authenticator-validate-form",
    "verbose_name: Authenticator Validation Stage",
    "pk: 3c1f9e1a-7d52-4b8e-a0f4-5e9d2c7b8a61",
    "meta_model_name: x",
]
RENAMES = [
    ("attrs:", "attr:"),
    ("entries:", "entires:"),
    ("not_configured_action", "not_configured_acton"),
    ("device_classes", "device_clases"),
    ("identifiers:", "Identifiers:"),
]
CAPITALS = [
    ("skip", "Skip"),
    ("deny", "Deny"),
    ("configure", "Configure"),
    ("totp", "TOTP"),
    ("webauthn", "WebAuthn"),
    ("preferred", "Preferred"),
]


def _mutate(text: str, kind: str, index: int, extra: int) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = index % len(lines)
    line = lines[i]
    indent = line[: len(line) - len(line.lstrip(" "))]
    if kind == "repeat_line":
        lines.insert(i, line if line.endswith("\n") else line + "\n")
    elif kind == "delete_line":
        del lines[i]
    elif kind == "swap_lines" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif kind == "capitalise":
        low, high = CAPITALS[extra % len(CAPITALS)]
        lines[i] = line.replace(low, high, 1)
    elif kind == "space_threshold":
        return text.replace(";", "; ", 1 + extra % 2).replace("hours=12", "hours=1; minutes=30")
    elif kind == "rename":
        old, new = RENAMES[extra % len(RENAMES)]
        return text.replace(old, new, 1 + extra % 2)
    elif kind == "read_only":
        field = READ_ONLY[extra % len(READ_ONLY)]
        lines.insert(i + 1, f"{indent}  {field}\n" if line.rstrip().endswith(":") else f"{indent}{field}\n")
    elif kind == "env_default":
        if ": " in line and not line.lstrip().startswith(("-", "#")):
            key, _, _ = line.partition(": ")
            lines[i] = f"{key}: !Env AK_VALUE_{extra}, fallback-{extra}\n"
    elif kind == "duplicate_class":
        return text.replace("[totp", "[totp, totp", 1).replace(
            "- totp\n", "- totp\n" + " " * (extra % 9) + "- totp\n", 1
        )
    elif kind == "punctuation":
        char = "{}[]:,#&*!|>'\"%@`-?\t"[extra % 20]
        position = extra % (len(line) + 1)
        lines[i] = line[:position] + char + line[position:]
    elif kind == "bom":  # one mark (two marks: test_fix.py::test_two_byte_order_marks_are_both_removed)
        return text if text.startswith("\ufeff") else "\ufeff" + text
    elif kind == "crlf":
        return text.replace("\r\n", "\n").replace("\n", "\r\n")
    return "".join(lines)


MUTATIONS = [
    "repeat_line",
    "delete_line",
    "swap_lines",
    "capitalise",
    "space_threshold",
    "rename",
    "read_only",
    "env_default",
    "duplicate_class",
    "punctuation",
    "bom",
    "crlf",
]


@examples(60)
@given(
    sample=st.sampled_from(SAMPLE_TEXTS),
    mutations=st.lists(
        st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10_000), st.integers(0, 1000)), min_size=1, max_size=4
    ),
    unsafe=st.booleans(),
    target=st.sampled_from(TARGETS),
)
# Found by this test: a label's `!Env NAME, default` fixed to `!Env [NAME, default]` changed
# AV103's message about it (and once printed node reprs in it).
@example(
    sample=next(sample for sample in SAMPLE_TEXTS if sample[0] == "bp-identifier-overrides-attr.yaml"),
    mutations=[("delete_line", 1374, 480), ("env_default", 307, 749)],
    unsafe=False,
    target="2024.12",
)
# Found by this test: with `- model:` and `identifiers:` both repeated and removed, the next
# kept key moves up behind the dash, over the blank line between.
@example(
    sample=next(sample for sample in SAMPLE_TEXTS if sample[0] == "stage-webauthn-settings.yaml"),
    mutations=[("rename", 1390, 264), ("delete_line", 2931, 48), ("delete_line", 2931, 0)],
    unsafe=False,
    target="2025.8",
)
# Found by this test: a repeated key inside a ConfigMap's blueprint is removed inside the value,
# which the line footprints (taken from the outer file's nodes) do not see.
@example(
    sample=next(s for s in SAMPLE_TEXTS if s[0] == "k8s-configmap-blueprints.yaml" and "README.txt" in s[1]),
    mutations=[("swap_lines", 38, 355), ("repeat_line", 5286, 304), ("delete_line", 1179, 226)],
    unsafe=True,
    target="2024.12",
)
def test_fix_text_on_mutated_samples(
    sample: tuple[str, str], mutations: list, unsafe: bool, target: str | None
) -> None:
    name, text = sample
    for kind, index, extra in mutations:
        text = _mutate(text, kind, index, extra)
    # As in test_fix_text_on_samples_as_they_are: tests/test_embedded_fix.py checks the bytes
    # around a blueprint embedded in a ConfigMap; the footprints cannot.
    check_fix(name, text, Settings(release=resolve_release(target)), unsafe, check_lines="kind: ConfigMap" not in text)


@examples(len(SAMPLE_TEXTS) * 2)
@given(sample=st.sampled_from(SAMPLE_TEXTS), unsafe=st.booleans())
def test_fix_text_on_samples_as_they_are(sample: tuple[str, str], unsafe: bool) -> None:
    # The line footprints come from the fixes' nodes; a blueprint embedded in a ConfigMap is fixed
    # through its own text instead, and tests/test_embedded_fix.py checks every byte outside it.
    check_fix(sample[0], sample[1], Settings(), unsafe, check_lines="kind: ConfigMap" not in sample[1])


# ---------------------------------------------------------------------------------------------
# (b) generated blueprints with fixable problems

VALIDATE = "authentik_stages_authenticator_validate.authenticatorvalidatestage"
CLASSES = ["totp", "static", "webauthn", "duo", "sms", "email", "TOTP", "WebAuthn", "Static"]
ACTIONS = ["skip", "deny", "configure", "Skip", "Deny", "Configure"]
THRESHOLDS = [
    "hours=12",
    "hours=1; minutes=30",
    "days=1;  hours=2",
    "minutes=5 ;seconds=3",
    "seconds=0",
    "hours=1;minutes=2",
]
COMMENTS = ["", "  # note", "   # keep this", "  # TODO: check"]


def _scalar(draw, value: str) -> str:
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "single":
        return f"'{value}'"
    if style == "double":
        return f'"{value}"'
    return value


@st.composite
def attrs_pairs(draw) -> list[tuple[str, object]]:
    """(key, value) pairs; value is a str (a scalar's text) or a list of scalar texts."""
    pairs: list[tuple[str, object]] = []
    classes = draw(st.lists(st.sampled_from(CLASSES), min_size=0, max_size=5))
    if draw(st.booleans()):
        pairs.append((draw(st.sampled_from(["device_classes", "device_clases"])), [_scalar(draw, c) for c in classes]))
    if draw(st.booleans()):
        pairs.append(
            (
                draw(st.sampled_from(["not_configured_action", "not_configured_acton"])),
                _scalar(draw, draw(st.sampled_from(ACTIONS))),
            )
        )
    if draw(st.booleans()):
        pairs.append(("configuration_stage", "!KeyOf totp-setup"))
    if draw(st.booleans()):
        pairs.append(("configuration_stages", ["!KeyOf totp-setup"]))
    if draw(st.booleans()):
        pairs.append(("last_auth_threshold", _scalar(draw, draw(st.sampled_from(THRESHOLDS)))))
    if draw(st.booleans()):
        pairs.append(
            (
                "webauthn_user_verification",
                _scalar(draw, draw(st.sampled_from(["preferred", "Required", "discouraged"]))),
            )
        )
    for field in draw(st.lists(st.sampled_from(["component", "verbose_name", "pk", "meta_model_name"]), max_size=2)):
        pairs.append(
            (
                field,
                "ak-stage-authenticator-validate-form"
                if field == "component"
                else "3c1f9e1a-7d52-4b8e-a0f4-5e9d2c7b8a61",
            )
        )
    if draw(st.booleans()):
        pairs.append(("name", "other-name"))  # overridden by the identifier
    if draw(st.booleans()):
        pairs.append(("friendly_name", "!Env AK_NAME, fallback"))
    if pairs and draw(st.booleans()):  # a repeated key
        pairs.insert(draw(st.integers(0, len(pairs))), pairs[draw(st.integers(0, len(pairs) - 1))])
    return draw(st.permutations(pairs)) if draw(st.booleans()) else pairs


def _block_pairs(draw, pairs, indent: str) -> str:
    out = []
    for key, value in pairs:
        comment = draw(st.sampled_from(COMMENTS))
        if draw(st.integers(0, 6)) == 0:
            out.append(f"{indent}# about {key}\n")
        if isinstance(value, list):
            if value and draw(st.integers(0, 4)) == 0:  # a multi-line flow list, a comment per item
                out.append(f"{indent}{key}: [{comment}\n")
                out.extend(f"{indent}  {item},{draw(st.sampled_from(COMMENTS))}\n" for item in value)
                out.append(f"{indent}]\n")
            elif not value or draw(st.booleans()):
                out.append(f"{indent}{key}: [{', '.join(value)}]{comment}\n")
            else:
                dash = draw(st.sampled_from([indent + "  ", indent]))  # indented or indentless
                out.append(f"{indent}{key}:{comment}\n")
                out.extend(f"{dash}- {item}{draw(st.sampled_from(COMMENTS))}\n" for item in value)
        else:
            out.append(f"{indent}{key}: {value}{comment}\n")
    return "".join(out)


@st.composite
def yaml_blueprints(draw) -> str:
    out = ["# generated blueprint\n", "version: 1\n", "metadata:\n  name: Generated\n", "entries:\n"]
    out.append(
        "  - id: totp-setup\n    model: authentik_stages_authenticator_totp.authenticatortotpstage\n    identifiers:\n      name: totp-setup\n"
    )
    for number in range(draw(st.integers(1, 3))):
        pairs = draw(attrs_pairs())
        out.append(f"  - model: {VALIDATE}\n")
        if draw(st.booleans()):
            out.append(f"    identifiers: {{name: stage-{number}}}\n")
        else:
            out.append(f"    identifiers:\n      name: stage-{number}\n")
        key = draw(st.sampled_from(["attrs", "attrs", "attrs", "attr"]))
        if pairs and draw(st.integers(0, 3)) == 0:
            body = ", ".join(
                f"{k}: [{', '.join(v)}]" if isinstance(v, list) else f"{k}: {v}" for k, v in pairs if "!" not in str(v)
            )
            out.append(f"    {key}: {{{body}}}\n")
        else:
            out.append(f"    {key}:\n" + _block_pairs(draw, pairs, "      "))
    text = "".join(out)
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    return text


@st.composite
def json_bodies(draw) -> str:
    body: dict[str, object] = {"name": "api-mfa"}
    if draw(st.booleans()):
        body["device_classes"] = draw(st.lists(st.sampled_from(CLASSES), max_size=5))
    for key, choices in (("not_configured_action", ACTIONS), ("last_auth_threshold", THRESHOLDS)):
        if draw(st.booleans()):
            body[key] = draw(st.sampled_from(choices))
    for field in draw(
        st.lists(st.sampled_from(["component", "verbose_name", "pk", "meta_model_name"]), max_size=3, unique=True)
    ):
        body[field] = "3c1f9e1a-7d52-4b8e-a0f4-5e9d2c7b8a61"
    indent = draw(st.sampled_from([None, 2, 4]))
    return json.dumps(body, indent=indent) + draw(st.sampled_from(["", "\n"]))


@examples(60)
@given(text=yaml_blueprints(), unsafe=st.booleans(), target=st.sampled_from(TARGETS))
def test_fix_text_on_generated_blueprints(text: str, unsafe: bool, target: str | None) -> None:
    check_fix("generated.yaml", text, Settings(release=resolve_release(target)), unsafe)


@examples(40)
@given(text=json_bodies(), unsafe=st.booleans())
# Found by this test: the case fix makes a duplicate that a second pass deletes, with the comma before it.
@example(
    text='{\n    "name": "api-mfa",\n    "device_classes": [\n        "static",\n        "Static",\n        "static"\n    ],\n    "not_configured_action": "skip"\n}\n',
    unsafe=False,
)
def test_fix_text_on_generated_api_bodies(text: str, unsafe: bool) -> None:
    check_fix("body.json", text, Settings(), unsafe)
    outcome = fix_text("body.json", text, Settings(), unsafe)
    json.loads(outcome.fixed)  # still JSON


def test_generated_blueprints_do_get_fixed() -> None:
    """The generators are worth their time: a typical draw has fixes to apply."""
    applied = 0

    @settings(COMMON, max_examples=12)
    @given(text=yaml_blueprints())
    def count(text: str) -> None:
        nonlocal applied
        applied += len(fix_text("generated.yaml", text, Settings(), True).applied)

    count()
    assert applied >= 12


def test_sample_texts_found() -> None:
    assert len(SAMPLE_TEXTS) >= 40
    assert any(Path(name).suffix == ".json" for name, _ in SAMPLE_TEXTS)
