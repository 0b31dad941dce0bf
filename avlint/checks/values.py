"""How authentik's serializer fields read a YAML value, shared by the field rules and the rules
that look inside a value, so that a value the field rules refuse (null, a boolean for a string,
a list) is reported once, by them, and never also parsed by a grammar rule."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode

from avlint.nodes import BOOL, STR, is_custom_tag, is_null, scalar_value


def scalar_text(node: Node) -> str | None:
    """The text DRF would see for a scalar: the string itself, or str() of the built value."""
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == STR:
        return str(node.value)
    return str(scalar_value(node))


def string_field_text(node: Node) -> str | None:
    """The text a DRF CharField (allow_null off, as every field of the stage) takes from the
    value, or None when it refuses it (null: AV214; a boolean or a collection: AV201) or
    avlint cannot know it (a tag, resolved only on the server)."""
    if not isinstance(node, ScalarNode) or is_custom_tag(node) or is_null(node) or node.tag == BOOL:
        return None
    return scalar_text(node)
