"""Every output format: golden files for a fixed result, and each format read back by a real
consumer (the SARIF 2.1.0 schema, GitLab's report schema, a JUnit parser, the Actions runner's
workflow-command grammar).

Regenerate the golden files after an intended change with
`AVLINT_UPDATE_GOLDEN=1 python -m pytest tests/test_reporters.py` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from avlint.catalogue import Rule, all_rules
from avlint.engine import FileResult, RunResult, lint_text
from avlint.findings import Finding
from avlint.loader.problems import PathError
from avlint.reporters import FORMATS, get_reporter
from avlint.reporters.sarif import FINGERPRINT_KEY, SarifReporter
from avlint.run import run_lint
from avlint.settings import Settings
from tests.conftest import DATA, SAMPLES, lint_request

GOLDEN = Path(__file__).resolve().parent / "golden"
ODD_PATH = "blueprints/dir, with: odd/naïve flow.yaml"
TRICKY = 'not_configured_action is "configure" at 100%, but: no stages, <none> & none\nsecond line\r'

FIXED_RULES = (
    Rule(
        code="AV001",
        name="yaml-syntax",
        severity="error",
        effect="rejected",
        fix=None,
        summary="The file is not valid YAML.",
        description="authentik cannot parse it.",
        bad="a: [\n",
        good="a: []\n",
    ),
    Rule(
        code="AV301",
        name="configure-without-stages",
        severity="error",
        effect="rejected",
        fix=None,
        summary="configure needs stages.",
        description="authentik rejects the entry.",
        bad="not_configured_action: configure\n",
        good="not_configured_action: skip\n",
    ),
    Rule(
        code="AV403",
        name="duplicate-device-class",
        severity="warning",
        effect="style",
        fix="safe",
        summary="A device class is listed twice.",
        description="Harmless but untidy.",
        bad="device_classes: [totp, totp]\n",
        good="device_classes: [totp]\n",
    ),
)


def fixed_result() -> RunResult:
    """A result covering every case a reporter must render: errors and warnings, text that
    needs escaping, identical findings, an empty span, skipped, clean and unreadable files."""
    mfa = "blueprints/mfa.yaml"
    twice = ("entries", 0, "attrs", "device_classes", 1)
    findings = [
        Finding(
            mfa,
            9,
            30,
            9,
            34,
            "AV403",
            "duplicate-device-class",
            "warning",
            "style",
            "device class 'totp' is listed twice",
            True,
            twice,
            fingerprint="aaaaaaaaaaaaaaaaaaaa",
        ),
        Finding(
            mfa,
            9,
            36,
            9,
            40,
            "AV403",
            "duplicate-device-class",
            "warning",
            "style",
            "device class 'totp' is listed twice",
            True,
            twice,
            fingerprint="aaaaaaaaaaaaaaaaaaaa",
        ),
        Finding(
            mfa,
            10,
            30,
            11,
            5,
            "AV301",
            "configure-without-stages",
            "error",
            "rejected",
            TRICKY,
            False,
            ("entries", 0, "attrs"),
            fingerprint="bbbbbbbbbbbbbbbbbbbb",
        ),
    ]
    odd = Finding(
        ODD_PATH,
        3,
        7,
        3,
        7,
        "AV001",
        "yaml-syntax",
        "error",
        "rejected",
        "unclosed flow mapping %0A\x01",
        False,
        (),
        fingerprint="cccccccccccccccccccc",
    )
    files = [
        FileResult(mfa, findings, suppressed=1),
        FileResult(ODD_PATH, [odd]),
        FileResult("blueprints/clean.yaml"),
        FileResult("blueprints/compose.yaml", skipped="not an authentik blueprint or API body"),
    ]
    return RunResult(
        files, [PathError("blueprints/missing.yaml", "no such file or directory")], baselined=2, baseline_gone=1
    )


def render(name: str, result: RunResult | None = None) -> str:
    reporter = SarifReporter(rules=FIXED_RULES, version="0.0.0-golden") if name == "sarif" else get_reporter(name)
    buffer = io.StringIO()
    reporter.render(result or fixed_result(), buffer)
    return buffer.getvalue()


def real_run(name: str, *paths: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    run_lint(lint_request(tuple(str(p) for p in paths), format=name, isolated=True), out, err)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_golden_output(name: str) -> None:
    golden = GOLDEN / f"report.{name}"
    rendered = render(name).encode("utf-8")
    if os.environ.get("AVLINT_UPDATE_GOLDEN"):
        golden.write_bytes(rendered)
    assert rendered == golden.read_bytes()


def test_reporters_are_deterministic() -> None:
    for name in FORMATS:
        assert render(name) == render(name)


# --- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_schema() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")))


def schema_errors(validator: jsonschema.protocols.Validator, document: object) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_sarif_golden_is_valid_sarif(sarif_schema: jsonschema.Draft4Validator) -> None:
    assert schema_errors(sarif_schema, json.loads((GOLDEN / "report.sarif").read_text(encoding="utf-8"))) == []


def test_sarif_of_every_bad_sample_is_valid_and_complete(
    sarif_schema: jsonschema.Draft4Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES.parent)
    document = json.loads(real_run("sarif", Path("sample_configs/bad")))
    assert schema_errors(sarif_schema, document) == []
    assert document["version"] == "2.1.0"
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.code for rule in all_rules()]
    for rule in rules:
        assert (
            rule["name"]
            and rule["shortDescription"]["text"]
            and rule["fullDescription"]["text"]
            and rule["help"]["text"]
        )
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")  # note: an info rule
    assert len(run["results"]) > 30
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("sample_configs/bad/")
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(location["region"])
    keys = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["partialFingerprints"][FINGERPRINT_KEY])
        for r in run["results"]
    ]
    assert len(set(keys)) == len(keys)


def test_sarif_uris_are_relative_and_percent_encoded() -> None:
    results = json.loads(render("sarif"))["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"blueprints/mfa.yaml", "blueprints/dir%2C%20with%3A%20odd/na%C3%AFve%20flow.yaml"}


def test_sarif_absolute_paths_below_the_working_folder_become_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bp").mkdir()
    (tmp_path / "bp" / "x.yaml").write_text("version: 2\nentries: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = json.loads(real_run("sarif", tmp_path / "bp"))["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bp/x.yaml"


SHIFTABLE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      device_classes: [totp, totp]
      not_configured_action: configure
"""


