"""Hostile and broken input: every case ends in a finding at a 1-based position or a clear
error on stderr, never a traceback or a hang, and never stops the other files from being linted.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from avlint.engine import lint_bytes, lint_file
from avlint.findings import Finding
from avlint.run import run_lint
from avlint.settings import Settings
from tests.conftest import ROOT, lint_request
from tests.snippets import BAD

BAD_FINDINGS = [("AV403", 9, 30), ("AV301", 10, 30), ("AV307", 11, 28)]

# Each sample names its own stage: files linted together are one set, and one stage with
# other attrs in two files is a finding of its own (AV701).
GOOD = """\
version: 1
metadata:
  name: mfa
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa-good
    attrs:
      device_classes: [totp, static]
      not_configured_action: skip
"""

BILLION_LAUGHS = b"""\
version: 1
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
entries: []
"""

# name -> (content, rule, line, column); column None when only the line is pinned down.
CASES: dict[str, tuple[bytes, str, int, int | None]] = {
    "syntax.yaml": (b"version: 1\n  entries: []\n", "AV001", 2, 10),
    "tab.yaml": (b"version: 1\nentries:\n\t- model: x\n", "AV001", 3, 1),
    "unclosed.yaml": (b"version: 1\nmetadata: {name: 'x}\nentries: []\n", "AV001", 4, 1),
    "control-char.yaml": (b"version: 1\nmetadata:\n  name: a\x07b\n", "AV001", 3, 10),
    "duplicate.yaml": (b"version: 1\nmetadata:\n  name: a\n  name: b\nentries: []\n", "AV002", 3, 3),
    "duplicate-top.yaml": (b"version: 1\nentries: []\nversion: 1\n", "AV002", 1, 1),
    "tag.yaml": (b"version: 1\nentries:\n  - model: !Foo bar\n", "AV003", 3, 12),
    "python-tag.yaml": (b"version: 1\nentries: !!python/object/apply:os.system [ls]\n", "AV003", 2, 10),
    "empty.yaml": (b"", "AV007", 1, 1),
    "comments.yaml": (b"# nothing here yet\n# really\n", "AV007", 1, 1),
    "blank.yaml": (b"\n   \n\n", "AV007", 1, 1),
    "empty.json": (b"  \n", "AV007", 1, 1),
    "latin1.yaml": (b"version: 1\nmetadata:\n  name: caf\xe9\n", "AV004", 3, 12),
    "latin1-after-utf8.yaml": (b"version: 1\nmetadata:\n  name: \xc3\xbcn\xff\n", "AV004", 3, 11),
    "utf16.yaml": ("version: 1\nentries: []\n".encode("utf-16"), "AV004", 1, 1),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "AV004", 3, 1),
    "nul.yaml": (b"version: 1\nentries: []\x00\n", "AV004", 2, 12),
    "list.yaml": (b"- version: 1\n- entries: []\n", "AV008", 1, 1),
    "scalar.yaml": (b"just some text\n", "AV008", 1, 1),
    "number.yaml": (b"\n42\n", "AV008", 2, 1),
    "list.json": (b"[1, 2, 3]\n", "AV008", 1, 1),
    "scalar.json": (b'"text"', "AV008", 1, 1),
    "billion-laughs.yaml": (BILLION_LAUGHS, "AV006", 7, None),
    "recursive-alias.yaml": (b"version: 1\na: &a [*a]\nentries: []\n", "AV006", 2, 4),
    "recursive-mapping.yaml": (b"version: 1\nentries: &e\n  - model: x\n    attrs: *e\n", "AV006", 2, 10),
    "two-documents.yaml": (b"version: 1\nentries: []\n---\nversion: 1\nentries: []\n", "AV001", 3, 1),
    "bad.json": (b'{"version": 1,\n  "entries": [1 2]}\n', "AV001", 2, 17),
    "unterminated.json": (b'{"version": 1,\n "entries": [}\n', "AV001", 2, 14),
    "trailing-data.json": (b'{"version": 1, "entries": []}\n  xyz\n', "AV001", 2, 3),
    "two-objects.json": (b'{"version": 1, "entries": []}\n{"version": 1}\n', "AV001", 2, 1),
    "trailing-comma.json": (b'{"version": 1, "entries": [],\n}\n', "AV001", 2, 1),
    "single-quotes.json": (b"{'version': 1}\n", "AV001", 1, 2),
    "duplicate.json": (b'{"version": 1,\n "version": 1, "entries": []}\n', "AV002", 1, 2),
}


def result_of(name: str, data: bytes):
    return lint_bytes(name, data, Settings())


def rule_positions(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in findings]


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def run(cwd: Path, *paths: Path | str, **options: object) -> tuple[int, dict, str]:
    """Lint through run_lint (JSON output, no config files); returns exit code, report, stderr."""
    out, err = io.StringIO(), io.StringIO()
    request = lint_request(tuple(str(p) for p in paths), format="json", isolated=True, **options)
    code = run_lint(request, out, err, cwd=cwd)
    return code, json.loads(out.getvalue()), err.getvalue()


def by_path(report: dict) -> dict[str, list[tuple[str, int, int]]]:
    grouped: dict[str, list[tuple[str, int, int]]] = {}
    for finding in report["findings"]:
        grouped.setdefault(finding["path"], []).append((finding["rule"], finding["line"], finding["column"]))
    return grouped


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_subprocess(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m avlint ...` in a child process: a crash or a hang fails the test, not pytest."""
    return subprocess.run(
        [sys.executable, "-m", "avlint", *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


# --- each kind of bad content -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_bad_content_gives_a_positioned_finding(name: str) -> None:
    data, rule, line, column = CASES[name]
    result = result_of(name, data)
    assert result.skipped is None
    rules = [f.rule for f in result.findings]
    assert rule in rules, rule_positions(result.findings)
    finding = next(f for f in result.findings if f.rule == rule)
    assert finding.line == line, rule_positions(result.findings)
    if column is not None:
        assert finding.column == column, rule_positions(result.findings)
    assert finding.message
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1
        assert (f.end_line, f.end_column) >= (f.line, f.column)


def test_syntax_error_message_is_useful() -> None:
    finding = result_of("syntax.yaml", CASES["syntax.yaml"][0]).findings[0]
    assert finding.severity == "error"
    assert "mapping values are not allowed" in finding.message


def test_duplicate_key_points_at_the_first_and_names_the_second() -> None:
    findings = result_of("d.yaml", CASES["duplicate.yaml"][0]).findings
    duplicate = next(f for f in findings if f.rule == "AV002")
    assert (duplicate.line, duplicate.column) == (3, 3)
    assert "'name'" in duplicate.message and "line 4" in duplicate.message


def test_bad_byte_message_names_the_byte() -> None:
    finding = result_of("l.yaml", CASES["latin1.yaml"][0]).findings[0]
    assert finding.rule == "AV004"
    assert "0xe9" in finding.message


def test_nul_bytes_are_reported_as_binary() -> None:
    finding = result_of("b.yaml", CASES["binary.yaml"][0]).findings[0]
    assert finding.rule == "AV004"
    assert "NUL" in finding.message


def test_only_one_finding_for_content_that_cannot_be_analysed() -> None:
    for name in ("syntax.yaml", "latin1.yaml", "binary.yaml", "billion-laughs.yaml", "two-documents.yaml", "bad.json"):
        data, rule, *_ = CASES[name]
        assert [f.rule for f in result_of(name, data).findings] == [rule], name


def test_alias_bomb_message() -> None:
    finding = result_of("bomb.yaml", BILLION_LAUGHS).findings[0]
    assert finding.rule == "AV006"
    assert "alias" in finding.message


def test_recursive_alias_message() -> None:
    finding = result_of("r.yaml", CASES["recursive-alias.yaml"][0]).findings[0]
    assert finding.rule == "AV006"
    assert "recursive" in finding.message


def test_shared_aliases_below_the_limit_are_fine() -> None:
    text = b"version: 1\nx: &x [1, 2, 3]\ny: [*x, *x, *x]\nentries: []\n"
    assert "AV006" not in [f.rule for f in result_of("ok.yaml", text).findings]


def test_comment_only_file_with_a_document_start_marker_is_empty() -> None:
    """`---` followed only by comments holds no content, like an empty file (authentik loads
    both as None); it is not a top-level scalar."""
    findings = result_of("c.yaml", b"---\n# only a comment\n").findings
    assert [(f.rule, f.line, f.column) for f in findings] == [("AV007", 1, 1)]


def test_bom_is_reported_and_the_rest_is_still_linted() -> None:
    result = result_of("bom.yaml", b"\xef\xbb\xbf" + BAD.encode())
    assert rule_positions(result.findings) == [("AV005", 1, 1), *BAD_FINDINGS]


def test_bom_in_json_is_reported_and_the_rest_is_still_linted() -> None:
    result = result_of("bom.json", b'\xef\xbb\xbf{"name": "mfa", "not_configured_action": "configure"}\n')
    assert rule_positions(result.findings) == [("AV005", 1, 1), ("AV301", 1, 42)]


def test_bom_alone() -> None:
    result = result_of("bom.yaml", b"\xef\xbb\xbf")
    assert sorted(f.rule for f in result.findings) == ["AV005", "AV007"]


def test_crlf_line_endings_keep_positions() -> None:
    result = result_of("crlf.yaml", BAD.replace("\n", "\r\n").encode())
    assert rule_positions(result.findings) == BAD_FINDINGS


def test_every_bad_file_in_one_run_with_good_and_bad_blueprints(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    for name, (data, *_) in CASES.items():
        write(folder / name, data)
    write(folder / "zz-bad.yaml", BAD)
    write(folder / "aa-bad.yaml", BAD)
    write(folder / "good.yaml", GOOD)
    code, report, err = run(tmp_path, folder)
    assert err == ""
    assert code == 1
    found = by_path(report)
    for name, (_, rule, line, _column) in CASES.items():
        path = str(folder / name)
        assert (rule, line) in [(r, ln) for r, ln, _ in found.get(path, [])], (name, found.get(path))
    assert found[str(folder / "zz-bad.yaml")] == BAD_FINDINGS
    assert found[str(folder / "aa-bad.yaml")] == BAD_FINDINGS
    assert str(folder / "good.yaml") not in found
    assert report["summary"]["linted"] == len(CASES) + 3
    assert report["unreadable"] == []


# --- paths that are not plain files -----------------------------------------------------------


def test_directory_named_like_a_yaml_file_passed_directly(tmp_path: Path) -> None:
    folder = tmp_path / "x.yaml"
    write(folder / "inner.yaml", BAD)
    write(folder / "nested.yml" / "deeper.json", b'{"name": "mfa", "not_configured_action": "configure"}')
    code, report, err = run(tmp_path, folder)
    assert err == ""
    assert code == 1
    assert by_path(report) == {
        str(folder / "inner.yaml"): BAD_FINDINGS,
        str(folder / "nested.yml" / "deeper.json"): [("AV301", 1, 42)],
    }


def test_directory_named_like_a_yaml_file_inside_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root / "x.yaml" / "inner.yaml", BAD)
    write(root / "good.yaml", GOOD)
    code, report, err = run(tmp_path, root)
    assert err == ""
    assert code == 1
    assert by_path(report) == {str(root / "x.yaml" / "inner.yaml"): BAD_FINDINGS}
    assert report["summary"]["linted"] == 2


def test_lint_file_on_a_directory_is_a_path_error(tmp_path: Path) -> None:
    from avlint.loader.problems import PathError

    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(PathError, match="directory"):
        lint_file(str(tmp_path / "d.yaml"), Settings())


def _deny_open(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """As root, chmod 000 does not stop reads: simulate an unreadable file instead."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if os.path.abspath(os.fspath(file)) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("avlint.loader.source.open", guarded_open, raising=False)


def test_unreadable_file_passed_directly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.yaml", GOOD)
    bad = write(tmp_path / "bad.yaml", BAD)
    _deny_open(monkeypatch, locked)
    code, report, err = run(tmp_path, locked, bad)
    assert code == 2
    assert f"{locked}: error: permission denied" in err
    assert "Traceback" not in err
    assert by_path(report) == {str(bad): BAD_FINDINGS}
    assert report["unreadable"] == [{"path": str(locked), "message": "permission denied"}]
    assert report["summary"]["unreadable"] == 1


def test_unreadable_file_inside_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "f" / "locked.yaml", GOOD)
    write(tmp_path / "f" / "bad.yaml", BAD)
    _deny_open(monkeypatch, locked)
    code, report, err = run(tmp_path, tmp_path / "f")
    assert code == 2
    assert "permission denied" in err
    assert by_path(report) == {str(tmp_path / "f" / "bad.yaml"): BAD_FINDINGS}


def _symlink_loop(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / "a.yaml", folder / "b.yaml"
    os.symlink(b, a)
    os.symlink(a, b)
    return a, b


def test_symlink_loop_passed_directly(tmp_path: Path) -> None:
    a, _ = _symlink_loop(tmp_path / "loop")
    bad = write(tmp_path / "bad.yaml", BAD)
    code, report, err = run(tmp_path, a, bad)
    assert code == 2
    assert f"{a}: error:" in err and "symbolic links" in err
    assert by_path(report) == {str(bad): BAD_FINDINGS}
    assert [u["path"] for u in report["unreadable"]] == [str(a)]


def test_symlink_loop_inside_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    a, b = _symlink_loop(folder)
    write(folder / "bad.yaml", BAD)
    code, report, err = run(tmp_path, folder)
    assert code == 2
    assert f"{a}: error:" in err and f"{b}: error:" in err
    assert by_path(report) == {str(folder / "bad.yaml"): BAD_FINDINGS}
    assert sorted(u["path"] for u in report["unreadable"]) == [str(a), str(b)]


def test_directory_symlink_loop_inside_a_folder_ends(tmp_path: Path) -> None:
    folder = tmp_path / "tree"
    write(folder / "sub" / "bad.yaml", BAD)
    os.symlink(folder, folder / "sub" / "back-to-top")
    os.symlink("..", folder / "sub" / "parent")
    done = run_subprocess(tmp_path, "lint", "--format", "json", str(folder), timeout=60)
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert by_path(report) == {str(folder / "sub" / "bad.yaml"): BAD_FINDINGS}


def test_broken_symlink_is_reported(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling.yaml"
    os.symlink(tmp_path / "nowhere.yaml", dangling)
    bad = write(tmp_path / "bad.yaml", BAD)
    code, report, err = run(tmp_path, dangling, bad)
    assert code == 2
    assert f"{dangling}: error: no such file or directory" in err
    assert by_path(report) == {str(bad): BAD_FINDINGS}


def test_fifo_passed_directly_and_in_a_folder_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "pipes"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    os.mkfifo(tmp_path / "direct.yaml")
    write(folder / "bad.yaml", BAD)
    # In a child process with a timeout: if avlint opened the FIFO it would block forever.
    done = run_subprocess(tmp_path, "lint", "--format", "json", str(tmp_path / "direct.yaml"), str(folder), timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{tmp_path / 'direct.yaml'}: error: not a regular file" in done.stderr
    assert f"{folder / 'pipe.yaml'}: error: not a regular file" in done.stderr
    report = json.loads(done.stdout)
    assert by_path(report) == {str(folder / "bad.yaml"): BAD_FINDINGS}
    assert report["summary"]["unreadable"] == 2


def test_fifo_in_process(tmp_path: Path) -> None:
    from avlint.loader.problems import PathError

    os.mkfifo(tmp_path / "p.yaml")
    with pytest.raises(PathError, match="not a regular file"):
        lint_file(str(tmp_path / "p.yaml"), Settings())


def test_dev_null_is_not_read() -> None:
    from avlint.loader.problems import PathError

    with pytest.raises(PathError, match="not a regular file"):
        lint_file(os.devnull, Settings())


# --- limits -----------------------------------------------------------------------------------


DEPTH = 100_000


def _deep_files(folder: Path) -> dict[str, bytes]:
    files = {
        "flow-seq.yaml": b"[" * DEPTH + b"]" * DEPTH + b"\n",
        "flow-map.yaml": b"{a: " * DEPTH + b"1" + b"}" * DEPTH + b"\n",
        "block-seq.yaml": b"- " * DEPTH + b"x\n",
        "in-entries.yaml": b"version: 1\nentries:\n  - model: x\n    attrs: " + b"[" * DEPTH + b"]" * DEPTH + b"\n",
        "arrays.json": b"[" * DEPTH + b"]" * DEPTH,
        "objects.json": b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH,
        "unclosed.json": b'{"a": [' * DEPTH,
        "unclosed.yaml": b"[" * DEPTH,
    }
    for name, data in files.items():
        write(folder / name, data)
    return files


def test_deep_nesting_in_a_subprocess(tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    files = _deep_files(folder)
    write(folder / "zz-bad.yaml", BAD)
    done = run_subprocess(tmp_path, "lint", "--format", "json", str(folder))
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    found = by_path(json.loads(done.stdout))
    for name in files:
        rules = found.get(str(folder / name), [])
        assert [r for r, *_ in rules] == ["AV006"], (name, rules)
        assert all(line >= 1 and column >= 1 for _, line, column in rules)
    assert found[str(folder / "zz-bad.yaml")] == BAD_FINDINGS


def test_deep_nesting_position_and_message(tmp_path: Path) -> None:
    # the same in a child process, through lint_bytes, checking where the limit is reported
    code = (
        "from avlint.engine import lint_bytes; from avlint.settings import Settings;"
        f"r = lint_bytes('d.json', b'[' * {DEPTH} + b']' * {DEPTH}, Settings());"
        "print([(f.rule, f.line, f.column, f.message) for f in r.findings])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('AV006', 1, 501, 'nesting deeper than 500 levels')]"


def test_nesting_just_under_the_limit_is_analysed() -> None:
    # 400 levels with the root mapping: the deepest authentik's loader is sure to load (AV001 beyond)
    data = b"version: 1\nentries: []\nx: " + b"[" * 399 + b"]" * 399 + b"\n"
    rules = [f.rule for f in result_of("ok.yaml", data).findings]
    assert "AV006" not in rules and "AV001" not in rules


@pytest.fixture(scope="module")
def fifty_megabytes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.yaml"
    line = b"# padding to make a very large blueprint file, nothing else on this line\n"
    header = b"version: 1\nentries: []\n"
    with open(path, "wb") as handle:
        handle.write(header)
        handle.write(line * ((50 * 1024 * 1024 - len(header)) // len(line) + 1))
    assert path.stat().st_size >= 50 * 1024 * 1024
    return path


def test_50mb_file_is_refused_with_the_size(fifty_megabytes: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    code, report, err = run(tmp_path, fifty_megabytes, bad)
    assert err == ""
    assert code == 1
    found = by_path(report)
    assert found[str(fifty_megabytes)] == [("AV006", 1, 1)]
    message = next(f["message"] for f in report["findings"] if f["path"] == str(fifty_megabytes))
    assert "50.0 MB" in message and "10.0 MB" in message and "--max-file-size" in message
    assert found[str(bad)] == BAD_FINDINGS


def test_max_file_size_option_raises_the_limit(fifty_megabytes: Path, tmp_path: Path) -> None:
    code, report, err = run(tmp_path, fifty_megabytes, max_file_size="60MB")
    assert (code, err) == (0, "")
    assert report["findings"] == []
    assert report["summary"]["linted"] == 1


def test_max_file_size_option_can_lower_the_limit(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", BAD)
    code, report, _ = run(tmp_path, bad, max_file_size="100")
    assert code == 1
    assert by_path(report) == {str(bad): [("AV006", 1, 1)]}


@pytest.mark.parametrize(
    ("limit", "size", "expected"),
    [
        ("1", 300, "file is 300 bytes, over the 1 byte limit"),
        ("1000", 1001, "file is 1,001 bytes, over the 1,000 bytes limit"),
        ("10k", 20 * 1024, "file is 20.0 KB, over the 10.0 KB limit"),
        ("1MB", 1024 * 1024 + 1, "file is 1,048,577 bytes, over the 1,048,576 bytes limit"),
        ("1MB", 3 * 1024 * 1024, "file is 3.0 MB, over the 1.0 MB limit"),
    ],
)
def test_the_size_message_shows_the_difference(tmp_path: Path, limit: str, size: int, expected: str) -> None:
    big = write(tmp_path / "big.yaml", "#" * (size - 1) + "\n")
    code, report, _ = run(tmp_path, big, max_file_size=limit)
    assert code == 1
    (message,) = [f["message"] for f in report["findings"]]
    assert message == expected + " (raise it with --max-file-size)"


def test_libyaml_stopping_at_its_own_depth_limit_is_av006() -> None:
    # PyYAML 6.0.4's libyaml stops at 1,000 levels itself, sometimes before avlint counts 500;
    # built here so that the mapping is tested whatever PyYAML is installed.
    from yaml.error import Mark, MarkedYAMLError

    from avlint.loader.yaml_nodes import MAX_DEPTH, _syntax_problem

    mark = Mark("<unicode string>", 1000, 0, 1000, None, None)
    error = MarkedYAMLError("while increasing flow level", mark, "exceeded maximum nesting depth", mark)
    problem = _syntax_problem(error)
    assert (problem.rule, problem.line, problem.column) == ("AV006", 1, 1001)
    assert problem.message == f"nesting deeper than {MAX_DEPTH} levels"


def test_sparse_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with open(path, "wb") as handle:
        handle.write(b"version: 1\n")
        handle.truncate(50 * 1024 * 1024)
    result = lint_file(str(path), Settings())
    assert rule_positions(result.findings) == [("AV006", 1, 1)]
    # with a higher limit it is read, and its NUL bytes make it binary
    result = lint_file(str(path), Settings(max_file_size=64 * 1024 * 1024))
    assert rule_positions(result.findings) == [("AV004", 2, 1)]


def test_python_m_on_bad_input_has_no_traceback(tmp_path: Path) -> None:
    for name, (data, *_) in CASES.items():
        write(tmp_path / "all" / name, data)
    done = run_subprocess(tmp_path, "lint", "all")
    assert done.returncode == 1
    assert done.stderr == ""
    assert done.stdout.splitlines()[-1].startswith("Found ")
