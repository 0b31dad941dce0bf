"""Checks across the blueprints of a set (AV701-AV709), `--project DIR`, and the summary cache."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from avlint.project import cache as cache_module
from avlint.project.cache import SummaryCache, cache_folder, content_key
from avlint.project.checks import SetFile, check_set
from avlint.project.summary import DocumentSummary, KeyOfMiss, from_data, to_data
from avlint.run import run_lint
from avlint.settings import Settings
from avlint.versions import Release, resolve_release
from tests.conftest import lint_request

PASSWORD = """\
version: 1
entries:
  - model: authentik_stages_password.passwordstage
    identifiers: {name: %s}
    attrs: {backends: [authentik.core.auth.InbuiltBackend], failed_attempts_before_cancel: %d}
"""
VALIDATE = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: %s}
"""
TOTP = """\
version: 1
metadata: {name: TOTP setup}
entries:
  - id: totp-setup
    model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers: {name: totp-setup}
    attrs: {digits: 6}
"""
MFA_FIND = """\
version: 1
entries:
%s  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: mfa}
    attrs:
      not_configured_action: configure
      configuration_stages:
        - !Find [%s, [name, totp-setup]]
"""
TOTP_MODEL = "authentik_stages_authenticator_totp.authenticatortotpstage"
META = """\
  - model: authentik_blueprints.metaapplyblueprint
    attrs:
      identifiers: {%s: %s}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint(*paths: Path | str, cwd: Path | None = None, **flat: object) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    flat.setdefault("isolated", True)
    flat.setdefault("no_cache", True)
    request = lint_request(tuple(str(p) for p in paths), format="json", **flat)
    code = run_lint(request, out, err, cwd)
    return code, json.loads(out.getvalue())["findings"], err.getvalue()


def rules(findings: list[dict]) -> list[tuple[str, str]]:
    return sorted((Path(f["path"]).name, f["rule"]) for f in findings if f["rule"].startswith("AV7"))


# ---- the set: which files, which findings -----------------------------------------------------


def test_project_reports_only_the_named_files_with_the_others_as_context(tmp_path: Path) -> None:
    root = tmp_path / "blueprints"
    a = write(root / "a.yaml", PASSWORD % ("mfa", 3))
    write(root / "nested" / "b.yaml", VALIDATE % "mfa")
    code, findings, err = lint(a, project=str(root))
    assert rules(findings) == [("a.yaml", "AV702")]
    (finding,) = [f for f in findings if f["rule"] == "AV702"]
    assert (finding["line"], finding["column"]) == (3, 5)
    assert f"{root / 'nested' / 'b.yaml'}:3" in finding["message"]  # the other file, with its line
    assert code == 1 and err == ""


def test_without_project_the_files_of_the_run_are_the_set(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", PASSWORD % ("mfa", 3))
    b = write(tmp_path / "b.yaml", VALIDATE % "mfa")
    write(tmp_path / "not-named.yaml", VALIDATE % "other")
    _, findings, _ = lint(a, b)
    assert rules(findings) == [("a.yaml", "AV702"), ("b.yaml", "AV702")]
    # One file alone, without --project, has no set: nothing to compare it with.
    _, findings, _ = lint(a)
    assert rules(findings) == []


def test_the_same_object_with_other_attrs_is_reported_on_each_definition(tmp_path: Path) -> None:
    files = [
        write(tmp_path / f"{name}.yaml", PASSWORD % ("corp", attempts))
        for name, attempts in zip("abc", (3, 5, 3), strict=True)
    ]
    _, findings, _ = lint(*files)
    found = {Path(f["path"]).name: f["message"] for f in findings if f["rule"] == "AV701"}
    assert sorted(found) == ["a.yaml", "b.yaml", "c.yaml"]
    assert f"{files[1]}:3" in found["a.yaml"] and f"{files[2]}:3" in found["a.yaml"]
    assert "#12186" in found["a.yaml"]


def test_the_same_object_with_the_same_attrs_is_no_finding(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{name}.yaml", PASSWORD % ("corp", 3)) for name in "ab"]
    assert rules(lint(*files)[1]) == []


def test_a_blueprint_not_instantiated_races_nothing(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", PASSWORD % ("corp", 3))
    example = (PASSWORD % ("corp", 5)).replace(
        "version: 1\n", 'version: 1\nmetadata:\n  name: x\n  labels: {blueprints.goauthentik.io/instantiate: "false"}\n'
    )
    b = write(tmp_path / "b.yaml", example)
    assert rules(lint(a, b)[1]) == []


def test_stage_names_within_one_file_stay_av407_only(tmp_path: Path) -> None:
    both = PASSWORD % ("mfa", 3) + (VALIDATE % "mfa").removeprefix("version: 1\nentries:\n")
    a = write(tmp_path / "a.yaml", both)
    b = write(tmp_path / "b.yaml", PASSWORD % ("other", 3))
    _, findings, _ = lint(a, b)
    assert sorted(f["rule"] for f in findings if f["rule"] in ("AV407", "AV702")) == ["AV407"]


def test_flow_slugs_are_unique_across_files(tmp_path: Path) -> None:
    by_slug = "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: login}\n    attrs: {name: Login, title: Hi, designation: authentication}\n"
    by_name = "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {name: Login}\n    attrs: {slug: login, title: Hi, designation: authentication}\n"
    a, b = write(tmp_path / "a.yaml", by_slug), write(tmp_path / "b.yaml", by_name)
    assert rules(lint(a, b)[1]) == [("a.yaml", "AV703"), ("b.yaml", "AV703")]


# ---- !Find and ordering -----------------------------------------------------------------------


def test_find_of_an_object_another_file_creates_needs_a_meta_apply(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    write(root / "stages" / "totp.yaml", TOTP)
    mfa = write(root / "mfa.yaml", MFA_FIND % ("", TOTP_MODEL))
    code, findings, _ = lint(mfa, project=str(root))
    (finding,) = [f for f in findings if f["rule"].startswith("AV7")]
    assert finding["rule"] == "AV707" and finding["severity"] == "warning" and code == 0
    assert "{path: stages/totp.yaml}" in finding["message"] and "totp.yaml:4" in finding["message"]
    for how, value in (("path", "stages/totp.yaml"), ("name", "TOTP setup")):
        write(mfa, MFA_FIND % (META % (how, value), TOTP_MODEL))
        assert rules(lint(mfa, project=str(root))[1]) == [], how


def test_a_meta_apply_chain_orders_the_blueprints(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    write(root / "totp.yaml", TOTP)
    write(root / "middle.yaml", "version: 1\nentries:\n" + META % ("path", "totp.yaml"))
    mfa = write(root / "mfa.yaml", MFA_FIND % (META % ("path", "middle.yaml"), TOTP_MODEL))
    assert rules(lint(mfa, project=str(root))[1]) == []


def test_find_of_another_model_with_that_name_is_an_error(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    write(root / "totp.yaml", TOTP)
    webauthn = "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage"
    mfa = write(root / "mfa.yaml", MFA_FIND % (META % ("path", "totp.yaml"), webauthn))
    code, findings, _ = lint(mfa, project=str(root))
    (finding,) = [f for f in findings if f["rule"].startswith("AV7")]
    assert finding["rule"] == "AV706" and code == 1
    assert TOTP_MODEL in finding["message"] and "totp.yaml:4" in finding["message"]


def test_find_that_only_the_server_can_answer_is_info(tmp_path: Path) -> None:
    mfa = write(tmp_path / "bp" / "mfa.yaml", MFA_FIND % ("", TOTP_MODEL))
    code, findings, _ = lint(mfa, project=str(tmp_path / "bp"), strict=True)
    (finding,) = [f for f in findings if f["rule"].startswith("AV7")]
    assert (finding["rule"], finding["severity"], finding["effect"]) == ("AV704", "info", "runtime")
    assert code == 0  # info never fails a run, not even a strict one


def test_find_of_a_default_object_is_known(tmp_path: Path) -> None:
    text = (MFA_FIND % ("", "authentik_stages_password.passwordstage")).replace(
        "totp-setup", "default-authentication-password"
    )
    mfa = write(tmp_path / "bp" / "mfa.yaml", text)
    assert rules(lint(mfa, project=str(tmp_path / "bp"))[1]) == []


# ---- !KeyOf -------------------------------------------------------------------------------------


def test_keyof_to_another_file_replaces_av111(tmp_path: Path) -> None:
    keyof = MFA_FIND.replace("- !Find [%s, [name, totp-setup]]", "- !KeyOf totp-setup") % ""
    mfa = write(tmp_path / "mfa.yaml", keyof)
    totp = write(tmp_path / "totp.yaml", TOTP)
    _, findings, _ = lint(mfa, totp)
    (finding,) = [f for f in findings if f["rule"] in ("AV111", "AV705")]
    assert finding["rule"] == "AV705" and f"{totp}:4" in finding["message"]
    # No file has the id: AV111 as before.
    write(totp, TOTP.replace("totp-setup", "other"))
    _, findings, _ = lint(mfa, totp)
    assert [f["rule"] for f in findings if f["rule"] in ("AV111", "AV705")] == ["AV111"]


def test_keyof_between_two_documents_of_one_file_is_reported() -> None:
    """A file may hold several blueprints (a ConfigMap): !KeyOf does not cross them either."""
    with_id = DocumentSummary(None, True, (), (), (), (("totp", 4),), ())
    using = DocumentSummary(None, True, (), (), (KeyOfMiss("totp", (9, 5, 9, 16), ()),), (), ())
    found = check_set(
        [SetFile("cm.yaml", "/x/cm.yaml", None, (with_id, using))], frozenset({"/x/cm.yaml"}), Release(2025, 12), False
    )
    (hit,) = found.found["/x/cm.yaml"]
    assert hit.code == "AV705" and "cm.yaml:4" in hit.message and (hit.line, hit.column) == (9, 5)


# ---- meta-apply -------------------------------------------------------------------------------


def test_meta_apply_to_a_missing_path_needs_the_root(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    a = write(root / "a.yaml", "version: 1\nentries:\n" + META % ("path", "flows/missing.yaml"))
    code, findings, _ = lint(a, project=str(root))
    assert rules(findings) == [("a.yaml", "AV708")] and code == 1
    assert "flows/missing.yaml" in findings[0]["message"]
    # Without a root, the path cannot be checked; a shipped blueprint or required: false is fine.
    other = write(root / "b.yaml", PASSWORD % ("x", 3))
    assert rules(lint(a, other)[1]) == []
    write(a, "version: 1\nentries:\n" + META % ("path", "default/flow-default-authentication-flow.yaml"))
    assert rules(lint(a, project=str(root))[1]) == []
    write(a, "version: 1\nentries:\n" + META % ("path", "flows/missing.yaml") + "      required: false\n")
    assert rules(lint(a, project=str(root))[1]) == []


@pytest.mark.parametrize("length", [1, 2, 3])
def test_circular_meta_apply_is_an_error_naming_the_circle(tmp_path: Path, length: int) -> None:
    root = tmp_path / "bp"
    names = [f"f{index}.yaml" for index in range(length)]
    for index, name in enumerate(names):
        write(root / name, "version: 1\nentries:\n" + META % ("path", names[(index + 1) % length]))
    code, findings, err = lint(root, project=str(root))
    assert rules(findings) == [(name, "AV709") for name in names]
    assert code == 1 and "Traceback" not in err
    message = next(f["message"] for f in findings if f["path"].endswith("f0.yaml"))
    assert message.count(" -> ") == length


# ---- bad input ----------------------------------------------------------------------------------


def test_a_symlink_to_a_file_of_the_set_is_counted_once(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    a = write(root / "a.yaml", PASSWORD % ("corp", 3))
    os.symlink(a, root / "link.yaml")
    write(tmp_path / "elsewhere.yaml", PASSWORD % ("corp", 5))
    os.symlink(tmp_path / "elsewhere.yaml", root / "b.yaml")
    _, findings, _ = lint(root / "link.yaml", project=str(root))
    (finding,) = [f for f in findings if f["rule"] == "AV701"]
    assert "a.yaml" not in finding["message"] and "b.yaml:3" in finding["message"]
    # Named twice (a path and a symlink to it): one file, no finding against itself.
    _, findings, _ = lint(a, root / "link.yaml")
    assert rules(findings) == []


def test_files_that_do_not_parse_leave_the_rest_of_the_set_checked(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    write(root / "broken.yaml", "version: 1\nentries: [\n")
    write(root / "binary.yaml", "\x00\x01")
    write(root / "b.yaml", VALIDATE % "mfa")
    write(root / "k8s.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    a = write(root / "a.yaml", PASSWORD % ("mfa", 3))
    code, findings, err = lint(a, root / "broken.yaml", project=str(root))
    assert rules(findings) == [("a.yaml", "AV702")]
    assert any(f["rule"] == "AV001" and f["path"].endswith("broken.yaml") for f in findings)
    assert code == 1 and "Traceback" not in err


def test_project_that_is_not_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", PASSWORD % ("x", 3))
    out, err = io.StringIO(), io.StringIO()
    code = run_lint(lint_request((str(a),), isolated=True, project=str(tmp_path / "missing")), out, err)
    assert code == 2 and "--project" in err.getvalue() and "is not a folder" in err.getvalue()


def test_project_from_the_config_is_relative_to_the_config_file(tmp_path: Path) -> None:
    write(tmp_path / ".avlint.yaml", "project: blueprints\n")
    a = write(tmp_path / "blueprints" / "a.yaml", PASSWORD % ("mfa", 3))
    write(tmp_path / "blueprints" / "b.yaml", VALIDATE % "mfa")
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    _, findings, _ = lint(a, cwd=elsewhere, isolated=False, cache_dir=str(tmp_path / "cache"), no_cache=False)
    assert rules(findings) == [("a.yaml", "AV702")]
    write(tmp_path / ".avlint.yaml", "project: [blueprints]\n")
    out, err = io.StringIO(), io.StringIO()
    assert run_lint(lint_request((str(a),)), out, err, tmp_path) == 2
    assert ".avlint.yaml:1: invalid config: 'project' must be a folder path" in err.getvalue()


def test_suppressions_select_and_ignore_apply_to_set_findings(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", (PASSWORD % ("mfa", 3)).replace("  - model", "  # avlint: disable=AV702\n  - model"))
    b = write(tmp_path / "b.yaml", VALIDATE % "mfa")
    _, findings, _ = lint(a, b)
    assert rules(findings) == [("b.yaml", "AV702")]
    assert rules(lint(a, b, ignore=("AV702",))[1]) == []
    assert rules(lint(a, b, select=("AV111",))[1]) == []


# ---- the cache ----------------------------------------------------------------------------------


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "bp"
    for index in range(5):
        write(root / f"s{index}.yaml", PASSWORD % (f"stage-{index}", 3))
    write(root / "b.yaml", VALIDATE % "mfa")
    return root, write(root / "a.yaml", PASSWORD % ("mfa", 3))


def _cache_file(folder: Path) -> Path:
    (found,) = folder.glob("summaries-*.json")
    return found


def test_a_warm_cache_summarises_no_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, a = _project(tmp_path)
    cache = tmp_path / "cache"
    assert rules(lint(a, project=str(root), cache_dir=str(cache), no_cache=False)[1]) == [("a.yaml", "AV702")]
    stored = json.loads(_cache_file(cache).read_text(encoding="utf-8"))
    assert len(stored["entries"]) == 7  # the named file too
    import avlint.project.lint_set as lint_set_module

    def fail(path: str, settings: Settings) -> None:
        raise AssertionError(f"{path} was summarised again")

    monkeypatch.setattr(lint_set_module, "summarise_only", fail)
    assert rules(lint(a, project=str(root), cache_dir=str(cache), no_cache=False)[1]) == [("a.yaml", "AV702")]
    # A changed file has another key: it is summarised again, the others are not.
    monkeypatch.undo()
    write(root / "b.yaml", VALIDATE % "renamed")
    assert rules(lint(a, project=str(root), cache_dir=str(cache), no_cache=False)[1]) == []


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "wrong-shape", "bad-entry", "folder"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root, a = _project(tmp_path)
    cache = tmp_path / "cache"
    lint(a, project=str(root), cache_dir=str(cache), no_cache=False)
    path = _cache_file(cache)
    text = path.read_text(encoding="utf-8")
    if damage == "garbage":
        path.write_bytes(b"\xff\xfe not json")
    elif damage == "truncated":  # another process stopped half-way (writes are atomic; a disk can still fail)
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "wrong-shape":
        path.write_text('{"format": 1, "entries": [1, 2]}', encoding="utf-8")
    elif damage == "bad-entry":
        data = json.loads(text)
        data["entries"] = {key: [value[0], [["not", "a", "summary"]]] for key, value in data["entries"].items()}
        path.write_text(json.dumps(data), encoding="utf-8")
    else:  # the cache file's name taken by a folder: cannot be read nor replaced
        path.unlink()
        path.mkdir()
    code, findings, err = lint(a, project=str(root), cache_dir=str(cache), no_cache=False)
    assert rules(findings) == [("a.yaml", "AV702")] and code == 1
    assert "Traceback" not in err
    if damage == "folder":
        assert "the summary cache was not saved" in err
    else:
        assert err == ""
        assert len(json.loads(path.read_text(encoding="utf-8"))["entries"]) == 7  # rebuilt


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    root, a = _project(tmp_path)
    cache = tmp_path / "cache"
    lint(a, project=str(root), cache_dir=str(cache), no_cache=False)
    assert len(json.loads(_cache_file(cache).read_text(encoding="utf-8"))["entries"]) == 3


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVLINT_CACHE_DIR", str(tmp_path / "env-cache"))
    root, a = _project(tmp_path)
    assert rules(lint(a, project=str(root), no_cache=True)[1]) == [("a.yaml", "AV702")]
    assert not (tmp_path / "env-cache").exists()
    lint(a, project=str(root), no_cache=False)
    assert _cache_file(tmp_path / "env-cache").is_file()


def test_without_project_no_cache_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVLINT_CACHE_DIR", str(tmp_path / "env-cache"))
    a, b = write(tmp_path / "a.yaml", PASSWORD % ("mfa", 3)), write(tmp_path / "b.yaml", VALIDATE % "mfa")
    assert rules(lint(a, b, no_cache=False)[1]) == [("a.yaml", "AV702"), ("b.yaml", "AV702")]
    assert not (tmp_path / "env-cache").exists()


def test_the_cache_folder_comes_from_the_option_the_environment_or_the_user_cache() -> None:
    assert cache_folder("/x", {"AVLINT_CACHE_DIR": "/y"}) == "/x"
    assert cache_folder(None, {"AVLINT_CACHE_DIR": "/y", "XDG_CACHE_HOME": "/z"}) == "/y"
    assert cache_folder(None, {"XDG_CACHE_HOME": "/z"}) == os.path.join("/z", "avlint")
    assert cache_folder(None, {}).endswith(os.path.join(".cache", "avlint"))


def test_the_cache_key_changes_with_content_and_release() -> None:
    one = content_key(b"version: 1\n", Release(2025, 12))
    assert one == content_key(b"version: 1\n", Release(2025, 12))
    assert one != content_key(b"version: 1 \n", Release(2025, 12))
    assert one != content_key(b"version: 1\n", Release(2025, 10))


def test_summaries_are_small_picklable_and_survive_json(tmp_path: Path) -> None:
    from avlint.project.lint_set import lint_and_summarise

    path = write(tmp_path / "mfa.yaml", MFA_FIND % (META % ("path", "totp.yaml"), TOTP_MODEL))
    _, summary = lint_and_summarise(str(path), Settings(release=resolve_release(None)))
    assert summary is not None and len(summary) == 1
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert from_data(json.loads(json.dumps(to_data(summary)))) == summary
    assert len(pickle.dumps(summary)) < 2000
    (document,) = summary
    assert [find.model for find in document.finds] == [TOTP_MODEL]
    assert [dict(meta.identifiers) for meta in document.metas] == [{"path": "totp.yaml"}]


def test_a_cache_entry_that_is_not_a_summary_is_a_miss(tmp_path: Path) -> None:
    cache = SummaryCache(str(tmp_path))
    cache.entries["k"] = (0.0, [[1, 2]])
    assert cache.get("k") is False and "k" not in cache.entries


# ---- through the command line -------------------------------------------------------------------


def test_the_command_line_options_and_the_info_level(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    mfa = write(root / "mfa.yaml", MFA_FIND % ("", TOTP_MODEL))
    env = {**os.environ, "AVLINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "avlint", "lint", "--isolated", "--project", str(root), str(mfa)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert f"{mfa}:8:11: info [AV704 find-needs-server]" in done.stdout
    assert "(1 info finding)" in done.stdout
    assert _cache_file(tmp_path / "cache").is_file()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "avlint",
            "lint",
            "--isolated",
            "--format",
            "github",
            "--project",
            str(root),
            "--no-cache",
            "--cache-dir",
            str(tmp_path / "other"),
            str(mfa),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.stdout.startswith("::notice file=") and not (tmp_path / "other").exists()


def test_two_runs_at_once_share_the_cache_without_harm(tmp_path: Path) -> None:
    root, a = _project(tmp_path)
    env = {**os.environ, "AVLINT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "avlint", "lint", "--isolated", "--format", "json", "--project", str(root), str(a)]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(3)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1 and err == ""
        assert rules(json.loads(out)["findings"]) == [("a.yaml", "AV702")]
    assert len(json.loads(_cache_file(tmp_path / "cache").read_text(encoding="utf-8"))["entries"]) == 7
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [
        _cache_file(tmp_path / "cache").name
    ]  # no temporary left


def test_set_findings_in_sarif_and_the_baseline(tmp_path: Path) -> None:
    mfa = write(tmp_path / "bp" / "mfa.yaml", MFA_FIND % ("", TOTP_MODEL))
    out, err = io.StringIO(), io.StringIO()
    request = lint_request((str(mfa),), format="sarif", isolated=True, project=str(tmp_path / "bp"), no_cache=True)
    assert run_lint(request, out, err) == 0
    (result,) = json.loads(out.getvalue())["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("AV704", "note")
    assert result["partialFingerprints"]  # stamped like any finding: baselines know it
    baseline = tmp_path / "baseline.json"
    request = lint_request(
        (str(mfa),), isolated=True, project=str(tmp_path / "bp"), no_cache=True, write_baseline=str(baseline)
    )
    run_lint(request, io.StringIO(), io.StringIO())
    code, findings, _ = lint(mfa, project=str(tmp_path / "bp"), baseline=str(baseline))
    assert code == 0 and findings == []


# ---- fix --unsafe-fixes: raw pks of the set's objects -------------------------------------------

STAGE_WITH_PK = """\
version: 1
entries:
  - model: authentik_stages_authenticator_totp.authenticatortotpstage
    identifiers:
      pk: 0b4c9f2d-5f3e-4c39-9c8e-0d7c0d9f2e11
      name: totp-setup
    attrs: {digits: 6}