def lint_result(text: str) -> RunResult:
    return RunResult([lint_text("blueprints/mfa.yaml", text, Settings())], [])


def test_sarif_fingerprints_survive_lines_moving() -> None:
    before = json.loads(render("sarif", lint_result(SHIFTABLE)))["runs"][0]["results"]
    after = json.loads(render("sarif", lint_result("# moved down\n\n" + SHIFTABLE)))["runs"][0]["results"]
    assert len(before) == len(after) == 2
    for old, new in zip(before, after, strict=True):
        assert (
            new["locations"][0]["physicalLocation"]["region"]["startLine"]
            == old["locations"][0]["physicalLocation"]["region"]["startLine"] + 2
        )
        assert new["partialFingerprints"] == old["partialFingerprints"]


def test_sarif_fingerprint_changes_with_the_offending_content() -> None:
    before = json.loads(render("sarif", lint_result(SHIFTABLE)))["runs"][0]["results"]
    after = json.loads(render("sarif", lint_result(SHIFTABLE.replace("[totp, totp]", "[static, static]"))))["runs"][0][
        "results"
    ]
    assert before[0]["ruleId"] == after[0]["ruleId"] == "AV403"
    assert before[0]["partialFingerprints"] != after[0]["partialFingerprints"]
    assert before[1]["partialFingerprints"] == after[1]["partialFingerprints"]  # AV301's node is unchanged


