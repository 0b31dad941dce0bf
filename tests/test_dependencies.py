"""The dependency floors CI tests are the ones pyproject.toml declares, and CI runs the README's
test command: a floor raised or lowered in one place and not the other fails here."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOWEST = ROOT / ".ci" / "lowest-versions.txt"
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
_FLOOR = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9A-Za-z.]*)$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def declared_floors() -> dict[str, str]:
    """name -> floor of every runtime, test and build dependency; each must have exactly one floor."""
    requirements = (
        PYPROJECT["project"]["dependencies"]
        + PYPROJECT["project"]["optional-dependencies"]["test"]
        + PYPROJECT["build-system"]["requires"]
    )
    floors: dict[str, str] = {}
    for requirement in requirements:
        match = _FLOOR.match(requirement.strip())
        assert match, f"{requirement!r}: declare a dependency as NAME>=FLOOR, so CI can test the floor"
        name, floor = _name(match.group(1)), match.group(2)
        assert floors.setdefault(name, floor) == floor, f"{name} has two floors: {floors[name]} and {floor}"
    return floors


def pinned_lowest() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOWEST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{LOWEST.name}: {line!r} is not NAME==VERSION"
        assert _name(name) not in pins, f"{LOWEST.name}: {name} twice"
        pins[_name(name)] = version.strip()
    return pins


def test_the_lowest_versions_ci_installs_are_the_declared_floors() -> None:
    assert pinned_lowest() == declared_floors()


def test_every_dependency_is_covered_and_the_runtime_ones_say_why() -> None:
    floors = declared_floors()
    assert {"click", "pyyaml", "ruamel-yaml", "httpx", "deepdiff", "pydantic", "pytest", "hypothesis"} <= set(floors)
    # Each runtime dependency has a comment line right above it saying what it serves.
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("dependencies = [") : text.index("]", text.index("dependencies = ["))]
    lines = block.splitlines()
    for number, line in enumerate(lines):
        if line.strip().startswith('"'):
            assert lines[number - 1].strip().startswith("#"), f"{line.strip()} has no reason above it"


def test_the_linters_are_pinned() -> None:
    lint = PYPROJECT["project"]["optional-dependencies"]["lint"]
    names = {_name(re.split(r"[=<>!~]", item)[0]) for item in lint}
    assert {"ruff", "mypy", "import-linter"} <= names
    assert all("==" in item for item in lint), lint


def test_ci_runs_the_readme_test_command_the_floors_and_the_linters() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = 'pip install ".[test]" && python -m pytest'
    assert command in readme
    assert "\n" + command + "\n" in CI  # the first job runs exactly the README's command
    assert "set -euo pipefail" in CI  # any failure, pytest's exit 5 (no tests) included, fails CI
    assert "lowest-versions.txt" in CI
    for tool in ("ruff check .", "ruff format --check .", "mypy", "lint-imports"):
        assert tool in CI, tool
    # Each step's position: the README command first, then the floors, then the linters.
    assert CI.index(command) < CI.index('lowest-versions.txt"') < CI.index("ruff check .")
