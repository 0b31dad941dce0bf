"""avlint.roundtrip, the writer behind `avlint pull`: authentik's export layout (what PyYAML's
SafeDumper writes, keys sorted), plus tags and comments, and ruamel.yaml kept off every other path.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from avlint.roundtrip import Noted, Tagged, dump_export

ROOT = Path(__file__).resolve().parent.parent
EXPORTS_DIR = Path(__file__).resolve().parent / "data" / "exports"


def pyyaml_export(data: object) -> str:
    """What authentik's BlueprintDumper (a SafeDumper, sort_keys left on) writes, with the
    non-ASCII text a pulled file keeps readable."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=True, default_flow_style=False)


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_multi_constructor(
    "!",
    lambda loader, tag, node: (
        ("!" + tag, loader.construct_scalar(node))
        if isinstance(node, yaml.ScalarNode)
        else ("!" + tag, loader.construct_sequence(node, deep=True))
    ),
)


def load(text: str) -> object:
    return yaml.load(text, Loader=_TagLoader)


# -- authentik's layout ---------------------------------------------------------------------------
def test_the_four_authentik_exports_are_present() -> None:
    assert sorted(p.name for p in EXPORTS_DIR.glob("*.yaml")) == [
        "default-authentication-flow.yaml",
        "default-authenticator-totp-setup.yaml",
        "default-source-enrollment.yaml",
        "default-user-settings-flow.yaml",
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS_DIR.glob("*.yaml")))
def test_real_exports_are_reproduced_byte_for_byte(name: str) -> None:
    """Real 2025.12.4 exports (folded expressions, quoted 'true', empty lists and maps): read
    with PyYAML and written again, each comes back exactly as authentik wrote it."""
    text = (EXPORTS_DIR / name).read_bytes().decode("utf-8")
    assert dump_export(yaml.safe_load(text)) == text


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=100)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4), max_leaves=20
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=5))
def test_any_data_is_written_as_pyyaml_writes_it(data: dict) -> None:
    assert dump_export(data) == pyyaml_export(data)


@pytest.mark.parametrize("text", ["yes", "No", "on", "OFF", "y", "12:30", "0x1F", "1_000", "~", "null", "", "0777"])
def test_texts_yaml_1_1_would_read_otherwise_are_quoted(text: str) -> None:
    """authentik reads blueprints with PyYAML (YAML 1.1): a stage named `yes` written plain
    would come back as a boolean. ruamel's YAML 1.2 rules alone would leave several plain."""
    written = dump_export({"name": text})
    assert yaml.safe_load(written) == {"name": text}
    assert written == pyyaml_export({"name": text})


def test_long_text_is_folded_at_80_columns_as_authentik_does() -> None:
    data = {
        "attrs": {
            "expression": "word " * 40,
            "title": 'say "hello" ' * 12,
            "bell": "ring \a " * 30,  # double quotes, with escapes
            "plain": "x" * 120,
        }
    }
    written = dump_export(data)
    assert written == pyyaml_export(data)
    # Folded just past the width, as PyYAML folds; a single long word cannot be folded.
    folded = [line for line in written.splitlines() if "x" * 120 not in line]
    assert len(folded) > 8 and max(len(line) for line in folded) <= 90


# -- what an export never holds: tags and comments --------------------------------------------------
def test_tags_are_written_as_blueprints_spell_them() -> None:
    data = {
        "target": Tagged("!KeyOf", "default-authentication-flow"),
        "stage": Tagged("!Find", ["authentik_stages_password.passwordstage", ["name", "default-password"]]),
        "odd": Tagged("!KeyOf", "yes: no"),
        "empty": Tagged("!KeyOf", ""),
    }
    written = dump_export(data)
    assert written.splitlines() == [
        "empty: !KeyOf ''",
        "odd: !KeyOf 'yes: no'",
        "stage: !Find [authentik_stages_password.passwordstage, [name, default-password]]",
        "target: !KeyOf default-authentication-flow",
    ]
    assert load(written) == {
        "target": ("!KeyOf", "default-authentication-flow"),
        "stage": ("!Find", ["authentik_stages_password.passwordstage", ["name", "default-password"]]),
        "odd": ("!KeyOf", "yes: no"),
        "empty": ("!KeyOf", ""),
    }


def test_a_noted_value_carries_its_comment_on_its_key_line() -> None:
    data = {"entries": [{"model": "m", "identifiers": Noted({"name": "a", "order": 1}, "pk 1234")}]}
    written = dump_export(data)
    assert written.splitlines() == [
        "entries:",
        "- identifiers:  # pk 1234",
        "    name: a",
        "    order: 1",
        "  model: m",
    ]
    assert yaml.safe_load(written) == {"entries": [{"model": "m", "identifiers": {"name": "a", "order": 1}}]}


def test_header_lines_are_comments_at_the_top() -> None:
    written = dump_export({"version": 1}, ["Pulled from https://auth.example.com", "second line"])
    assert written == "# Pulled from https://auth.example.com\n# second line\nversion: 1\n"


@pytest.mark.parametrize("sneaky", ["2025.12\nentries: []", "x\r\nversion: 2", "a\x85b", "a\u2028b", "a\x00b"])
def test_comment_text_cannot_break_out_of_its_comment(sneaky: str) -> None:
    """A version or pk comes from the server: a line break in it must not start YAML."""
    data = {"identifiers": Noted({"name": "a"}, f"pk {sneaky}"), "version": 1}
    written = dump_export(data, [f"authentik {sneaky}"])
    assert yaml.safe_load(written) == {"identifiers": {"name": "a"}, "version": 1}
    assert len(written.splitlines()) == 4


# -- kept off the other paths ---------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_ruamel_is_imported_by_the_writer_alone_and_the_writer_by_pull_alone() -> None:
    modules = {path.relative_to(ROOT).as_posix(): _imports(path) for path in (ROOT / "avlint").rglob("*.py")}
    assert {m for m, names in modules.items() if any(n.split(".")[0] == "ruamel" for n in names)} == {
        "avlint/roundtrip.py"
    }
    assert {m for m, names in modules.items() if "avlint.roundtrip" in names} == {"avlint/live/pull.py"}


def test_linting_a_file_does_not_load_ruamel(tmp_path: Path) -> None:
    blueprint = tmp_path / "mfa.yaml"
    blueprint.write_text("version: 1\nentries: []\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from avlint.__main__ import main\n"
        f"sys.argv = ['avlint', 'lint', '--isolated', {str(blueprint)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith(('ruamel', 'avlint.roundtrip'))])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
