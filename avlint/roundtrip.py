"""Comment-preserving round-trip loading and dumping of blueprint YAML.

avlint rewrites blueprints (fixes, migrations) with ruamel.yaml's round-trip
mode, so that a file it did not change comes back byte for byte and a file it
changed differs only where it was changed. The lint path does not use this
module: it parses with PyYAML, which is much faster.

What ruamel keeps by itself: comments, key order, quoting style (with
``preserve_quotes``), flow/block style, anchors, block scalars, empty ``[]``
and ``{}``, and tags. authentik's 14 tags (``!KeyOf``, ``!Find``, ...) and any
unknown tag load as ruamel's tagged objects: a tagged scalar is a
``TaggedScalar`` whose ``.value`` is the text, a tagged sequence or mapping is
a ``CommentedSeq``/``CommentedMap``; :func:`tag_of` reads the tag name.

What this module adds, because ruamel alone gets it wrong:

* indentation is detected from the file (mapping indent, sequence indent and
  dash offset), e.g. authentik's exports use ``entries:\\n- attrs:`` while
  hand-written files use ``entries:\\n  - attrs:``;
* the line width: PyYAML (which writes authentik's exports) folds long
  scalars at 80 columns, so a file with folded scalars is dumped at width 80
  and any other file at an unlimited width, so that long lines stay long;
* long double-quoted strings are folded the way PyYAML folds them (a
  trailing ``\\`` and a ``\\ `` continuation), not ruamel's way;
* ``~``, ``null``, ``Null``, ``True``, ``FALSE``... keep their spelling
  (ruamel writes every null as an empty value and every bool as true/false);
* a byte order mark; comments, blank lines and directives before an
  explicit ``---``; an explicit ``...``; a missing final newline; CRLF line
  endings.

Constructs that do NOT round-trip byte for byte; :func:`roundtrips_exactly`
tells a caller to refuse rewriting such a file:

* spacing inside flow collections (``[ a, b ]`` becomes ``[a, b]``), and
  comments inside a flow collection, which ruamel drops;
* extra spaces after a colon (``key:   value``), trailing whitespace, and a
  comment on the ``---`` line;
* indentation that varies within a file (ruamel has one setting for all);
* in a file whose dashes are indented (``key:\\n  - item``), a block sequence
  that is itself an item of a block sequence (``- - a``, or ``- !Env`` with
  its items on the lines below): ruamel indents the inner dashes by the
  offset again (files with authentik's ``- `` at offset 0 are fine);
* flow scalars folded over lines other than the way PyYAML folds at width 80
  (a hand-wrapped plain or single-quoted scalar), and escapes spelt otherwise
  than PyYAML spells them (``\\u00e9`` comes back as ``\\xE9`` in an ASCII
  file and as ``é`` in any other);
* spellings ruamel normalises: ``+1``, explicit core tags (``!!int '3'``),
  complex keys (``? key``);
* files mixing CRLF and LF line endings.

A file with duplicate keys or more than one document does not load at all: a
:class:`RoundTripError`.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.representer import RoundTripRepresenter

__all__ = [
    "PYYAML_WIDTH",
    "UNFOLDED_WIDTH",
    "Layout",
    "RoundTripDocument",
    "RoundTripError",
    "dump_roundtrip",
    "load_roundtrip",
    "roundtrips_exactly",
    "tag_of",
]

PYYAML_WIDTH = 80  # PyYAML's default best_width, used by authentik's exports
UNFOLDED_WIDTH = 1 << 30  # "never fold"

_LINE_BREAKS = "\n\x85\u2028\u2029"

# Resolved tags whose spelling ruamel normalises on output.
_RESPELLED_TAGS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool")

# Position of a scalar as ruamel's ``.lc`` records it: 0-based (line, column).
Position = tuple[int, int]


class RoundTripError(Exception):
    """A file ruamel cannot load, with a 1-based line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class Layout:
    """The text-level settings needed to write a document back identically."""

    mapping_indent: int = 2
    sequence_indent: int = 2
    sequence_offset: int = 0
    width: int = UNFOLDED_WIDTH
    allow_unicode: bool = True
    explicit_start: bool = False
    explicit_end: bool = False
    preamble: str = ""  # text ruamel drops: a BOM, and what precedes `---`
    final_newline: bool = True
    line_break: str = "\n"


