"""Where each character of a YAML string value comes from in the file.

A blueprint embedded in a ConfigMap is the decoded value of one scalar; to put a finding at the
line and column of the outer file, every character of that value needs its offset in the outer
text. This module re-reads the scalar's source the way PyYAML's scanner does (block scalars with
their indentation and chomping, folding, quotes and escapes) and records, for every character it
produces, the offset of the source character it came from. A folded line break points at the
break; an escape at its backslash. The result is only trusted when the characters it produces
are exactly the node's value: anything else returns None and the caller falls back to the line.
"""

from __future__ import annotations

from yaml.nodes import ScalarNode

BREAKS = "\r\n\x85\u2028\u2029"
_END = BREAKS + "\0"
_ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


class _Reader:
    """A cursor over the outer text that collects the value's characters with their offsets."""

    def __init__(self, text: str, index: int) -> None:
        self.text, self.index = text, index
        self.line_start = text.rfind("\n", 0, index) + 1  # (a lone \r never precedes a value we read)
        self.chars: list[str] = []
        self.offsets: list[int] = []

    def peek(self, ahead: int = 0) -> str:
        at = self.index + ahead
        return self.text[at] if at < len(self.text) else "\0"

    @property
    def column(self) -> int:
        return self.index - self.line_start

    def emit(self, chars: str, offset: int) -> None:
        for char in chars:
            self.chars.append(char)
            self.offsets.append(offset)

    def copy(self, length: int) -> None:
        for step in range(length):
            self.chars.append(self.text[self.index + step])
            self.offsets.append(self.index + step)
        self.index += length

    def line_break(self) -> tuple[str, int]:
        """Consume one line break; PyYAML turns \\r\\n, \\r and \\x85 into \\n."""
        at, char = self.index, self.peek()
        if char == "\r" and self.peek(1) == "\n":
            self.index += 2
        elif char in BREAKS:
            self.index += 1
        else:
            return "", at
        self.line_start = self.index
        return ("\n" if char in "\r\n\x85" else char), at


Breaks = list[tuple[str, int]]


def value_offsets(text: str, node: ScalarNode, parent_indent: int) -> list[int] | None:
    """The offset in `text` of each character of `node.value`, plus one for the value's end;
    None when the scalar cannot be re-read exactly. `parent_indent` is the column of the block
    mapping that holds the scalar (it bounds a block scalar's indentation)."""
    reader = _Reader(text, node.start_mark.index)
    try:
        if node.style in ("|", ">"):
            _block(reader, parent_indent, node.style == ">")
        elif node.style in ('"', "'"):
            _quoted(reader, node.style == '"')
        else:
            _plain(reader, node.end_mark.index)
    except (IndexError, ValueError, KeyError):
        return None
    if "".join(reader.chars) != node.value:
        return None
    end = reader.offsets[-1] + 1 if reader.offsets else node.start_mark.index
    return [*reader.offsets, end]


def block_indent(text: str, node: ScalarNode, parent_indent: int) -> int | None:
    """The indentation of a block scalar's content lines (None when it cannot be read)."""
    reader = _Reader(text, node.start_mark.index)
    try:
        return _block(reader, parent_indent, node.style == ">")
    except (IndexError, ValueError, KeyError):
        return None


def _block(reader: _Reader, parent_indent: int, folded: bool) -> int:
    reader.index += 1  # | or >
    chomping: bool | None = None
    increment: int | None = None
    for _ in range(2):
        char = reader.peek()
        if char in "+-" and chomping is None:
            chomping = char == "+"
            reader.index += 1
        elif char in "123456789" and increment is None:
            increment = int(char)
            reader.index += 1
    while reader.peek() not in _END:  # spaces and a comment after the header
        reader.index += 1
    reader.line_break()
    min_indent = max(parent_indent + 1, 1)
    if increment is None:
        breaks, max_indent = _indentation(reader)
        indent = max(min_indent, max_indent)
    else:
        indent = min_indent + increment - 1
        breaks = _block_breaks(reader, indent)
    line_break: tuple[str, int] = ("", reader.index)
    while reader.column == indent and reader.peek() != "\0":
        for char, offset in breaks:
            reader.emit(char, offset)
        leading_non_space = reader.peek() not in " \t"
        length = 0
        while reader.peek(length) not in _END:
            length += 1
        reader.copy(length)
        line_break = reader.line_break()
        breaks = _block_breaks(reader, indent)
        if reader.column == indent and reader.peek() != "\0":
            if folded and line_break[0] == "\n" and leading_non_space and reader.peek() not in " \t":
                if not breaks:
                    reader.emit(" ", line_break[1])
            else:
                reader.emit(*line_break)
        else:
            break
    if chomping is not False:
        reader.emit(*line_break)
    if chomping is True:
        for char, offset in breaks:
            reader.emit(char, offset)
    return indent


