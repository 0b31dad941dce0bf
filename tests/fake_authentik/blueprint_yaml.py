"""authentik's ``BlueprintLoader``: YAML with the importer's 14 custom tags, read into tag objects.

Each tag is built when the YAML is loaded, from the node's shape, as authentik's tag classes
(``authentik/blueprints/v1/common.py``) build themselves; resolving them is blueprint_tags.py's job.
The classes carry authentik's class names on purpose: a TypeError that names one (``unsupported
operand type(s) for %: 'Env' and 'tuple'``) reads the same as the real server's.

A node of the wrong shape (``!If`` with two items, ``!Find`` given a scalar, ``!Index x``) fails
inside authentik's constructor with an exception the API does not handle, so loading raises
``Unhandled`` there (the real server answers an empty 405).
"""

from __future__ import annotations

from typing import Any

from .http import Unhandled


class YAMLTag:
    """A tag as loaded; ``blueprint_tags.resolve_tag`` gives its value."""


UNSET: Any = object()  # an attribute authentik's constructor never set (a mapping node): resolving fails


class KeyOf(YAMLTag):
    def __init__(self, id_from: Any):
        self.id_from = id_from


class Find(YAMLTag):
    def __init__(self, model_name: Any, conditions: list[list[Any]]):
        self.model_name = model_name
        self.conditions = conditions


class FindObject(Find):
    pass


class Env(YAMLTag):
    def __init__(self, key: Any, default: Any = None):
        self.key = key
        self.default = default


class File(YAMLTag):
    def __init__(self, path: Any, default: Any = None):
        self.path = path
        self.default = default


class Context(YAMLTag):
    def __init__(self, key: Any, default: Any = None):
        self.key = key
        self.default = default


class ParseJSON(YAMLTag):
    def __init__(self, raw: str):
        self.raw = raw


class Format(YAMLTag):
    def __init__(self, format_string: Any, args: list[Any]):
        self.format_string = format_string
        self.args = args


class Condition(YAMLTag):
    def __init__(self, mode: Any, args: list[Any]):
        self.mode = mode
        self.args = args


class If(YAMLTag):
    def __init__(self, condition: Any, when_true: Any, when_false: Any):
        self.condition = condition
        self.when_true = when_true
        self.when_false = when_false


class Enumerate(YAMLTag):
    """The one tag with a context: ``!Index``/``!Value`` read the item it is iterating over."""

    def __init__(self, iterable: Any, output_body: Any, item_body: Any):
        self.iterable = iterable
        self.output_body = output_body
        self.item_body = item_body
        self.current: tuple[Any, ...] = ()


class EnumeratedItem(YAMLTag):
    def __init__(self, depth: int):
        self.depth = depth


class Index(EnumeratedItem):
    pass


class Value(EnumeratedItem):
    pass


class AtIndex(YAMLTag):
    def __init__(self, obj: Any, attribute: Any, default: Any, has_default: bool):
        self.obj = obj
        self.attribute = attribute
        self.default = default
        self.has_default = has_default


def _items(loader: Any, node: Any) -> list[Any]:
    """The constructed items of a sequence node; any other node breaks authentik's constructor."""
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        raise Unhandled(f"{node.tag} needs a sequence node")
    return [loader.construct_object(item, deep=True) for item in node.value]


def _key_and_default(loader: Any, node: Any) -> tuple[Any, Any]:
    """``!Env``/``!File``/``!Context``: a scalar is the key; a sequence is ``[key, default]``."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return node.value, None
    if isinstance(node, yaml.SequenceNode):
        items = _items(loader, node)
        if len(items) < 2:  # authentik reads node.value[1] unconditionally
            raise Unhandled(f"{node.tag} sequence needs a default")
        return items[0], items[1]
    return UNSET, None  # a mapping node sets neither attribute: resolving it fails


def _scalar(node: Any) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise Unhandled(f"{node.tag} needs a scalar node")
    return str(node.value)


def _find(cls: type[Find]) -> Any:
    def construct(loader: Any, node: Any) -> Find:
        import yaml

        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise Unhandled(f"{node.tag} needs a sequence node")
        conditions = []
        for raw in node.value[1:]:
            if not isinstance(raw, yaml.SequenceNode):  # authentik iterates raw_node.value
                raise Unhandled(f"{node.tag} condition is not a sequence")
            conditions.append([loader.construct_object(item, deep=True) for item in raw.value])
        return cls(loader.construct_object(node.value[0], deep=True), conditions)

    return construct


def _if(loader: Any, node: Any) -> If:
    items = _items(loader, node)
    if len(items) == 1:
        return If(items[0], True, False)
    if len(items) < 3:  # exactly two items: IndexError in authentik's constructor
        raise Unhandled("!If needs one or three items")
    return If(items[0], items[1], items[2])


def _enumerate(loader: Any, node: Any) -> Enumerate:
    items = _items(loader, node)
    if len(items) < 3:
        raise Unhandled("!Enumerate needs three items")
    return Enumerate(items[0], items[1], items[2])


def _enumerated(cls: type[EnumeratedItem]) -> Any:
    def construct(loader: Any, node: Any) -> EnumeratedItem:
        try:
            return cls(int(_scalar(node)))
        except ValueError as exc:
            raise Unhandled(f"{node.tag} depth is not an integer") from exc

    return construct


def _at_index(loader: Any, node: Any) -> AtIndex:
    items = _items(loader, node)
    if len(items) < 2:
        raise Unhandled("!AtIndex needs two or three items")
    return AtIndex(items[0], items[1], items[2] if len(items) > 2 else None, len(items) > 2)


def _format(loader: Any, node: Any) -> Format:
    items = _items(loader, node)
    if not items:
        raise Unhandled("!Format needs a format string")
    return Format(items[0], items[1:])


def _condition(loader: Any, node: Any) -> Condition:
    items = _items(loader, node)
    if not items:
        raise Unhandled("!Condition needs a mode")
    return Condition(items[0], items[1:])


CONSTRUCTORS: dict[str, Any] = {
    "!KeyOf": lambda loader, node: KeyOf(node.value),
    "!Find": _find(Find),
    "!FindObject": _find(FindObject),
    "!Env": lambda loader, node: Env(*_key_and_default(loader, node)),
    "!File": lambda loader, node: File(*_key_and_default(loader, node)),
    "!Context": lambda loader, node: Context(*_key_and_default(loader, node)),
    "!ParseJSON": lambda loader, node: ParseJSON(_scalar(node)),
    "!Format": _format,
    "!Condition": _condition,
    "!If": _if,
    "!Enumerate": _enumerate,
    "!Index": _enumerated(Index),
    "!Value": _enumerated(Value),
    "!AtIndex": _at_index,
}
TAGS = tuple(CONSTRUCTORS)


def load(content: str) -> Any:
    """Parse blueprint YAML; ``Unhandled`` when authentik's loader would raise."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class BlueprintLoader(base):  # type: ignore[misc, valid-type]
        pass

    for tag, constructor in CONSTRUCTORS.items():
        BlueprintLoader.add_constructor(tag, constructor)
    try:
        return yaml.load(content, Loader=BlueprintLoader)
    except yaml.YAMLError as exc:
        raise Unhandled(f"blueprint content is not YAML: {exc}") from exc
    except RecursionError as exc:
        raise Unhandled("blueprint content nests too deeply") from exc
