"""Entry point. `avlint --version` is answered before click is imported: pre-commit hooks and
CI scripts call it often, and click's import is most of avlint's start-up time."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from avlint.cli_version import version_text

        print(version_text())
        return
    from avlint.cli import cli

    cli(prog_name="avlint")


if __name__ == "__main__":
    main()
