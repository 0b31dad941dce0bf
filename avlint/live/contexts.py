"""Named servers ("contexts") read from a contexts file, for `--context NAME`.

A contexts file names each server once: its URL, where its token comes from (an environment
variable or a file), its TLS settings and timeouts. It never holds a token itself: the file is
meant to be shared and committed (a CI job checking dozens of servers keeps it in the repo), so
an inline `token:` is refused, and a token file must be private to its owner (mode 0600 or
stricter), which is checked before the file is read.

Where the file is: `--contexts-file PATH`, else the environment variable AVLINT_CONTEXTS, else
`$XDG_CONFIG_HOME/avlint/contexts.yaml` (`~/.config/avlint/contexts.yaml`). Relative paths in it
(`token_file`, `ca_bundle`) are relative to the file's folder.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode

from avlint.live.connection import ConnectionError_

if TYPE_CHECKING:
    from avlint.live.server_options import ServerOptions

CONTEXTS_VARIABLE = "AVLINT_CONTEXTS"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYS = (
    "url",
    "token_env",
    "token_file",
    "ca_bundle",
    "insecure",
    "allow_http",
    "connect_timeout",
    "read_timeout",
    "timeout",
    "retries",
    "concurrency",
)
_INLINE_TOKEN = (
    "an inline 'token' is not allowed: a contexts file is shared and committed, so it must not hold "
    "secrets; name where the token is instead, with 'token_env: VARIABLE' or 'token_file: PATH' (mode 0600)"
)


class ContextError(ConnectionError_):
    """The contexts file, or the choice of contexts, is wrong: a usage error (exit 2)."""


@dataclass(frozen=True)
class Context:
    name: str
    url: str
    where: str  # FILE:LINE:COLUMN of the context's name, for messages
    token_env: str | None = None
    token_file: str | None = None  # resolved against the contexts file's folder
    ca_bundle: str | None = None
    insecure: bool = False
    allow_http: bool = False
    connect_timeout: float | None = None
    read_timeout: float | None = None
    timeout: float | None = None
    retries: int | None = None
    concurrency: int | None = None
    positions: dict[str, str] = field(default_factory=dict, compare=False)  # key -> FILE:LINE:COLUMN


@dataclass(frozen=True)
class ContextsFile:
    path: str
    contexts: dict[str, Context]


def contexts_path(explicit: str | None, environ: Mapping[str, str]) -> tuple[Path, bool]:
    """The contexts file to read, and whether the user named it (a missing default is told apart)."""
    if explicit:
        return Path(explicit).expanduser(), True
    if environ.get(CONTEXTS_VARIABLE):
        return Path(environ[CONTEXTS_VARIABLE]).expanduser(), True
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / "avlint" / "contexts.yaml", False


def load_contexts(explicit: str | None, environ: Mapping[str, str]) -> ContextsFile:
    """The contexts of the file, every key checked; ContextError with FILE:LINE:COLUMN when bad."""
    path, named = contexts_path(explicit, environ)
    if not path.exists():
        if named:
            raise ContextError(f"contexts file {path} does not exist")
        raise ContextError(
            f"no contexts file: --context needs one; write {path}, or name one with --contexts-file "
            f'or {CONTEXTS_VARIABLE} (see "Many servers: named contexts" in the README)'
        )
    return parse_contexts(_read(str(path)), str(path))


def _read(path: str) -> str:
    from avlint.loader.side import SideInputError, read_text

    try:
        return read_text(path)  # a regular file within the size limit, UTF-8
    except SideInputError as error:
        raise ContextError(f"cannot read the contexts file {error}") from None


def parse_contexts(text: str, path: str) -> ContextsFile:
    from avlint.loader.problems import ContentProblem
    from avlint.loader.yaml_nodes import compose_plain

    try:
        root = compose_plain(text)
    except ContentProblem as problem:
        raise ContextError(f"{path}:{problem.line}:{problem.column}: {problem.message}") from None
    if root is None:
        return ContextsFile(path, {})
    reader = _Reader(path)
    top = reader.mapping(root, "the contexts file must be a mapping with the key 'contexts'")
    contexts: dict[str, Context] = {}
    for key, value in top:
        if key.value != "contexts":
            reader.fail(key, f"unknown key '{key.value}': the contexts file holds only 'contexts'")
        for name_node, body in reader.mapping(value, "'contexts' must map context names to their settings"):
            contexts[name_node.value] = reader.context(name_node, body)
    return ContextsFile(path, contexts)


class _Reader:
    """Checks the composed nodes, so that every message has the position of what it is about."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.folder = Path(path).parent

    def at(self, node: Node) -> str:
        return f"{self.path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"

    def fail(self, node: Node, message: str) -> None:
        raise ContextError(f"{self.at(node)}: {message}")

    def mapping(self, node: Node, message: str) -> list[tuple[ScalarNode, Node]]:
        if not isinstance(node, MappingNode):
            self.fail(node, message)
        assert isinstance(node, MappingNode)
        pairs: list[tuple[ScalarNode, Node]] = []
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag.startswith("!") or key.value == "<<":
                self.fail(key, "keys here are plain names")
            if key.value in seen:  # YAML keeps the last silently: two servers under one name is a mistake
                self.fail(key, f"'{key.value}' is given twice")
            seen.add(key.value)
            pairs.append((key, value))
        return pairs

    def value(self, node: Node) -> Any:
        from avlint.loader.side import SideInputError, construct

        if not isinstance(node, ScalarNode):
            self.fail(node, "expected a single value, not a list or mapping")
        try:
            return construct(node, self.path)
        except SideInputError as error:
            self.fail(node, error.reason)

    def context(self, name_node: ScalarNode, body: Node) -> Context:
        name = name_node.value
        if not _NAME.match(name):
            self.fail(name_node, f"context name '{name}': use letters, digits, '.', '_' and '-'")
        settings: dict[str, Any] = {}
        positions: dict[str, str] = {}
        for key, value in self.mapping(body, f"context '{name}' must be a mapping of settings (url, token_env, ...)"):
            if key.value == "token":
                self.fail(key, f"context '{name}': {_INLINE_TOKEN}")
            if key.value not in _KEYS:
                from avlint.suggest import did_you_mean

                self.fail(
                    key,
                    f"context '{name}': unknown setting '{key.value}'{did_you_mean(key.value, _KEYS)}; "
                    f"known settings: {', '.join(_KEYS)}",
                )
            settings[key.value] = _CHECKS[key.value](self, value, f"context '{name}': '{key.value}'")
            positions[key.value] = self.at(value)
        if "url" not in settings:
            self.fail(name_node, f"context '{name}' has no 'url'")
        if ("token_env" in settings) == ("token_file" in settings):
            self.fail(
                name_node,
                f"context '{name}' needs exactly one of 'token_env' (an environment variable) and "
                "'token_file' (a file of mode 0600) for its API token",
            )
        return Context(name=name, where=self.at(name_node), positions=positions, **settings)

    def url(self, node: Node, what: str) -> str:
        text = self.value(node)
        try:
            parts = urlsplit(text) if isinstance(text, str) else None
            _ = parts and parts.port  # a port that is not a number raises here, not later
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(node, f"{what} must be the http(s) URL of an authentik server, not {text!r}")
        assert isinstance(text, str)
        return text

    def variable(self, node: Node, what: str) -> str:
        text = self.value(node)
        if not isinstance(text, str) or not _VARIABLE.match(text):
            self.fail(node, f"{what} must name an environment variable (such as AUTHENTIK_PROD_TOKEN)")
        assert isinstance(text, str)
        return text

    def file(self, node: Node, what: str) -> str:
        text = self.value(node)
        if not isinstance(text, str) or not text.strip():
            self.fail(node, f"{what} must be a file path")
        assert isinstance(text, str)
        return str(self.folder / Path(text).expanduser())  # an absolute path stays as it is

    def flag(self, node: Node, what: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            self.fail(node, f"{what} must be true or false, not {value!r}")
        assert isinstance(value, bool)
        return value

    def seconds(self, node: Node, what: str) -> float:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            self.fail(node, f"{what} must be a positive number of seconds, not {value!r}")
        return float(value)


def _count(low: int, high: int | None) -> Callable[[_Reader, Node, str], int]:
    def check(reader: _Reader, node: Node, what: str) -> int:
        value = reader.value(node)
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
            reader.fail(node, f"{what} must be a whole number from {low}{f' to {high}' if high else ''}, not {value!r}")
        assert isinstance(value, int)
        return value

    return check


_CHECKS: dict[str, Callable[[_Reader, Node, str], Any]] = {
    "url": _Reader.url,
    "token_env": _Reader.variable,
    "token_file": _Reader.file,
    "ca_bundle": _Reader.file,
    "insecure": _Reader.flag,
    "allow_http": _Reader.flag,
    "connect_timeout": _Reader.seconds,
    "read_timeout": _Reader.seconds,
    "timeout": _Reader.seconds,
    "retries": _count(0, None),
    "concurrency": _count(1, 64),
}


def select(names: tuple[str, ...], found: ContextsFile) -> list[Context]:
    """The named contexts, in the order given (a repeated name once); an unknown name, or two
    contexts that reach one server, is a ContextError."""
    chosen: list[Context] = []
    for name in dict.fromkeys(names):
        context = found.contexts.get(name)
        if context is None:
            from avlint.suggest import did_you_mean

            known = ", ".join(sorted(found.contexts)) or "none"
            raise ContextError(
                f"unknown context '{name}'{did_you_mean(name, found.contexts)}; known contexts in {found.path}: {known}"
            )
        chosen.append(context)
    servers: dict[str, Context] = {}
    for context in chosen:
        server = normalised_url(context.url)
        if server in servers:
            other = servers[server]
            raise ContextError(
                f"contexts '{other.name}' ({other.where}) and '{context.name}' ({context.where}) point at one "
                f"server, {server}: each server once per run (its findings would be reported twice)"
            )
        servers[server] = context
    return chosen


def normalised_url(url: str) -> str:
    """The server a URL reaches: scheme and host in lower case, the default port and the API
    path left out (`https://Auth.example.com:443/api/v3/` is `https://auth.example.com`). A
    user and password in the URL are left out too: this is also how a server is shown."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port if parts.port not in (None, {"http": 80, "https": 443}.get(scheme)) else None
    path = parts.path.split("/api/v3")[0].rstrip("/")
    return f"{scheme}://{host}{f':{port}' if port else ''}{path}"


def token_of(context: Context, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(token, token_file) for the connection: the variable's value, or the token file once its
    mode is checked. The token file is not read here."""
    if context.token_env is not None:
        value = environ.get(context.token_env, "")
        if not value.strip():
            raise ContextError(
                f"{context.positions['token_env']}: context '{context.name}': the environment variable "
                f"{context.token_env} is not set (or empty)"
            )
        return value, None
    assert context.token_file is not None
    check_private(context.token_file, f"{context.positions['token_file']}: context '{context.name}'")
    return None, context.token_file


def check_private(path: str, where: str) -> None:
    """A token file readable by others, or owned by someone else, is refused before it is read."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise ContextError(f"{where}: token file {path}: {error.strerror or 'cannot be read'}") from None
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ContextError(
            f"{where}: token file {path} has mode {mode:04o}, so others may read it; it was not read. "
            f"Make it private to you: chmod 600 {path}"
        )
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise ContextError(f"{where}: token file {path} is owned by uid {info.st_uid}, not by you; it was not read")


def resolve(server: ServerOptions, environ: Mapping[str, str]) -> list[tuple[Context, ServerOptions]]:
    """Each context `server` names, with the options to reach it: the context's URL, token and
    TLS settings, and its timeouts unless the command line gave them (they apply to all)."""
    found = load_contexts(server.contexts_file, environ)
    resolved = []
    for context in select(server.contexts, found):
        token, token_file = token_of(context, environ)
        options = replace(
            server,
            url=context.url,
            token=token,
            token_file=token_file,
            ca_bundle=context.ca_bundle,
            insecure=context.insecure,
            allow_http=context.allow_http,
            connect_timeout=_first(server.connect_timeout, context.connect_timeout),
            read_timeout=_first(server.read_timeout, context.read_timeout),
            timeout=_first(server.timeout, context.timeout),
            max_retries=_first(server.max_retries, context.retries),
            concurrency=_first(server.concurrency, context.concurrency),
            contexts=(),
            context_name=context.name,
        )
        resolved.append((context, options))
    return resolved


def _first(given: Any, default: Any) -> Any:
    return given if given is not None else default
