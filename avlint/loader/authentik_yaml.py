"""Does authentik's own YAML loader accept the text that libyaml just composed?

authentik reads a blueprint with `yaml.load(text, BlueprintLoader)`, a subclass of PyYAML's
pure-Python `SafeLoader`, and constructs Python objects from it. avlint composes with libyaml and
never constructs, for speed. The two disagree on a few constructs, all rare in real blueprints:

- tabs: the pure-Python scanner takes only spaces as separation (`name: a<TAB>b`, a tab before
  a comment or after a value), where libyaml also takes tabs; and a comment right after a block
  scalar's indicators (`key: |#`);
- construction, which composing skips: a merge key whose value is not a mapping (`<<: 5`), a
  collection as a mapping key, an explicit standard tag with a value it cannot hold
  (`!!int x`, `!!binary x`), a date that does not exist (`2025-02-30`), `0b_` or `0x_`, a plain
  `=` (YAML 1.1's value tag) or `<<` anywhere but as a key: SafeLoader has no constructor for them.

Scanning the text for those few constructs is cheap; only a text that has one pays for the
pure-Python loader, which is about ten times slower than libyaml.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from avlint.loader.limits import MAX_DEPTH
from avlint.loader.problems import ContentProblem
from avlint.nodes import SAFE_STANDARD_TAGS

# Literal texts that alone make a text suspect: tabs as separation, merge keys (and `<<` where
# no merge can be), explicit standard or verbatim tags, binary or hex integers with no digit.
_LITERALS = ("\t", "<<", "!!", "!<", "0b_", "0x_")
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*#")  # a comment right after a block scalar's indicators
_KEY_AFTER = re.compile(r"[ \t]*:")
_ALIAS_KEY = re.compile(r"\*[^\s,\[\]{}]*[ \t]*:(?:\s|$)")


def _skip_blanks_back(text: str, at: int) -> int:
    while at >= 0 and text[at] in " \t":
        at -= 1
    return at


def _starts_scalar(text: str, at: int) -> bool:
    """Whether a plain scalar may start at `at`: at a line's indentation, after a flow indicator
    or a `:`, or after a block sequence's `- ` (itself at the start of a line or after another).
    The `- ` inside `name: Export - 2026-07-22` is text, not an indicator."""
    before = _skip_blanks_back(text, at - 1)
    word = before
    while word >= 0 and text[word] not in " \t\n\r":
        word -= 1
    if word < before and text[word + 1] == "&":  # an anchor (`key: &a 2025-02-30`) stands before the scalar
        before = _skip_blanks_back(text, word)
    while before >= 0 and text[before] == "-" and before + 1 < at and text[before + 1] in " \t":
        before = _skip_blanks_back(text, before - 1)
        if before < 0 or text[before] in "\n\r":
            return True
        if text[before] != "-":
            return False
    return before < 0 or text[before] in "\n\r[{,:?"


def _plain_equals(text: str, at: int) -> bool:
    """A plain `=` that is a whole scalar: YAML 1.1's value tag, which SafeLoader cannot construct.
    The `=` of `expression: "a = b"`, common in policies, is text inside a scalar."""
    if not _starts_scalar(text, at):
        return False
    after = at + 1
    while after < len(text) and text[after] in " \t":
        after += 1
    return after == len(text) or text[after] in "\n\r#,]}"


def _complex_key(text: str, at: int) -> bool:
    before = text[at - 1] if at else " "
    after = text[at + 1 : at + 2] or " "
    return (before.isspace() or before in "[{,") and after.isspace()


_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


def _timestamp(text: str, at: int) -> bool:
    """`dddd-d?-d?` starting a scalar at a `-`: maybe a date that does not exist (2025-02-30).
    A UUID's `8756-4d24` or a date inside text starts no scalar; exports are full of both."""
    start = at - 4
    return start >= 0 and _DATE.match(text, start) is not None and _starts_scalar(text, start)


# (character, test at each of its occurrences): the character is searched at C speed, and the
# few places it occurs are tested, which keeps a 50 MB file to a fraction of a second.
_AT = (
    ("=", _plain_equals),
    ("?", _complex_key),
    ("-", _timestamp),
    ("%", lambda text, at: at == 0 or text[at - 1] == "\n"),  # a directive (%TAG can make !x standard)
    ("|", lambda text, at: _BLOCK_HEADER.match(text, at) is not None),
    (">", lambda text, at: _BLOCK_HEADER.match(text, at) is not None),
    ("]", lambda text, at: _KEY_AFTER.match(text, at + 1) is not None),  # a flow collection as a key
    ("}", lambda text, at: _KEY_AFTER.match(text, at + 1) is not None),
    ("*", lambda text, at: _ALIAS_KEY.match(text, at) is not None),  # an alias (of a collection?) as a key
)


def suspect(text: str) -> bool:
    """Whether `text` has one of the constructs where libyaml and authentik's loader can differ."""
    if any(literal in text for literal in _LITERALS):
        return True
    for character, test in _AT:
        at = text.find(character)
        while at >= 0:
            if test(text, at):
                return True
            at = text.find(character, at + 1)
    return False


class _AuthentikLoader(yaml.SafeLoader):
    """SafeLoader that accepts every tag it has no constructor for: authentik's 14 tags are
    constructed by its own loader, and an unknown tag is reported by AV003 with a better message.
    Here only the YAML matters."""


def _any_tag(loader: yaml.SafeLoader, node: yaml.Node) -> None:
    if node.tag in SAFE_STANDARD_TAGS:  # `tag:yaml.org,2002:merge` or `value` out of place: SafeLoader fails too
        raise ConstructorError(
            None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
        )
    return None


_AuthentikLoader.add_constructor(None, _any_tag)


def rejection(text: str) -> ContentProblem | None:
    """Why authentik's loader rejects `text` (a text libyaml composed), or None."""
    if not suspect(text):
        return None
    return _load_as_authentik(text)


def _load_as_authentik(text: str) -> ContentProblem | None:
    # The pure-Python composer recurses about three frames per level; avlint's own depth limit
    # (AV006, checked before this) is the one that decides, so give it room for that many.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * MAX_DEPTH + 1000))
    try:
        yaml.load(text, Loader=_AuthentikLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = _message(error.problem or error.context or "invalid YAML")
        if mark is None:
            return ContentProblem("AV001", message)
        return ContentProblem("AV001", message, mark.line + 1, mark.column + 1)
    except yaml.YAMLError as error:
        return ContentProblem("AV001", _message(str(error)))
    except RecursionError:
        return None  # deeper than the room given: AV006's business, not a disagreement
    except Exception as error:  # a constructor's own error (dates, `!!int x`, `!!int ''`): any fails authentik
        line, column = _failing_scalar(text)
        return ContentProblem("AV001", _message(f"a value cannot be constructed: {error}"), line, column)
    finally:
        sys.setrecursionlimit(limit)
    return None


def _failing_scalar(text: str) -> tuple[int, int]:
    """The position of the first scalar whose construction fails (constructors give none)."""
    constructor = _AuthentikLoader("")
    stack = [yaml.compose(text, Loader=_AuthentikLoader)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except Exception:  # the one the whole load failed on
                return node.start_mark.line + 1, node.start_mark.column + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
    return 1, 1


def _message(problem: Any) -> str:
    return f"authentik cannot load this file: {problem} (it reads blueprints with PyYAML's SafeLoader)"
