"""`fix` and `migrate` on symbolic links: the target is written, the link stays a link; a link
loop or a dangling link is a clear error that leaves everything as it was."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import DATA
from tests.test_fix import MFA, MFA_FIXED

EXPORT = DATA / "exports" / "default-authentication-flow.yaml"
MIGRATED = Path(__file__).resolve().parent / "golden" / "migrate" / "export_default_authentication_flow.migrated.yaml"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def link_to_shared(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """`repo/mfa.yaml` -> `../shared/mfa.yaml`, as a repository links a file kept elsewhere."""
    shared = tmp_path / "shared" / "mfa.yaml"
    shared.parent.mkdir()
    shared.write_bytes(text.encode())
    os.chmod(shared, 0o640)
    link = tmp_path / "repo" / "mfa.yaml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "shared" / "mfa.yaml")
    return link, shared


def assert_still_a_link(link: Path) -> None:
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "shared" / "mfa.yaml")
    assert sorted(p.name for p in link.parent.iterdir()) == ["mfa.yaml"]


def test_fix_writes_through_a_symlink(tmp_path: Path) -> None:
    link, shared = link_to_shared(tmp_path, MFA)
    result = invoke("fix", "--isolated", str(link))
    assert f"{link}: applied 2 fixes" in result.stdout
    assert_still_a_link(link)
    assert shared.read_bytes() == MFA_FIXED.encode()
    assert oct(shared.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in shared.parent.iterdir()) == ["mfa.yaml"]


def test_fix_through_a_link_to_a_link(tmp_path: Path) -> None:
    link, shared = link_to_shared(tmp_path, MFA)
    outer = tmp_path / "outer.yaml"
    outer.symlink_to(link)
    invoke("fix", "--isolated", str(outer))
    assert outer.is_symlink() and os.readlink(outer) == str(link)
    assert_still_a_link(link)
    assert shared.read_bytes() == MFA_FIXED.encode()


def test_fix_in_a_folder_holding_a_link(tmp_path: Path) -> None:
    link, shared = link_to_shared(tmp_path, MFA)
    invoke("fix", "--isolated", str(link.parent))
    assert_still_a_link(link)
    assert shared.read_bytes() == MFA_FIXED.encode()


def test_migrate_writes_through_a_symlink(tmp_path: Path) -> None:
    link, shared = link_to_shared(tmp_path, EXPORT.read_text(encoding="utf-8"))
    shutil.copyfile(EXPORT, shared)
    result = CliRunner().invoke(cli, ["migrate", "--isolated", str(link), "--to", "2026.5"])
    assert result.exit_code == 0, result.output
    assert "  written; 0 errors left" in result.stdout
    assert_still_a_link(link)
    assert shared.read_bytes() == MIGRATED.read_bytes()


def test_fix_on_a_symlink_loop_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    for command in (["fix", "--isolated"], ["migrate", "--isolated", "--to", "2026.5"]):
        result = invoke(*command, str(tmp_path / "a.yaml"))
        assert result.exit_code == 2
        assert f"{tmp_path / 'a.yaml'}: error: too many levels of symbolic links" in result.stderr
        assert "Traceback" not in result.output
        assert os.readlink(tmp_path / "a.yaml") == "b.yaml" and os.readlink(tmp_path / "b.yaml") == "a.yaml"


def test_fix_on_a_dangling_symlink_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("gone.yaml")
    for command in (["fix", "--isolated"], ["migrate", "--isolated", "--to", "2026.5"]):
        result = invoke(*command, str(tmp_path / "a.yaml"))
        assert result.exit_code == 2
        assert (
            f"{tmp_path / 'a.yaml'}: error: no such file or directory (a symbolic link to gone.yaml, which does not exist)"
            in (result.stderr)
        )
        assert "Traceback" not in result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]
        assert not (tmp_path / "gone.yaml").exists()
