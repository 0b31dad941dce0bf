"""Property test of the generated specs, per release line (issue 10, item 8).

For every model a release allows in blueprints, an entry that sets every writable field to a
valid value lints clean of the field rules, and each single invalid mutation (a wrong type, a
value outside an enum, an over-long string, a pattern break) is reported by the right rule on
the mutated value's line.

Run time: under CI=true the examples are derandomized and few (SPEC_EXAMPLES_CI per release
line); elsewhere SPEC_EXAMPLES_LOCAL. `AVLINT_SPEC_PROPERTY_EXAMPLES=N` sets the count
(e.g. 50 for a long exploration: `AVLINT_SPEC_PROPERTY_EXAMPLES=50 pytest tests/test_spec_property.py`).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from avlint.checks.fields import check_fields
from avlint.checks.model_refs import holds
from avlint.engine import lint_text
from avlint.settings import Settings
from avlint.spec import FieldSpec, ModelSpec, available_models, model_spec
from avlint.spec.model import model_exists, model_list
from avlint.versions import Release, known_releases

SPEC_EXAMPLES_CI, SPEC_EXAMPLES_LOCAL = 1, 3
EXAMPLES = int(
    os.environ.get("AVLINT_SPEC_PROPERTY_EXAMPLES")
    or (SPEC_EXAMPLES_CI if os.environ.get("CI") == "true" else SPEC_EXAMPLES_LOCAL)
)
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a seed tells nothing
)
# The field rules (and the model rule): what this test is about. Flow-position, stage and
# cross-field rules judge combinations of values and are tested on their own.
FIELD_RULES = check_fields.codes | {"AV107"}
# Release lines with a schema that can import blueprints (2022.8 on; older targets get AV122
# for the whole file, as authentik had no blueprints).
RELEASES = [r for r in known_releases() if r >= Release(2022, 8)]
MODELS = available_models()
SLUG = "^[-a-zA-Z0-9_]+$"


def _concrete(target: str) -> str | None:
    """A model whose pk a field pointing at `target` can hold (the target or one subclass)."""
    if target in model_list() and not target.endswith((".stage", ".source", ".provider", ".policy")):
        return target
    return next((m for m in MODELS if holds(target, m) and m != target), None)


def _string(field: FieldSpec, rng: random.Random) -> str:
    if field.format == "uri":
        return f"https://app{rng.randint(1, 99)}.example.org/start"
    if field.format == "email":
        return f"user{rng.randint(1, 99)}@example.org"
    if field.format == "date-time":
        return "2025-01-31T12:00:00Z"
    if field.format == "date":
        return "2025-01-31"
    if field.format == "timedelta":
        return rng.choice(["seconds=0", "hours=1", "days=30;minutes=5"])
    low = max(field.min_length or 0, 1)
    high = field.max_length if field.max_length is not None else 40
    size = rng.randint(low, max(low, min(high, 24)))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(size))


def _value(field: FieldSpec, rng: random.Random) -> Any | None:
    """A valid value as YAML text, or None when avlint cannot make one (the field is left out)."""
    if field.references:
        model = _concrete(field.references)
        if model is None:
            return None
        return f"!Find [{model}, [name, object-{rng.randint(1, 999)}]]"
    kind = field.type
    if kind == "string":
        return json.dumps(_string(field, rng))
    if kind == "enum":
        return json.dumps(rng.choice(field.choices)) if field.choices else None
    if kind == "uuid":
        return str(_uuid(rng))
    if kind == "boolean":
        return rng.choice(["true", "false"])
    if kind == "integer":
        low = field.minimum if field.minimum is not None else 0
        high = field.maximum if field.maximum is not None else 1000
        return str(rng.randint(int(low), int(min(high, low + 1000))))
    if kind == "number":
        return rng.choice(["1", "2.5", "0"])
    if kind == "list":
        if field.items is None:
            return "[]" if field.allow_empty else None
        item = _value(field.items._replace(name=field.name), rng)
        if item is None:
            return "[]" if field.allow_empty else None
        return f"[{item}]"
    if kind == "object":
        if field.object_fields is None:
            return "{}"
        parts = []
        for sub in field.object_fields.values():
            if sub.read_only:
                continue
            value = _value(sub, rng)
            if value is None:
                if sub.required:
                    return None
                continue
            parts.append(f"{sub.name}: {value}")
        return "{" + ", ".join(parts) + "}"
    return None


def _uuid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:32]}"


def _mutation(field: FieldSpec, rng: random.Random) -> tuple[str, str] | None:
    """(invalid value as YAML text, the rule that must report it), or None for no mutation."""
    options: list[tuple[str, str]] = []
    if field.type == "enum" and field.choices:
        options.append(('"not-a-choice-at-all"', "AV202"))
    if field.type == "string" and not field.format:
        options.append(("[1, 2]", "AV201"))
        if field.max_length is not None and field.max_length < 2000:
            options.append((json.dumps("a" * (field.max_length + 1)), "AV207"))
        if field.pattern == SLUG:
            options.append(('"has spaces!"', "AV208"))
    if field.type in ("integer", "number") and not field.references:
        options.append(('"many"', "AV201"))
    if field.type == "boolean":
        options.append(('"perhaps"', "AV201"))
    if field.type == "list" and not field.references and not (field.items and field.items.references):
        options.append(("{a: 1}", "AV201"))
    return rng.choice(options) if options else None


def _entry(spec: ModelSpec, rng: random.Random, mutate: bool) -> tuple[list[str], tuple[int, str] | None] | None:
    """The lines of one entry, and (line offset, rule) of its mutation."""
    lines = [f"  - model: {spec.model}"]
    if not model_list()[spec.model].get("meta"):
        lines += ["    identifiers:", f"      pk: {_uuid(rng)}"]
    attrs: list[str] = []
    mutation = None
    fields = [f for f in spec.fields.values() if not f.read_only and f.name != "pk"]
    target = rng.choice([f for f in fields if _mutation(f, random.Random(0))] or [None]) if mutate else None
    for field in fields:
        if target is not None and field is target:
            found = _mutation(field, rng)
            assert found is not None
            mutation = (len(lines) + 1 + len(attrs), found[1])
            attrs.append(f"      {field.name}: {found[0]}")
            continue
        value = _value(field, rng)
        if value is None:
            if field.required:
                return None  # avlint cannot make this model's required value (no concrete target)
            continue
        attrs.append(f"      {field.name}: {value}")
    if mutate and mutation is None:
        return None
    if attrs:
        lines += ["    attrs:", *attrs]
    return lines, mutation


def _document(release: Release, rng: random.Random, mutate: bool) -> tuple[str, list[tuple[int, int, int, str]]]:
    """A blueprint with one entry per model of `release`; the expected findings as
    (first line, last line, mutated line, rule) per mutated entry."""
    lines = ["version: 1", "entries:"]
    expected = []
    for model in MODELS:
        spec = model_spec(model, release) if model_exists(model, release) else None
        if spec is None:
            continue
        made = _entry(spec, rng, mutate)
        if made is None:
            continue
        entry, mutation = made
        first = len(lines) + 1
        lines += entry
        if mutation is not None:
            expected.append((first, len(lines), first + mutation[0], mutation[1]))
    return "\n".join(lines) + "\n", expected


def _field_findings(text: str, release: Release) -> list[tuple[int, str, str]]:
    result = lint_text("property.yaml", text, Settings(release=release))
    return [(f.line, f.rule, f.message) for f in result.findings if f.rule in FIELD_RULES]


@pytest.mark.parametrize("release", RELEASES, ids=str)
@PROPERTY
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_every_writable_field_set_validly_lints_clean(release: Release, seed: int) -> None:
    # Hypothesis picks the seed (and shrinks it); a plain Random draws the values, as
    # Hypothesis' own random is slow for the thousands of draws of a 1,000-line blueprint.
    text, _ = _document(release, random.Random(seed), mutate=False)
    existing = sum(model_exists(m, release) for m in MODELS)
    assert text.count("  - model: ") >= 0.9 * existing  # nearly every model gets an entry
    assert _field_findings(text, release) == [], text


@pytest.mark.parametrize("release", RELEASES, ids=str)
@PROPERTY
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_each_invalid_mutation_is_reported_on_its_line(release: Release, seed: int) -> None:
    text, expected = _document(release, random.Random(seed), mutate=True)
    assert len(expected) >= 0.5 * sum(model_exists(m, release) for m in MODELS)
    found = _field_findings(text, release)
    for first, last, line, rule in expected:
        inside = [(at, code) for at, code, _ in found if first <= at <= last]
        assert inside == [(line, rule)], (text.splitlines()[first - 1 : last], inside)
    covered = [at for at, _, _ in found if not any(first <= at <= last for first, last, _, _ in expected)]
    assert covered == []  # no finding outside the mutated entries
