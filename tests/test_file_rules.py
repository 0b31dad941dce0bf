"""The rules about the file's bytes (AV004 encoding, AV005 byte-order mark, AV006 input limits).

Case files hold text, so they cannot carry a Latin-1 byte or a UTF-8 byte-order mark as it
sits on disk; these tests lint raw bytes (and, for the size limit, a real file) and check the
exact rule and 1-based position.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from avlint.engine import lint_bytes, lint_file
from avlint.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"

BLUEPRINT = """\
version: 1
metadata:
  name: MFA login
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers:
      name: mfa
    attrs:
      not_configured_action: skip
"""


def found(data: bytes, path: str = "blueprint.yaml", settings: Settings | None = None) -> list[tuple[str, int, int]]:
    result = lint_bytes(path, data, settings or Settings())
    return [(f.rule, f.line, f.column) for f in result.findings]


def found_in_file(path: Path, settings: Settings | None = None) -> list[tuple[str, int, int]]:
    result = lint_file(str(path), settings or Settings())
    return [(f.rule, f.line, f.column) for f in result.findings]


# --- AV004 invalid-encoding ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "position"),
    [
        # "René" saved as Latin-1: 0xe9 on line 3, after "  name: Ren".
        (BLUEPRINT.replace("MFA login", "René").encode("latin-1"), (3, 12)),
        # cp1252 curly quotes from a word processor.
        (BLUEPRINT.replace("MFA login", "\u201cMFA\u201d login").encode("cp1252"), (3, 9)),
        # Multi-byte UTF-8 before the bad byte counts as one column per character.
        ("version: 1\n# naïve – \xff\nentries: []\n".encode().replace("\xff".encode(), b"\xff"), (2, 11)),
        # A truncated multi-byte sequence at the very end of the file.
        (b"version: 1\nentries: []\n# caf\xc3", (3, 6)),
    ],
    ids=["latin1", "cp1252", "after-multibyte", "truncated-at-eof"],
)
def test_bytes_that_are_not_utf8(data: bytes, position: tuple[int, int]) -> None:
    assert found(data) == [("AV004", *position)]


def test_nul_byte_is_reported_where_it_is() -> None:
    data = BLUEPRINT.encode("utf-8").replace(b"skip", b"sk\x00ip")
    assert found(data) == [("AV004", 9, 32)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark(encoding: str) -> None:
    assert found(BLUEPRINT.encode(encoding)) == [("AV004", 1, 1)]


def test_utf16_without_a_byte_order_mark_is_binary() -> None:
    # "v\x00e\x00r\x00...": the first NUL byte is the second byte of the file.
    assert found(BLUEPRINT.encode("utf-16-le")) == [("AV004", 1, 2)]


def test_invalid_utf8_after_a_byte_order_mark() -> None:
    # The mark is removed before positions are counted: "# caf" is 5 columns.
    assert found(codecs.BOM_UTF8 + b"version: 1\n# caf\xe9\n") == [("AV004", 2, 6)]


def test_json_body_in_latin1() -> None:
    data = '{"name": "validación-mfa", "not_configured_action": "deny"}\n'.encode("latin-1")
    assert found(data, "body.json") == [("AV004", 1, 19)]


def test_latin1_sample_file() -> None:
    assert found_in_file(SAMPLES / "bad" / "bp-latin1-api-body.json") == [("AV004", 2, 20)]


def test_utf8_with_non_ascii_text_is_fine() -> None:
    data = BLUEPRINT.replace("MFA login", "Grüße – MFA für Zürich 😀").encode("utf-8")
    assert found(data) == []


# --- AV005 byte-order-mark -----------------------------------------------------


def test_byte_order_mark_before_a_blueprint() -> None:
    assert found(codecs.BOM_UTF8 + BLUEPRINT.encode("utf-8")) == [("AV005", 1, 1)]


def test_byte_order_mark_before_a_json_body() -> None:
    data = codecs.BOM_UTF8 + b'{"name": "mfa", "not_configured_action": "skip"}\n'
    assert found(data, "body.json") == [("AV005", 1, 1)]


def test_byte_order_mark_does_not_shift_positions() -> None:
    data = codecs.BOM_UTF8 + BLUEPRINT.replace("skip", "Skip").encode("utf-8")
    assert found(data) == [("AV005", 1, 1), ("AV202", 9, 30)]


def test_byte_order_mark_alone_is_also_an_empty_file() -> None:
    assert found(codecs.BOM_UTF8) == [("AV005", 1, 1), ("AV007", 1, 1)]


def test_byte_order_mark_on_a_file_that_is_not_a_blueprint() -> None:
    result = lint_bytes("compose.yaml", codecs.BOM_UTF8 + b"services:\n  server: {}\n", Settings())
    assert result.skipped is not None
    assert result.findings == []


def test_byte_order_mark_can_be_suppressed_for_the_file() -> None:
    data = codecs.BOM_UTF8 + b"# avlint: disable-file=byte-order-mark\n" + BLUEPRINT.encode("utf-8")
    assert found(data) == []


def test_byte_order_mark_sample_file() -> None:
    assert found_in_file(SAMPLES / "bad" / "bp-byte-order-mark.yaml") == [("AV005", 1, 1)]


def test_no_byte_order_mark() -> None:
    assert found(BLUEPRINT.encode("utf-8")) == []


# --- AV006 input-limit ---------------------------------------------------------

ALIAS_BOMB = b"""\
version: 1
context:
  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
entries: []
"""


def test_alias_bomb() -> None:
    # f is the first collection whose expansion passes 100,000 nodes (9**6 strings).
    assert found(ALIAS_BOMB) == [("AV006", 8, 6)]


def test_alias_bomb_sample_file() -> None:
    assert found_in_file(SAMPLES / "bad" / "bp-alias-bomb.yaml") == [("AV006", 15, 9)]


def test_recursive_alias() -> None:
    assert found(b"version: 1\ncontext:\n  loop: &loop [totp, *loop]\n") == [("AV006", 3, 9)]


def test_nesting_deeper_than_500_levels_in_yaml() -> None:
    # The top-level mapping is level 1, so the 500th "[" opens level 501.
    data = b"version: 1\ncontext:\n  x: " + b"[" * 600 + b"]" * 600 + b"\n"
    assert found(data) == [("AV006", 3, 504)]


def test_nesting_deeper_than_500_levels_in_json() -> None:
    data = b'{"name": "mfa", "device_classes": ' + b"[" * 600 + b"]" * 600 + b"}"
    assert found(data, "body.json") == [("AV006", 1, 534)]


def test_nesting_of_exactly_500_levels_is_accepted() -> None:
    # Level 1 is the top-level mapping, then 499 sequences.
    data = b"x: " + b"[" * 499 + b"]" * 499 + b"\n"
    result = lint_bytes("deep.yaml", data, Settings())
    assert [f.rule for f in result.findings if f.rule == "AV006"] == []


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_bytes(BLUEPRINT.encode("utf-8"))
    size = path.stat().st_size
    assert found_in_file(path, Settings(max_file_size=size - 1)) == [("AV006", 1, 1)]


def test_file_at_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "exact.yaml"
    path.write_bytes(BLUEPRINT.encode("utf-8"))
    assert found_in_file(path, Settings(max_file_size=path.stat().st_size)) == []


def test_ordinary_anchors_are_fine() -> None:
    data = b"""\
version: 1
context:
  classes: &classes [totp, webauthn]
entries:
  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage
    identifiers: {name: mfa}
    attrs:
      device_classes: *classes
      not_configured_action: skip
"""
    assert found(data) == []
