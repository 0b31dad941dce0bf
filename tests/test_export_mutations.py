"""Fuzz: mutations of real exports and sample blueprints through lint, fix, payload and migrate.

Every authentik export in tests/data/exports/ and every good sample is mutated (bytes, lines,
indentation, keys, values, tags) and each mutant goes through the four commands that read and
write blueprints, on a copy in a temporary folder. Whatever the mutant:

- every command ends with exit status 0, 1 or 2, never a traceback;
- `fix` and `migrate` leave the file as it was or write one that loads (avlint's loader, which
  includes authentik's verdict), and never leave a temporary file behind;
- nothing is written outside the temporary folder (the working directory stays empty).

CI (CI=true) runs a fixed set of MUTATION_EXAMPLES examples; elsewhere every run explores new
ones. `AVLINT_FUZZ_EXAMPLES=20000 python -m pytest -q tests/test_export_mutations.py` runs longer.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avlint.cli import cli
from avlint.loader.problems import ContentProblem
from avlint.loader.yaml_nodes import compose
from avlint.resources import load_data
from tests.conftest import DATA, SAMPLES
from tests.test_property import MUTATION, mutate

MUTATION_EXAMPLES = 500  # in CI: five commands each, ~20 ms an example (most mutants stop early), ~10 s
EXAMPLES = int(os.environ.get("AVLINT_FUZZ_EXAMPLES", str(MUTATION_EXAMPLES)))
COMMAND_RUNS = 5  # lint, payload, migrate --diff, fix, migrate: each mutant goes through all
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=os.environ.get("CI") == "true",
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def sources() -> list[Path]:
    """The real exports and the good samples, found when the test runs."""
    files = sorted((DATA / "exports").glob("*.yaml"))
    return files + sorted(p for p in (SAMPLES / "good").iterdir() if p.suffix in (".yaml", ".yml", ".json"))


TAGS = sorted(load_data("tags.yaml"))
KEYS = ["model", "identifiers", "attrs", "id", "state", "conditions", "name", "slug", "version", "entries", "<<"]
VALUES = [
    "",
    "~",
    "0",
    "-1",
    "99999999999999999999",
    "2025-02-30",
    "[]",
    "{}",
    "[a, [b]]",
    "'\\ud800'",
    '"\\ud800"',
    "absent",
    "present",
    "created",
    "must_created",
    "authentik_flows.flow",
    "authentik_core.nonexistent",
    "*nowhere",
    "&a x",
    "=",
    "|",
]
_INDEX = st.integers(min_value=0, max_value=1 << 20)

# Mutations at the level a person editing a blueprint works: a key, a value, a tag.
EDIT = st.one_of(
    st.tuples(st.just("rename-key"), _INDEX, st.sampled_from(KEYS)),
    st.tuples(st.just("replace-value"), _INDEX, st.sampled_from(VALUES)),
    st.tuples(
        st.just("tag-value"), _INDEX, st.sampled_from(TAGS), st.sampled_from(["", "x", "[]", "[a, 1]", "{a: b}"])
    ),
)


def edit(text: str, operation: tuple) -> str:
    """Apply a key/value/tag edit to the `n`-th line holding `key: value` (counted cyclically)."""
    lines = text.splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    if not keyed:
        return text
    i = keyed[operation[1] % len(keyed)]
    line = lines[i]
    colon = line.index(":")
    key, rest = line[:colon], line[colon + 1 :]
    indent = key[: len(key) - len(key.lstrip(" -"))]
    ending = "\n" if line.endswith("\n") else ""
    if operation[0] == "rename-key":
        lines[i] = f"{indent}{operation[2]}:{rest}"
    elif operation[0] == "replace-value":
        lines[i] = f"{key}: {operation[2]}{ending}"
    else:
        value = rest.strip() or operation[3]
        lines[i] = f"{key}: {operation[2]} {value}{ending}"
    return "".join(lines)


def _loads(data: bytes) -> bool:
    try:
        compose(data.decode("utf-8"))
    except (ContentProblem, UnicodeDecodeError):
        return False
    return True


def _check(result: Result, command: str, mutant: bytes) -> None:
    where = f"{command} on:\n{mutant.decode('utf-8', 'replace')}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{where}\n{result.exception!r}\n{result.output}"
    )
    assert result.exit_code in (0, 1, 2), f"{where}\nexit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, f"{where}\n{result.output}"


def run_everything(name: str, mutant: bytes) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as root:
        folder, out, cwd = Path(root, "files"), Path(root, "out"), Path(root, "cwd")
        for made in (folder, out, cwd):
            made.mkdir()
        path = folder / name
        commands = {  # as many as COMMAND_RUNS
            "lint": ["lint", "--isolated", str(path)],
            "payload": ["payload", "--isolated", "--all-models", "--allow-unresolved", "--out", str(out), str(path)],
            "migrate --diff": ["migrate", "--isolated", "--to", "2026.5", "--diff", str(path)],
            "fix": ["fix", "--isolated", str(path)],
            "migrate": ["migrate", "--isolated", "--to", "2026.5", "--from", "2024.12", str(path)],
        }
        assert len(commands) == COMMAND_RUNS
        here = os.getcwd()
        os.chdir(cwd)
        try:
            for command, arguments in commands.items():
                path.write_bytes(mutant)
                _check(runner.invoke(cli, arguments, env={"AK_VAR": "value"}), command, mutant)
                after = path.read_bytes()
                if after != mutant:
                    assert command in ("fix", "migrate"), f"{command} changed the file"
                    assert _loads(after), f"{command} wrote a file that does not load:\n{after.decode()}"
                assert sorted(p.name for p in folder.iterdir()) == [name], f"{command} left files behind"
        finally:
            os.chdir(here)
        assert list(cwd.iterdir()) == [], "a command wrote into the working directory"
        for written in out.iterdir():  # payload writes only JSON bodies, only into --out
            assert written.suffix == ".json" and written.is_file(), written


@FUZZ
@given(
    source=st.sampled_from(sources()),
    damage=st.lists(MUTATION, max_size=3),
    edits=st.lists(EDIT, max_size=3),
)
def test_mutated_exports_never_crash_or_corrupt(source: Path, damage: list[tuple], edits: list[tuple]) -> None:
    text = source.read_bytes().decode("utf-8")
    for operation in edits:
        text = edit(text, operation)
    mutant = mutate(text.encode("utf-8", "surrogatepass"), damage)
    run_everything(source.name, mutant)


def test_the_sources_are_the_exports_and_the_good_samples() -> None:
    names = {path.name for path in sources()}
    assert len(names) >= 10
    assert {"default-authentication-flow.yaml", "stage-mfa-login.yaml", "stage-api-body.json"} <= names


def test_the_edits_touch_keys_values_and_tags() -> None:
    text = "version: 1\nentries:\n  - model: x\n    attrs:\n      name: a  # c\n"
    assert edit(text, ("rename-key", 4, "slug")) == text.replace("name: a", "slug: a")
    assert edit(text, ("replace-value", 4, "~")).endswith("      name: ~\n")
    assert edit(text, ("tag-value", 4, "!Env", "x")).endswith("      name: !Env a  # c\n")
    assert edit(text, ("tag-value", 3, "!KeyOf", "[]")).splitlines()[3] == "    attrs: !KeyOf []"


def test_an_unchanged_export_passes_through_every_command() -> None:
    for source in sources():
        run_everything(source.name, source.read_bytes())
