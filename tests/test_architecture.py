"""The structure the code keeps: checks declare every code they report, no import cycles, no
reaching into another module's private names, the import-linter contracts cover the package,
and no run state in module globals."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

from avlint.catalogue import all_rules
from avlint.checks import REGISTRY
from tests.conftest import ROOT

PACKAGE = ROOT / "avlint"
CODE_LITERAL = re.compile(r"""["'](AV\d{3})["']""")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _trees() -> dict[str, ast.Module]:
    return {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


TREES = _trees()


# --- rule codes ----------------------------------------------------------------------------------


def test_every_code_a_check_module_yields_is_declared_by_its_checks() -> None:
    """A code yielded but not declared vanishes under --select (the engine skips a check none
    of whose declared codes is enabled); a code declared but never yielded is a stale promise."""
    declared: dict[str, set[str]] = {}
    for check in REGISTRY:
        declared.setdefault(sys.modules[check.run.__module__].__file__ or "", set()).update(check.codes)
    for path in sorted((PACKAGE / "checks").glob("*.py")):
        literals = set(CODE_LITERAL.findall(path.read_text(encoding="utf-8")))
        assert literals == declared.get(str(path), set()), path.name


def test_each_code_is_declared_by_one_check_and_every_rule_is_reported_somewhere() -> None:
    owners: dict[str, list[str]] = {}
    for check in REGISTRY:
        for code in check.codes:
            owners.setdefault(code, []).append(check.name)
    assert {code: names for code, names in owners.items() if len(names) > 1} == {}
    outside_checks = {
        code
        for name, path in MODULES.items()
        if name in ("avlint.engine", "avlint.live.lint_context")
        or name.startswith(("avlint.loader.", "avlint.embedded."))
        for code in CODE_LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    catalogue = {rule.code for rule in all_rules()}
    assert set(owners) <= catalogue
    assert catalogue == set(owners) | outside_checks


def test_the_registry_is_a_literal_list_of_checks() -> None:
    """Greppable: `grep check_threshold avlint/checks/__init__.py` finds where it is registered."""
    tree = TREES["avlint.checks"]
    (registry,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "REGISTRY"
    ]
    assert isinstance(registry, ast.Tuple)
    assert [ast.unparse(item) for item in registry.elts] == [
        f"{check.run.__module__.rsplit('.', 1)[1]}.{check.run.__name__}" for check in REGISTRY
    ]


# --- imports ---------------------------------------------------------------------------------------


def _imports(tree: ast.Module) -> set[str]:
    """Every avlint module a module imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("avlint"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("avlint"))
    return {name for name in found if name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles_in_the_package() -> None:
    graph = {name: _imports(tree) - {name} for name, tree in TREES.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_names() -> None:
    offences = []
    for name, tree in TREES.items():
        module_aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("avlint"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offences.append(f"{name}: from {node.module} import {alias.name}")
                    if f"{node.module}.{alias.name}" in MODULES:
                        module_aliases.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                module_aliases.update(alias.asname or alias.name for alias in node.names if alias.name in MODULES)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offences.append(f"{name}: {node.value.id}.{node.attr}")
    assert offences == []


def test_the_import_contracts_cover_the_whole_core() -> None:
    """`lint-imports` checks the contracts; this keeps their scope honest: the forbidden contract
    takes in every module (new ones too) and exempts only the CLI's own click and the entry point."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (forbidden,) = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert forbidden["source_modules"] == ["avlint.*"]
    assert set(forbidden["forbidden_modules"]) == {"click", "avlint.cli"}
    assert set(forbidden["ignore_imports"]) == {
        "avlint.cli -> click",
        "avlint.cli.** -> click",
        "avlint.__main__ -> avlint.cli",
    }
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    assert layers["layers"] == ["avlint.cli", "avlint.reporters", "avlint.engine", "avlint.checks", "avlint.loader"]


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if not n.startswith("avlint.cli") and n != "avlint.__main__")
)
def test_the_core_never_imports_click(name: str) -> None:
    """What `lint-imports` checks, kept in the test suite too (it runs where import-linter is not installed)."""
    tree = TREES[name]
    names = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    names |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "click" not in names
    assert not any(imported.startswith("avlint.cli") for imported in _imports(tree))


# --- state -----------------------------------------------------------------------------------------


def test_no_function_rebinds_a_module_global() -> None:
    """Run state travels in Settings and CheckContext; a `global` statement is how it would leak
    into a module (a `--spec` used to live in one). Caches are functools caches, not globals."""
    offences = [
        f"{name}:{node.lineno}: global {', '.join(node.names)}"
        for name, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Global) and name not in _KNOWN_GLOBALS
    ]
    assert offences == []


# The loader's one-entry memo of the last composed text (owned by the loader): a cache keyed by
# the whole text, so it cannot carry one run's options into another. A worker process's own
# stop flags (avlint.workers): set in the worker only, by its initialiser and its signal
# handler, which can reach nothing but module state.
_KNOWN_GLOBALS = {"avlint.loader.yaml_nodes", "avlint.workers"}


# --- the command line --------------------------------------------------------------------------------


def test_shared_options_are_the_same_option_on_every_command() -> None:
    """--config and --isolated are defined once (avlint.cli.options): same name, help and type
    on every command that reads a config file."""
    from avlint.cli import cli

    seen: dict[str, set[tuple[str, ...]]] = {}
    for name in ("lint", "fix", "payload", "migrate", "diff", "apply"):
        command = cli.commands[name]
        for param in command.params:
            if "--config" in param.opts or "--isolated" in param.opts:
                seen.setdefault(param.opts[0], set()).add((param.name or "", param.help or "", repr(param.type)))  # type: ignore[attr-defined]
    assert set(seen) == {"--config", "--isolated"}
    assert all(len(variants) == 1 for variants in seen.values()), seen


def test_colour_is_decided_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from avlint.terminal import colour_wanted

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_wanted()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted()
    offenders = [
        name
        for name, path in MODULES.items()
        if name != "avlint.terminal" and "NO_COLOR" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- records ---------------------------------------------------------------------------------------


def test_findings_compare_by_identity_and_copy_with_replace() -> None:
    from avlint.findings import Finding

    first = Finding("a.yaml", 3, 1, 3, 9, "AV301", "configure-without-stages", "error", "rejected", "m")
    with_fix = first.replace(fingerprint="abc", yaml_path=("entries", 0))
    later = first.replace(line=4)
    assert with_fix == first and hash(with_fix) == hash(first)  # derived data does not count
    assert with_fix.fingerprint == "abc" and first.fingerprint == ""
    assert first < later and later > first and first <= with_fix and sorted([later, first]) == [first, later]
    assert not isinstance(first, tuple)


def test_settings_are_immutable_and_copy_with_replace() -> None:
    import pickle

    from avlint.settings import Settings

    settings = Settings(jobs=2)
    with pytest.raises(AttributeError):
        settings.jobs = 3  # type: ignore[misc]
    changed = settings.replace(jobs=3)
    assert (settings.jobs, changed.jobs) == (2, 3) and changed.release == settings.release
    assert pickle.loads(pickle.dumps(changed)) == changed
    assert not isinstance(settings, tuple)


def test_only_the_lint_command_imports_avlint_run() -> None:
    """avlint.run is `avlint lint`; what every command shares (exit codes, UsageError, building
    Settings) lives in avlint.usage and avlint.settings_options, so no command reaches into
    another's module (the run <-> lint_steps cycle came from that)."""
    importers = sorted(name for name, tree in TREES.items() if "avlint.run" in _imports(tree))
    assert importers == ["avlint.__main__", "avlint.cli.lint_cmd"]
