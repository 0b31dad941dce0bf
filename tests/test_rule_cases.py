"""Data-driven rule tests: one case file per rule in tests/cases/<ID>.yaml.

Each case lints a blueprint (inline `text`, or `file` relative to sample_configs/) at an
optional `target_version` and compares the exact (line, column) list of that rule's findings
with `problems`. An empty list is a passing case. A case with `live: [FILE...]` is linted with
those saved list pages of tests/data/listings, as `avlint lint --live-file` does (the rules only
a server can decide, AV801-AV807).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from avlint.catalogue import all_rules
from tests.conftest import DATA, SAMPLES, lint_source, positions

CASES_DIR = Path(__file__).resolve().parent / "cases"


def _load_cases() -> list[tuple[str, str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("AV*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, f"{path.name} declares rule {data['rule']}"
        for case in data["cases"]:
            cases.append((data["rule"], case["name"], case))
    return cases


CASES = _load_cases()


@pytest.mark.parametrize(("rule", "name", "case"), CASES, ids=[f"{r}-{n}" for r, n, _ in CASES])
def test_rule_case(rule: str, name: str, case: dict) -> None:
    if "file" in case:
        path = SAMPLES / case["file"]
        text = path.read_text(encoding="utf-8")
        display = path.name
    else:
        text = case["text"]
        display = "case" + case.get("suffix", ".yaml")
    findings = _with_live(case, text, display, lint_source(text, target=case.get("target_version"), path=display))
    assert positions(findings, rule) == sorted(case["problems"]), [
        f"{f.line}:{f.column} {f.rule} {f.message}" for f in findings
    ]


@pytest.mark.parametrize(("rule", "name", "case"), CASES, ids=[f"{r}-{n}" for r, n, _ in CASES])
def test_rule_case_with_only_its_rule_selected(rule: str, name: str, case: dict) -> None:
    """`--select AVnnn` finds the same problems: the check reporting a code declares it."""
    if "file" in case:
        text, display = (SAMPLES / case["file"]).read_text(encoding="utf-8"), Path(case["file"]).name
    else:
        text, display = case["text"], "case" + case.get("suffix", ".yaml")
    findings = lint_source(text, target=case.get("target_version"), path=display, select=frozenset({rule}))
    findings = _with_live(case, text, display, findings, select=frozenset({rule}))
    assert positions(findings, rule) == sorted(case["problems"])
    assert {f.rule for f in findings} <= {rule}


def _with_live(case: dict, text: str, display: str, findings: list, **settings: object) -> list:
    """The findings, plus those of the server pass when the case gives saved listings."""
    if "live" not in case:
        return findings
    from avlint.engine import FileResult
    from avlint.live.lint_context import add_live_findings, document_of
    from avlint.live.listing import load_listing_files
    from avlint.settings import Settings
    from avlint.versions import resolve_release

    result = FileResult(display, list(findings))
    document = document_of(display, text)
    assert document is not None
    listing = load_listing_files([str(DATA / "listings" / name) for name in case["live"]])
    add_live_findings(
        result, text, document, Settings(release=resolve_release(case.get("target_version")), **settings), listing
    )  # type: ignore[arg-type]
    return result.findings


def test_every_rule_has_failing_and_passing_cases() -> None:
    by_rule: dict[str, list[dict]] = {}
    for rule, _, case in CASES:
        by_rule.setdefault(rule, []).append(case)
    for rule in all_rules():
        cases = by_rule.get(rule.code, [])
        assert any(c["problems"] for c in cases), f"{rule.code} has no failing case"
        assert any(not c["problems"] for c in cases), f"{rule.code} has no passing case"


def test_fixes_match_the_catalogue() -> None:
    """A rule with a fix in the catalogue offers it on some failing case (safe or unsafe as
    declared); a rule without one never offers a fix."""
    from tests.conftest import lint_source

    offered: dict[str, set[bool]] = {}
    for rule, _, case in CASES:
        if not case["problems"] or "file" in case:
            continue
        findings = lint_source(
            case["text"], target=case.get("target_version"), path="case" + case.get("suffix", ".yaml")
        )
        for finding in findings:
            if finding.rule == rule and finding.fix is not None:
                offered.setdefault(rule, set()).add(finding.fix.safe)
    for rule in all_rules():
        if rule.fix is None:
            assert rule.code not in offered, f"{rule.code} offers a fix the catalogue does not declare"
        else:
            assert (rule.fix == "safe") in offered.get(rule.code, set()), f"{rule.code} never offers its {rule.fix} fix"


def test_every_rule_is_triggered_by_a_bad_sample() -> None:
    """sample_configs/bad/ shows every rule: at the default target, or (for rules about older
    releases, as each sample's header says) at the target version named here; the rules only a
    server can decide with the saved listings of tests/data/listings (live-server-references.yaml)."""
    from avlint.engine import lint_file
    from avlint.live.lint_context import add_live_findings, document_of
    from avlint.live.listing import load_listing_files
    from avlint.settings import Settings
    from avlint.versions import resolve_release

    triggered: set[str] = set()
    for target in (None, "2025.10", "2025.6", "2024.12", "2021.12"):
        settings = Settings(release=resolve_release(target))
        for path in sorted((SAMPLES / "bad").iterdir()):
            triggered |= {finding.rule for finding in lint_file(str(path), settings).findings}
    listing = load_listing_files([str(DATA / "listings" / "stages-all.json"), str(DATA / "listings" / "flows.json")])
    sample = SAMPLES / "bad" / "live-server-references.yaml"
    text = sample.read_text(encoding="utf-8")
    result = lint_file(str(sample), Settings())
    document = document_of(str(sample), text)
    assert document is not None
    add_live_findings(result, text, document, Settings(), listing)
    triggered |= {finding.rule for finding in result.findings}
    assert {rule.code for rule in all_rules()} - triggered == set()


def test_good_samples_have_no_findings() -> None:
    from avlint.engine import lint_file
    from avlint.settings import Settings

    for path in sorted((SAMPLES / "good").iterdir()):
        assert lint_file(str(path), Settings()).findings == [], path.name


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10", "label 'example.com/priority' must be a string; quote it (\"10\")"),
        (
            "!Env [PRIORITY, high]",
            "label 'example.com/priority' must be a plain string, not a tag !Env: the importer reads labels before resolving tags",
        ),
        (
            "[high, low]",
            "label 'example.com/priority' must be a plain string, not a list: the importer reads labels before resolving tags",
        ),
    ],
)
def test_a_label_that_is_not_a_string_is_described_as_written(value: str, message: str) -> None:
    from avlint.engine import lint_text
    from avlint.settings import Settings

    text = f"version: 1\nmetadata:\n  name: mfa\n  labels:\n    example.com/priority: {value}\nentries: []\n"
    assert [f.message for f in lint_text("labels.yml", text, Settings()).findings if f.rule == "AV103"] == [message]