@dataclass
class RoundTripDocument:
    """ruamel round-trip data plus what is needed to dump it identically."""

    data: Any
    layout: Layout = field(default_factory=Layout)
    # Original spelling of null and bool scalars, by position, with the value
    # it was read as: re-spelt only while the value is unchanged.
    spellings: dict[Position, tuple[str, Any]] = field(default_factory=dict)


def tag_of(value: Any) -> str | None:
    """The tag of a loaded value (e.g. ``"!KeyOf"``), or None if it has none."""
    name = getattr(getattr(value, "tag", None), "value", None)
    return name if isinstance(name, str) else None


def load_roundtrip(text: str) -> RoundTripDocument:
    """Load *text* in round-trip mode; raise :class:`RoundTripError` if it is not YAML."""
    body, line_break = _split_line_breaks(text)
    yaml = _make_yaml()
    try:
        data = yaml.load(body)
    except YAMLError as exc:
        raise _error_from(exc, body) from None
    if data is None:  # empty, comments only, or just `~`: nothing to dump
        return RoundTripDocument(None, Layout(preamble=body, line_break=line_break))
    survey = _Survey()
    survey.walk(yaml.constructor.root_node)
    preamble, explicit_start = _document_start(body)
    layout = Layout(
        **survey.indents(),
        width=PYYAML_WIDTH if survey.folded else UNFOLDED_WIDTH,
        # An ASCII-only file spells non-ASCII characters as escapes.
        allow_unicode=not body.isascii(),
        explicit_start=explicit_start,
        explicit_end=_has_explicit_end(body),
        preamble=preamble,
        final_newline=body.endswith("\n"),
        line_break=line_break,
    )
    return RoundTripDocument(data, layout, survey.spellings)


def dump_roundtrip(doc: RoundTripDocument) -> str:
    """Write *doc* back as text, in the layout it was read with."""
    layout = doc.layout
    text = layout.preamble
    if doc.data is not None:
        yaml = _make_yaml(layout)
        yaml.representer.spellings = doc.spellings
        stream = io.StringIO()
        yaml.dump(doc.data, stream)
        text += stream.getvalue()
    if not layout.final_newline and text.endswith("\n"):
        text = text[:-1]
    if layout.line_break != "\n":
        text = text.replace("\n", layout.line_break)
    return text


def roundtrips_exactly(text: str) -> bool:
    """True if dumping the loaded *text* gives *text* back byte for byte."""
    try:
        return dump_roundtrip(load_roundtrip(text)) == text
    except RoundTripError:
        return False


# --- ruamel configuration -------------------------------------------------


class _Constructor(RoundTripConstructor):
    """Keeps the root node (for the survey) and reports unhashable keys as YAML errors."""

    root_node: Node | None = None

    def construct_document(self, node: Node) -> Any:
        self.root_node = node
        return super().construct_document(node)

    def construct_mapping(self, node: Any, maptyp: Any, deep: bool = False) -> Any:
        try:
            return super().construct_mapping(node, maptyp, deep=deep)
        except TypeError as exc:  # a key such as `? [{a: 1}]` cannot be hashed
            raise ConstructorError(None, None, f"unhashable key ({exc})", node.start_mark) from None


class _Representer(RoundTripRepresenter):
    """Writes null and bool scalars with their original spelling."""

    spellings: ClassVar[dict[Position, tuple[str, Any]]] = {}  # set by dump_roundtrip

    def represent_mapping(self, tag: Any, mapping: Any, flow_style: Any = None) -> MappingNode:
        node = super().represent_mapping(tag, mapping, flow_style)
        positions = getattr(getattr(mapping, "lc", None), "data", None) or {}
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key, str) and key in positions and key in mapping:
                line, column = positions[key][2:4]  # [key line, key col, value line, value col]
                self._respell(value_node, mapping[key], (line, column))
        return node

    def represent_sequence(self, tag: Any, sequence: Any, flow_style: Any = None) -> SequenceNode:
        node = super().represent_sequence(tag, sequence, flow_style)
        positions = getattr(getattr(sequence, "lc", None), "data", None) or {}
        for index, (item, item_node) in enumerate(zip(sequence, node.value, strict=False)):
            if index in positions:
                self._respell(item_node, item, tuple(positions[index][:2]))
        return node

    def _respell(self, node: Node, value: Any, position: Position) -> None:
        spelling = self.spellings.get(position)
        # `type() is` keeps True from matching a recorded 1 and vice versa.
        if spelling and isinstance(node, ScalarNode) and type(value) is type(spelling[1]):
            if value == spelling[1]:
                node.value = spelling[0]


