"""Write a changed embedded blueprint back into its ConfigMap or Secret value.

Only the value's own text changes; every other byte of the file stays as it was:
- a literal block scalar (`|`): only the lines that changed are rewritten, each indented to the
  block's indentation; unchanged lines keep their bytes, the header and the lines after stay;
- a double-quoted string: rewritten as one double-quoted string, escaped;
- a single-quoted string without line breaks: rewritten single-quoted;
- a Secret's base64 `data` on one line: re-encoded in place.
Anything else (a folded `>` block, a plain or multi-line single-quoted scalar, base64 spread
over lines, a change of the final line breaks) is refused with the reason: never a wrong write.
`verify` then re-reads the whole file and checks that each value decodes to the new text.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from avlint.embedded.blueprints import blueprint_values
from avlint.embedded.carriers import EmbeddedValue, embedded_values
from avlint.embedded.positions import LINE_BREAK as _LINE_BREAK
from avlint.embedded.scalar import block_indent, value_offsets
from avlint.fix.edits import Edit, apply_edits


class WriteBackRefused(Exception):
    """The new text cannot be written into this value exactly."""


def write_back(outer: str, value: EmbeddedValue, new: str) -> Edit:
    node = value.node
    start, end = node.start_mark.index, node.end_mark.index
    if value.base64:
        return _base64(outer, value, new)
    if node.style == "|":
        return _literal(outer, value, new)
    if node.style == '"':
        return Edit(start, end, double_quoted(new))
    if node.style == "'" and "\n" not in new and new.isprintable():
        return Edit(start, end, "'" + new.replace("'", "''") + "'")
    style = {">": "a folded block scalar (>)", "'": "a multi-line single-quoted string"}.get(
        node.style or "", "a plain scalar"
    )
    raise WriteBackRefused(f"the value is {style}, which avlint does not rewrite; write it as a literal block (|)")


def double_quoted(text: str) -> str:
    """`text` as one YAML double-quoted scalar."""
    special = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in text:
        if char in special:
            out.append(special[char])
        elif not char.isprintable() or char in "\x85\u2028\u2029\ufeff":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _base64(outer: str, value: EmbeddedValue, new: str) -> Edit:
    import base64

    node = value.node
    if node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        raise WriteBackRefused("the base64 value spans several lines; avlint only re-encodes a one-line value")
    encoded = base64.b64encode(new.encode("utf-8")).decode("ascii")
    quote = 1 if node.style in ('"', "'") else 0
    return Edit(node.start_mark.index + quote, node.end_mark.index - quote, encoded)


def _literal(outer: str, value: EmbeddedValue, new: str) -> Edit:
    old = value.text or ""
    old_core, new_core = old.rstrip("\n"), new.rstrip("\n")
    if len(old) - len(old_core) != len(new) - len(new_core):
        raise WriteBackRefused("the change would alter the final line breaks of the block")
    offsets = value_offsets(outer, value.node, value.parent_indent)
    indent = block_indent(outer, value.node, value.parent_indent)
    if offsets is None or indent is None or not old_core or not new_core:
        raise WriteBackRefused("the block scalar could not be read back exactly, or would be left empty")
    header = outer[value.node.start_mark.index + 1 : value.node.start_mark.index + 3]
    first = next((line for line in new_core.split("\n") if line), "")
    if not any(char.isdigit() for char in header) and first[:1] in (" ", "\t"):
        raise WriteBackRefused(
            "the new text starts with an indented line, which a block scalar without an indentation "
            "indicator (|2) cannot hold"
        )
    start = outer.rfind("\n", 0, offsets[0]) + 1
    end = offsets[len(old_core) - 1] + 1
    source_lines = _LINE_BREAK.split(outer[start:end])
    old_lines, new_lines = old_core.split("\n"), new_core.split("\n")
    if len(source_lines) != len(old_lines):
        raise WriteBackRefused("the block scalar's lines could not be matched")
    newline = "\r\n" if "\r\n" in outer[start:end] else "\n"
    lines: list[str] = []
    for tag, old_from, old_to, new_from, new_to in difflib.SequenceMatcher(
        None, old_lines, new_lines, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            lines.extend(source_lines[old_from:old_to])
        else:
            lines.extend(" " * indent + line if line else "" for line in new_lines[new_from:new_to])
    return Edit(start, end, newline.join(lines))


def verify(outer: str, before: list[EmbeddedValue], expected: dict[int, str]) -> str | None:
    """Why the rewritten file is wrong: None when it holds the same values, those in `expected`
    (by position) with their new text and every other one as it was."""
    after = embedded_values(outer)
    if after is None or [(v.owner, v.key) for v in after] != [(v.owner, v.key) for v in before]:
        changed = ", ".join(before[index].label for index in sorted(expected))
        return f"the new text of {changed} would not read back exactly (the file's structure would change)"
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if new.text != expected.get(index, old.text):
            return f"{old.label} would not read back as intended"
    return None


def rewrite_blueprints(outer: str, change: Callable[[EmbeddedValue, str], str]) -> str | None:
    """`outer` with each embedded blueprint replaced by `change(value, text)`; None when the file
    holds no ConfigMap or Secret. WriteBackRefused (naming the object and key) when a new text
    cannot be written into its value exactly, or when the result does not read back as intended:
    then nothing is to be written."""
    values = embedded_values(outer)
    if values is None:
        return None
    edits: list[Edit] = []
    expected: dict[int, str] = {}
    for index, value, inner in blueprint_values(values):
        new = change(value, inner)
        if new == inner:
            continue
        if any(other.node is value.node for other in values if other is not value):
            raise WriteBackRefused(
                f"{value.label}: the value is shared with another key through a YAML alias (*name); "
                "avlint does not rewrite a shared value"
            )
        try:
            edits.append(write_back(outer, value, new))
        except WriteBackRefused as refusal:
            raise WriteBackRefused(f"{value.label}: {refusal}") from None
        expected[index] = new
    rewritten = apply_edits(outer, edits)
    problem = verify(rewritten, values, expected)
    if problem is not None:
        raise WriteBackRefused(f"{problem}; nothing written")
    return rewritten
