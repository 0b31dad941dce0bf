"""The environment a blueprint's `!Env` sees in the live commands.

The process environment holds avlint's own credentials: resolving `!Env AUTHENTIK_TOKEN` from it
would print the token in `diff` and send it to the server in `apply`. So `AUTHENTIK_TOKEN`, and
any variable whose value is the token, resolve as unset, and each use is reported. Values given
with `--env-file` are the user's deliberate choice and are used as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.blueprint import Document
from avlint.nodes import start

TOKEN_VARIABLE = "AUTHENTIK_TOKEN"


class EnvFileError(Exception):
    """--env-file cannot be read or has a line that is not KEY=VALUE."""


@dataclass(frozen=True)
class Withheld:
    path: str
    line: int
    column: int
    name: str

    def message(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.column}: warning: !Env {self.name} resolves as unset: avlint does "
            "not give its own API token to blueprints (pass a value deliberately with --env-file)"
        )


def live_environ(
    environ: Mapping[str, str], secrets: Iterable[str | None], env_file: dict[str, str] | None = None
) -> tuple[dict[str, str], set[str]]:
    """The environment for `!Env`, and the names withheld from it."""
    tokens = {secret for secret in secrets if secret}
    withheld = {name for name, value in environ.items() if name == TOKEN_VARIABLE or value.strip() in tokens}
    withheld.add(TOKEN_VARIABLE)
    visible = {name: value for name, value in environ.items() if name not in withheld}
    if env_file:
        visible.update(env_file)
        withheld -= env_file.keys()
    return visible, withheld


def default_environ() -> dict[str, str]:
    """The process environment without `AUTHENTIK_TOKEN` or any copy of it: what `!Env` sees when
    a caller does not pass an environment of its own."""
    import os

    return live_environ(os.environ, [os.environ.get(TOKEN_VARIABLE, "").strip()])[0]


def withheld_uses(documents: list[tuple[str, Document]], withheld: set[str]) -> list[Withheld]:
    """Every `!Env` of the files that names a withheld variable."""
    found: list[Withheld] = []
    for path, document in documents:
        stack: list[Node] = [document.root]
        while stack:
            node = stack.pop()
            if node.tag == "!Env":
                name = node.value if isinstance(node, ScalarNode) else _first_scalar(node)
                if name in withheld:
                    line, column = start(node)
                    found.append(Withheld(path, line, column, name))
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                stack.extend(value for _, value in node.value)
    return sorted(found, key=lambda use: (use.path, use.line, use.column))


def _first_scalar(node: Node) -> str | None:
    if isinstance(node, SequenceNode) and node.value and isinstance(node.value[0], ScalarNode):
        return str(node.value[0].value)
    return None


def read_env_file(path: str) -> dict[str, str]:
    """`--env-file`, read by the shared guarded reader (regular file, size): its values are
    used as given."""
    from avlint.loader.side import SideInputError
    from avlint.loader.side import read_env_file as read

    try:
        return read(path)
    except SideInputError as error:
        raise EnvFileError(f"--env-file: {error}") from None