class _Emitter(RoundTripEmitter):
    """Folds long flow scalars the way PyYAML (so authentik's exports) does."""

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        # PyYAML ends a folded line with `\` and escapes a space starting the
        # next line as `\ `; ruamel often folds at a bare line break instead.
        if self.root_context:  # a document that is one scalar: ruamel's own handling
            super().write_double_quoted(text, split)
            return
        self.write_indicator('"', True)
        run = 0  # start of the pending run of characters written as they are
        for pos, char in enumerate(text):
            escape = self._escape(char)
            if escape is not None:
                self._write_raw(text[run:pos] + escape)
                run = pos + 1
            # Fold at a space, or right after an escape, once past the width;
            # never at the first or the last character.
            can_fold = char == " " or run >= pos
            too_wide = self.column + (pos - run) > self.best_width
            if split and 0 < pos < len(text) - 1 and can_fold and too_wide:
                self._write_raw(text[run:pos] + "\\")
                run = max(run, pos)
                self.write_indent()
                self.whitespace = self.indention = False
                if text[run] == " ":  # a leading space would be folded away
                    self._write_raw("\\")
        self._write_raw(text[run:])
        self.write_indicator('"', False)

    def write_plain(self, text: Any, split: Any = True) -> None:
        # PyYAML folds a plain scalar only at a single space past the width;
        # ruamel also moves a long word to a line of its own, and folds at
        # the width itself rather than past it.
        if self.root_context or not text or any(c in _LINE_BREAKS for c in text):
            super().write_plain(text, split)
            return
        if not self.whitespace:
            self._write_raw(" ")
        self.whitespace = self.indention = False
        for token in re.split("( +)", text):  # words and runs of spaces
            if token == " " and split and self.column > self.best_width:
                self.write_indent()
                self.whitespace = self.indention = False
            else:
                self._write_raw(token)

    def _escape(self, char: str) -> str | None:
        """The escape for *char* in a double-quoted scalar, None to write it as is."""
        printable = "\x20" <= char <= "\x7e" or (
            self.allow_unicode and ("\xa0" <= char <= "\ud7ff" or "\ue000" <= char <= "\ufffd" or char >= "\U00010000")
        )
        if printable and char not in '"\\\x85\u2028\u2029\ufeff':
            return None
        if char in self.ESCAPE_REPLACEMENTS:
            return "\\" + self.ESCAPE_REPLACEMENTS[char]
        code = ord(char)
        if code <= 0xFF:
            return f"\\x{code:02X}"
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"

    def _write_raw(self, data: str) -> None:
        self.column += len(data)
        self.stream.write(data.encode(self.encoding) if self.encoding else data)