def _indentation(reader: _Reader) -> tuple[Breaks, int]:
    breaks: Breaks = []
    max_indent = 0
    while reader.peek() in " " + BREAKS:
        if reader.peek() != " ":
            breaks.append(reader.line_break())
        else:
            reader.index += 1
            max_indent = max(max_indent, reader.column)
    return breaks, max_indent


def _block_breaks(reader: _Reader, indent: int) -> Breaks:
    breaks: Breaks = []
    while reader.column < indent and reader.peek() == " ":
        reader.index += 1
    while reader.peek() in BREAKS:
        breaks.append(reader.line_break())
        while reader.column < indent and reader.peek() == " ":
            reader.index += 1
    return breaks


def _quoted(reader: _Reader, double: bool) -> None:
    quote = reader.peek()
    reader.index += 1
    while True:
        _non_spaces(reader, double)
        if reader.peek() == quote:
            return
        _spaces(reader)


def _non_spaces(reader: _Reader, double: bool) -> None:
    while True:
        length = 0
        while reader.peek(length) not in "'\"\\ \t" + _END:
            length += 1
        reader.copy(length)
        char = reader.peek()
        if not double and char == "'" and reader.peek(1) == "'":
            reader.emit("'", reader.index)
            reader.index += 2
        elif (double and char == "'") or (not double and char in '"\\'):
            reader.copy(1)
        elif double and char == "\\":
            _escape(reader)
        else:
            return


def _escape(reader: _Reader) -> None:
    at = reader.index
    reader.index += 1
    char = reader.peek()
    if char in _ESCAPES:
        reader.emit(_ESCAPES[char], at)
        reader.index += 1
    elif char in _HEX_ESCAPES:
        length = _HEX_ESCAPES[char]
        digits = reader.text[reader.index + 1 : reader.index + 1 + length]
        reader.emit(chr(int(digits, 16)), at)
        reader.index += 1 + length
    elif char in BREAKS:
        reader.line_break()
        for broken, offset in _flow_breaks(reader):
            reader.emit(broken, offset)
    else:
        raise ValueError("unknown escape")


def _spaces(reader: _Reader) -> None:
    start = reader.index
    while reader.peek() in " \t":
        reader.index += 1
    if reader.peek() == "\0":
        raise ValueError("unterminated quoted scalar")
    if reader.peek() in BREAKS:
        _fold(reader)
    else:
        for offset in range(start, reader.index):
            reader.emit(reader.text[offset], offset)


def _fold(reader: _Reader) -> None:
    """A line break inside a flow or plain scalar: one space, or the empty lines that follow it."""
    char, offset = reader.line_break()
    breaks = _flow_breaks(reader)
    if char != "\n":
        reader.emit(char, offset)
    elif not breaks:
        reader.emit(" ", offset)
    for broken, where in breaks:
        reader.emit(broken, where)


def _flow_breaks(reader: _Reader) -> Breaks:
    breaks: Breaks = []
    while True:
        while reader.peek() in " \t":
            reader.index += 1
        if reader.peek() in BREAKS:
            breaks.append(reader.line_break())
        else:
            return breaks


def _plain(reader: _Reader, end: int) -> None:
    while reader.index < end:
        char = reader.peek()
        if char in " \t":
            start = reader.index
            while reader.peek() in " \t":
                reader.index += 1
            if reader.peek() in BREAKS:
                _fold(reader)
            elif reader.index < end:
                for offset in range(start, reader.index):
                    reader.emit(reader.text[offset], offset)
        elif char in BREAKS:
            _fold(reader)
        else:
            reader.copy(1)
