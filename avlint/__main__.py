"""Entry point, with two fast paths that skip importing click (most of avlint's start-up
time): `avlint --version`, and `avlint lint FILE...` with nothing but file names, which is
how a pre-commit hook calls it on every commit. Anything else goes through click."""

from __future__ import annotations

import os
import sys


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        from avlint.cli_version import version_text

        print(version_text())
        return
    if _plain_lint(args):
        from avlint.run import LintRequest, run_lint
        from avlint.terminal import colour_wanted

        sys.exit(run_lint(LintRequest(paths=tuple(args[1:]), colour=colour_wanted()), sys.stdout, sys.stderr))
    from avlint.cli import cli

    cli(prog_name="avlint")


def _plain_lint(args: list[str]) -> bool:
    """`lint` followed only by existing file names: no option click would have to parse."""
    return (
        len(args) > 1 and args[0] == "lint" and all(not arg.startswith("-") and os.path.isfile(arg) for arg in args[1:])
    )


if __name__ == "__main__":
    main()
