"""Blueprint YAML in authentik's export style, with comments: the writer behind `avlint pull`.

authentik writes its exports with PyYAML (`yaml.dump(..., Dumper=BlueprintDumper)`, a
SafeDumper): keys sorted, block style, two-space indentation with a sequence's dashes at its
key's column, `null`, strings quoted only where YAML needs it, long scalars folded past 80
columns. A pulled file follows that layout, so that it reads like, and diffs cleanly against,
what authentik itself writes.

PyYAML cannot write comments, and a pulled file carries some (where and when it was pulled,
each object's pk on that server). So this module writes with ruamel.yaml's round-trip dumper,
configured and patched where ruamel differs from PyYAML (null spelt as nothing, folding of long
scalars). Two things PyYAML's exports never hold are added: a tag on a value (`!KeyOf flow`,
`!Find [model, [field, value]]`) and comments.

ruamel.yaml is imported here and nowhere else, and only `avlint pull` imports this module: the
lint path, which parses with PyYAML's C binding, never loads it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.events import ScalarEvent
from ruamel.yaml.nodes import Node, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

__all__ = ["Noted", "Tagged", "dump_export"]

EXPORT_WIDTH = 80  # PyYAML's default best_width, which authentik's exports keep

_LINE_BREAKS = "\n\x85\u2028\u2029"


@dataclass(frozen=True)
class Tagged:
    """A value written with a local tag: a text as `!KeyOf flow`, a list in flow style as
    `!Find [model, [name, value]]`, the way blueprints spell these tags by hand."""

    tag: str
    value: str | Sequence[Any]


@dataclass(frozen=True)
class Noted:
    """A mapping value whose key carries a comment at the end of its line."""

    value: Any
    note: str


def dump_export(data: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """*data* as authentik would export it, with *header* as comment lines at the top.

    Values are what JSON and blueprints hold (mappings with text keys, lists, text, numbers,
    booleans, None) plus `Tagged` and `Noted`."""
    tree = _tree(data)
    if header:
        tree.yaml_set_start_comment("\n".join(_comment_text(line) for line in header))
    stream = io.StringIO()
    _make_yaml().dump(tree, stream)
    return stream.getvalue()


def _comment_text(text: str) -> str:
    """*text* made safe for a comment: one line, every control and line-break character shown as
    `?`, so that a value from a server (a version, a pk) cannot end the comment and add YAML."""
    return "".join("?" if unicodedata.category(char)[0] == "C" or char in _LINE_BREAKS else char for char in text)


def _tree(value: Any) -> Any:
    """Plain data as ruamel's commented containers, keys sorted as PyYAML's `sort_keys` does."""
    if isinstance(value, Mapping):
        tree = CommentedMap()
        for key in sorted(value):
            item = value[key]
            tree[key] = _tree(item.value if isinstance(item, Noted) else item)
            if isinstance(item, Noted):
                tree.yaml_add_eol_comment("# " + _comment_text(item.note), key)
        return tree
    if isinstance(value, Tagged):
        return value
    if isinstance(value, list | tuple):
        return CommentedSeq(_tree(item) for item in value)
    return value


class _Representer(RoundTripRepresenter):
    def represent_none(self, data: Any) -> ScalarNode:
        # ruamel writes a null mapping value as nothing (`key:`); PyYAML, so authentik, as `null`.
        return self.represent_scalar("tag:yaml.org,2002:null", "null")

    def represent_float(self, data: Any) -> ScalarNode:
        # PyYAML's spelling (`1.0e-05`, `.inf`), which its YAML 1.1 rules read back as a float.
        if data != data:
            text = ".nan"
        elif data in (float("inf"), float("-inf")):
            text = ".inf" if data > 0 else "-.inf"
        else:
            text = repr(data).lower()
            if "." not in text and "e" in text:
                text = text.replace("e", ".0e", 1)
        return self.represent_scalar("tag:yaml.org,2002:float", text)

    def represent_tagged(self, data: Tagged) -> Node:
        if isinstance(data.value, str):
            return self.represent_scalar(data.tag, data.value)
        return self.represent_sequence(data.tag, CommentedSeq(_tree(item) for item in data.value), flow_style=True)


_Representer.add_representer(type(None), _Representer.represent_none)
_Representer.add_representer(float, _Representer.represent_float)
_Representer.add_representer(Tagged, _Representer.represent_tagged)


class _Resolver(VersionedResolver):
    """Which texts need quotes, decided by PyYAML's own resolver (YAML 1.1), which is how
    authentik reads a blueprint: a text such as `yes`, `off` or `12:30` is quoted, or authentik
    would read a boolean or a number (ruamel's YAML 1.2 rules would leave them plain)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag: str = _PYYAML_RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
            return Tag(suffix=tag)
        return super().resolve(kind, value, implicit)


_PYYAML_RESOLVER = yaml.resolver.Resolver()


class _Emitter(RoundTripEmitter):
    """Chooses scalar styles and folds long flow scalars the way PyYAML (so authentik's
    exports) does."""

    def choose_scalar_style(self) -> Any:
        # PyYAML's choice: plain where YAML allows it, else single quotes, else double quotes.
        # ruamel prefers double quotes for text holding a `'` or a line break.
        if self.analysis is None:
            self.analysis = self.analyze_scalar(self.event.value)
        analysis, event = self.analysis, self.event
        if event.style == '"' or self.canonical:
            return '"'
        # A scalar with a local tag (`!KeyOf flow`) may be plain too, unless empty; ruamel's
        # implicit[2] is True only for YAML's own tags.
        tagged = not event.implicit[2] and not analysis.empty
        if not event.style and (event.implicit[0] or tagged):
            plain = analysis.allow_flow_plain if self.flow_level else analysis.allow_block_plain
            if plain and not (self.simple_key_context and (analysis.empty or analysis.multiline)):
                return ""
        if analysis.allow_single_quoted and not (self.simple_key_context and analysis.multiline):
            return "'"
        return '"'

    def check_simple_key(self) -> bool:
        # PyYAML writes an empty text key as an explicit one (`? ''`).
        if isinstance(self.event, ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(self.event.value)
            if self.analysis.empty:
                return False
        return bool(super().check_simple_key())

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        # PyYAML ends a folded line with `\` and escapes a space starting the next line as
        # `\ `; ruamel often folds at a bare line break instead.
        self.write_indicator('"', True)
        run = 0  # start of the pending run of characters written as they are
        for pos, char in enumerate(text):
            escape = self._escape(char)
            if escape is not None:
                self._write_raw(text[run:pos] + escape)
                run = pos + 1
            # Fold at a space, or right after an escape, once past the width; never at the
            # first or the last character.
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
        # PyYAML folds a plain scalar only at a single space past the width; ruamel also moves
        # a long word to a line of its own, and folds at the width itself rather than past it.
        if not text:
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
        # As PyYAML: characters past U+FFFF are escaped in double quotes, even with allow_unicode.
        printable = "\x20" <= char <= "\x7e" or (
            self.allow_unicode and ("\xa0" <= char <= "\ud7ff" or "\ue000" <= char <= "\ufffd")
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


def _make_yaml() -> YAML:
    """A fresh round-trip YAML instance (ruamel instances keep state) set up as PyYAML's
    SafeDumper: mappings indented by two, a sequence's dashes at its key's column."""
    writer = YAML(typ="rt")
    writer.Representer = _Representer
    writer.Resolver = _Resolver
    writer.Emitter = _Emitter
    writer.indent(mapping=2, sequence=2, offset=0)
    writer.width = EXPORT_WIDTH
    # authentik's exports escape non-ASCII text; a pulled file is UTF-8 and keeps names readable.
    writer.allow_unicode = True
    return writer