def _make_yaml(layout: Layout | None = None) -> YAML:
    """A fresh round-trip YAML instance (ruamel instances keep state)."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.Emitter = _Emitter
    yaml.preserve_quotes = True
    if layout is not None:
        yaml.indent(
            mapping=layout.mapping_indent,
            sequence=layout.sequence_indent,
            offset=layout.sequence_offset,
        )
        yaml.width = layout.width
        yaml.allow_unicode = layout.allow_unicode
        yaml.explicit_start = layout.explicit_start
        yaml.explicit_end = layout.explicit_end
    return yaml


# --- what the nodes tell about the file -------------------------------------


class _Survey:
    """One walk over the composed nodes: indentation, folding, spellings."""

    def __init__(self) -> None:
        self.mapping = Counter[int]()
        self.sequence = Counter[tuple[int, int]]()  # (indent, dash offset)
        self.folded = False
        self.spellings: dict[Position, tuple[str, Any]] = {}

    def walk(self, root: Node) -> None:
        stack, seen = [root], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:  # an alias: already visited
                continue
            seen.add(id(node))
            # A flow node over several lines was folded by an emitter's width.
            if node.end_mark.line > node.start_mark.line and _is_flow(node):
                self.folded = True
            if isinstance(node, ScalarNode):
                self._spelling(node)
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    self._indent(key, value)
                    stack += (key, value)
            elif isinstance(node, SequenceNode):
                stack += node.value

    def indents(self) -> dict[str, int]:
        """The most common indentation seen, with ruamel's defaults if none."""
        mapping = self.mapping.most_common(1)[0][0] if self.mapping else 2
        sequence, offset = self.sequence.most_common(1)[0][0] if self.sequence else (2, 0)
        return {"mapping_indent": mapping, "sequence_indent": sequence, "sequence_offset": offset}

    def _indent(self, key: Node, value: Node) -> None:
        """Count the indent of a block collection that starts below its key."""
        if _is_flow(value) or value.start_mark.line <= key.start_mark.line:
            return
        column = key.start_mark.column
        if isinstance(value, MappingNode) and value.start_mark.column > column:
            self.mapping[value.start_mark.column - column] += 1
        elif isinstance(value, SequenceNode) and value.value:
            dash, first = value.start_mark, value.value[0].start_mark
            if first.line == dash.line and dash.column >= column:
                self.sequence[(first.column - column, dash.column - column)] += 1

    def _spelling(self, node: ScalarNode) -> None:
        # Only spellings ruamel would change: an empty null and true/false stay.
        if node.tag in _RESPELLED_TAGS and node.value not in ("", "true", "false"):
            value = None if node.tag.endswith("null") else node.value.lower() == "true"
            self.spellings[(node.start_mark.line, node.start_mark.column)] = (node.value, value)


def _is_flow(node: Node) -> bool:
    if isinstance(node, ScalarNode):
        return node.style in (None, "'", '"')
    return bool(node.flow_style)


# --- text-level details ruamel does not keep --------------------------------


def _split_line_breaks(text: str) -> tuple[str, str]:
    """Text with LF line breaks, and the file's line break (CRLF only if used throughout)."""
    crlf = text.count("\r\n")
    if crlf and crlf == text.count("\n"):
        return text.replace("\r\n", "\n"), "\r\n"
    return text, "\n"


def _is_filler(line: str) -> bool:
    """A blank or comment-only line."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _is_marker(line: str, marker: str) -> bool:
    """*line* is the document marker *marker* (``---`` or ``...``)."""
    rest = line[len(marker) : len(marker) + 1]
    return line.startswith(marker) and rest in ("", " ", "\t", "\n")


def _document_start(text: str) -> tuple[str, bool]:
    """The text ruamel drops before the content, and whether `---` starts it.

    ruamel drops a byte order mark and, before an explicit ``---``, every
    comment, blank line and directive (``%YAML``); they are put back verbatim.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text[len(bom) :].splitlines(keepends=True)
    for index, line in enumerate(lines):
        if _is_marker(line, "---"):
            return bom + "".join(lines[:index]), True
        if not (_is_filler(line) or line.startswith("%")):
            break
    return bom, False


def _has_explicit_end(text: str) -> bool:
    for line in reversed(text.splitlines()):
        if not _is_filler(line):
            return _is_marker(line, "...")
    return False


def _error_from(exc: YAMLError, text: str) -> RoundTripError:
    """The one place where ruamel's 0-based positions become 1-based."""
    line = column = 0
    if isinstance(exc, MarkedYAMLError):
        parts = [exc.context, exc.problem]
        message = "; ".join(str(part) for part in parts if part) or type(exc).__name__
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line, column = mark.line, mark.column
    elif isinstance(exc, ReaderError):  # a character YAML does not allow
        before = text[: exc.position]
        line, column = before.count("\n"), exc.position - (before.rfind("\n") + 1)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"{exc.reason} (#x{char:04x})"
    else:
        message = str(exc)
    return RoundTripError(message, line + 1, column + 1)