# --- GitHub workflow commands -----------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<properties>[^:]*))?::(?P<data>.*)$")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's reading of a workflow command (actions/runner ActionCommand.TryParseV2):
    `::name k=v,k=v::data`, values unescaped %0D, %0A, %3A, %2C and last %25."""
    match = _COMMAND.match(line)
    assert match, line

    def unescape(text: str) -> str:
        for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ",")):
            text = text.replace(code, char)
        return text.replace("%25", "%")

    properties = dict(pair.split("=", 1) for pair in (match["properties"] or "").split(",") if pair)
    return match["name"], {key: unescape(value) for key, value in properties.items()}, unescape(match["data"])


def test_github_annotations_read_back_exactly() -> None:
    lines = render("github").splitlines()
    commands = [parse_command(line) for line in lines if line.startswith("::")]
    result = fixed_result()
    assert [name for name, _, _ in commands] == ["error"] + [f.severity for f in result.findings]
    for (_, properties, message), finding in zip(commands[1:], result.findings, strict=True):
        assert message == finding.message
        assert properties == {
            "file": finding.path,
            "line": str(finding.line),
            "col": str(finding.column),
            "endLine": str(finding.end_line),
            "endColumn": str(finding.end_column),
            "title": f"{finding.rule} {finding.name}",
        }
    assert commands[0][1]["file"] == "blueprints/missing.yaml"
    assert lines[-1].startswith("Found 2 errors and 2 warnings")


def test_github_escapes_as_the_runner_requires() -> None:
    text = render("github")
    assert "file=blueprints/dir%2C with%3A odd/naïve flow.yaml," in text
    assert "::unclosed flow mapping %250A\x01\n" in text  # a literal %0A stays text
    assert "at 100%25, but: no stages, <none> & none%0Asecond line%0D\n" in text
    assert all(line.count("\n") == 0 for line in text.splitlines())


# --- GitLab Code Quality ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gitlab_schema() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((DATA / "gitlab-codequality.schema.json").read_text(encoding="utf-8")))


def test_gitlab_reports_are_valid_code_quality(gitlab_schema: jsonschema.Draft7Validator) -> None:
    for document in (json.loads(render("gitlab")), json.loads(real_run("gitlab", SAMPLES / "bad"))):
        assert schema_errors(gitlab_schema, document) == []
        fingerprints = [issue["fingerprint"] for issue in document]
        assert len(set(fingerprints)) == len(fingerprints) > 0


def test_gitlab_issues_carry_rule_severity_and_place() -> None:
    issues = json.loads(render("gitlab"))
    assert [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ] == [
        ("avlint-unreadable-path", "blocker", "blueprints/missing.yaml", 1),
        ("AV001", "major", ODD_PATH, 3),
        ("AV403", "minor", "blueprints/mfa.yaml", 9),
        ("AV403", "minor", "blueprints/mfa.yaml", 9),
        ("AV301", "major", "blueprints/mfa.yaml", 10),
    ]
    assert issues[4]["description"] == TRICKY + " [AV301 configure-without-stages]"


def test_gitlab_fingerprints_survive_lines_moving() -> None:
    before = [issue["fingerprint"] for issue in json.loads(render("gitlab", lint_result(SHIFTABLE)))]
    after = [issue["fingerprint"] for issue in json.loads(render("gitlab", lint_result("# moved\n" + SHIFTABLE)))]
    assert before == after and len(before) == 2


# --- JUnit ------------------------------------------------------------------------------------


def test_junit_reads_back_with_a_junit_parser() -> None:
    xml = JUnitXml.fromstring(render("junit").encode("utf-8"))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 2, 1, 1)
    cases = {case.name: case for case in suite}
    assert set(cases) == {
        "blueprints/clean.yaml",
        "blueprints/compose.yaml",
        ODD_PATH,
        "blueprints/mfa.yaml",
        "blueprints/missing.yaml",
    }
    assert cases["blueprints/clean.yaml"].is_passed
    assert isinstance(cases["blueprints/compose.yaml"].result[0], Skipped)
    assert isinstance(cases["blueprints/missing.yaml"].result[0], Error)
    failure = cases["blueprints/mfa.yaml"].result[0]
    assert isinstance(failure, Failure)
    assert failure.message == "1 error, 2 warnings" and failure.type == "error"
    assert "blueprints/mfa.yaml:10:30: error [AV301 configure-without-stages] not_configured_action is" in failure.text
    assert failure.text.count("[AV403 duplicate-device-class]") == 2
    odd = cases[ODD_PATH].result[0]
    assert "\x01" not in odd.text and "unclosed flow mapping %0A" in odd.text  # XML cannot carry \x01


def test_junit_has_one_testcase_per_linted_file() -> None:
    xml = JUnitXml.fromstring(real_run("junit", SAMPLES).encode("utf-8"))
    cases = [case for suite in xml for case in suite]
    files = sorted(
        str(p.relative_to(SAMPLES.parent))
        for p in SAMPLES.rglob("*")
        if p.suffix in (".yaml", ".yml", ".json") and not p.name.startswith(".")  # a walk skips hidden files
    )
    assert sorted(case.name.split("sample_configs/", 1)[-1] for case in cases) == [
        f.split("sample_configs/", 1)[-1] for f in files
    ]
    failed = {case.name.rsplit("/", 1)[-1] for case in cases if case.result and isinstance(case.result[0], Failure)}
    assert "bp-keyof-undefined.yaml" in failed and "stage-mfa-login.yaml" not in failed


def test_junit_fails_a_case_exactly_when_the_exit_code_fails(tmp_path: Path) -> None:
    from tests.snippets import BAD

    warnings_only = BAD.replace("      not_configured_action: configure\n", "")  # AV403 and AV307, both warnings
    # Another stage's name, so that the two files do not define one stage twice (AV701).
    warnings_only = warnings_only.replace("name: mfa", "name: mfa-warn")
    (tmp_path / "warn.yaml").write_text(warnings_only, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    for strict in (False, True):
        for files in (["warn.yaml"], ["warn.yaml", "bad.yaml"]):
            out, err = io.StringIO(), io.StringIO()
            request = lint_request(
                tuple(str(tmp_path / f) for f in files), format="junit", isolated=True, strict=strict
            )
            code = run_lint(request, out, err)
            suite = next(iter(JUnitXml.fromstring(out.getvalue().encode("utf-8"))))
            cases = {Path(case.name).name: case for case in suite}
            warn = cases["warn.yaml"]
            assert (code == 1) == (suite.failures > 0), (strict, files, code, suite.failures)
            if strict:
                assert isinstance(warn.result[0], Failure) and warn.result[0].type == "warning"
                assert warn.result[0].message == "0 errors, 2 warnings"
            else:
                assert warn.is_passed  # a warning does not fail the run, so it does not fail the case...
                assert "[AV403 duplicate-device-class]" in (warn.system_out or "")  # ...and is still shown
            if "bad.yaml" in cases:
                assert isinstance(cases["bad.yaml"].result[0], Failure)