"""
MFA_BY_PK = """\
version: 1
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: configure
      configuration_stages:
        - 0b4c9f2d-5f3e-4c39-9c8e-0d7c0d9f2e11
"""


def fix(*args: str) -> tuple[int, str, str]:
    from avlint.fix.command import FixRequest, run_fix
    from avlint.settings_options import SettingsOptions

    flags = [a for a in args if a.startswith("--")]
    project = next((a.split("=", 1)[1] for a in flags if a.startswith("--project=")), None)
    out, err = io.StringIO(), io.StringIO()
    request = FixRequest(
        tuple(a for a in args if not a.startswith("--")),
        SettingsOptions(isolated=True),
        unsafe="--unsafe-fixes" in flags,
        project=project,
    )
    return run_fix(request, out, err), out.getvalue(), err.getvalue()


def test_fix_unsafe_writes_find_by_name_for_a_pk_another_file_creates(tmp_path: Path) -> None:
    root = tmp_path / "bp"
    write(root / "stages.yaml", STAGE_WITH_PK)
    mfa = write(root / "mfa.yaml", MFA_BY_PK)
    code, out, _ = fix(str(mfa), f"--project={root}")
    assert mfa.read_text(encoding="utf-8") == MFA_BY_PK  # a safe run leaves it: the rewrite is unsafe
    assert "AV502" in out and code == 0
    code, out, err = fix(str(mfa), f"--project={root}", "--unsafe-fixes")
    expected = MFA_BY_PK.replace(
        "- 0b4c9f2d-5f3e-4c39-9c8e-0d7c0d9f2e11",
        "- !Find [authentik_stages_authenticator_totp.authenticatortotpstage, [name, totp-setup]]",
    )
    assert mfa.read_text(encoding="utf-8") == expected
    assert "AV502" in out and code == 0 and err == ""
    # Without the file that creates it, nothing names the object: the pk stays.
    write(mfa, MFA_BY_PK)
    fix(str(mfa), "--unsafe-fixes")
    assert mfa.read_text(encoding="utf-8") == MFA_BY_PK
    # The files of the run are the set too.
    fix(str(mfa), str(root / "stages.yaml"), "--unsafe-fixes")
    assert mfa.read_text(encoding="utf-8") == expected


def test_fix_unsafe_writes_keyof_for_a_pk_of_its_own_file(tmp_path: Path) -> None:
    both = STAGE_WITH_PK + MFA_BY_PK.removeprefix("version: 1\nentries:\n")
    path = write(tmp_path / "both.yaml", both)
    code, _, _ = fix(str(path), "--unsafe-fixes")
    fixed = path.read_text(encoding="utf-8")
    assert code == 0 and "- !KeyOf totp-setup" in fixed and "  - id: totp-setup\n" in fixed
    assert lint(path)[1] == []


def test_fix_project_that_is_not_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    mfa = write(tmp_path / "mfa.yaml", MFA_BY_PK)
    code, _, err = fix(str(mfa), f"--project={tmp_path / 'missing'}", "--unsafe-fixes")
    assert code == 2 and "is not a folder" in err


def test_blueprints_inside_configmaps_are_part_of_the_set_at_their_outer_lines(tmp_path: Path) -> None:
    config_map = (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: blueprints\n"
        "data:\n"
        "  password.yaml: |\n"
        + "".join(f"    {line}\n" for line in (PASSWORD % ("mfa", 3)).splitlines())
        + "  other.yaml: |\n"
        + "".join(f"    {line}\n" for line in (VALIDATE % "other").splitlines())
    )
    root = tmp_path / "repo"
    cm = write(root / "configmap.yaml", config_map)
    b = write(root / "b.yaml", VALIDATE % "mfa")
    for project in (str(root), None):
        _, findings, err = lint(cm, b, project=project) if project is None else lint(cm, project=project)
        (finding,) = [f for f in findings if f["rule"] == "AV702" and f["path"].endswith("configmap.yaml")]
        assert (finding["line"], finding["column"]) == (9, 9), project  # the entry, where it is in the outer file
        assert f"{b}:3" in finding["message"] and err == ""
    # And the other way round: b.yaml's finding names the ConfigMap's line.
    _, findings, _ = lint(b, project=str(root))
    (finding,) = [f for f in findings if f["rule"] == "AV702"]
    assert f"{cm}:9" in finding["message"]
