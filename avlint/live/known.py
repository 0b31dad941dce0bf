"""References resolved against objects that exist (a listing, or any `KnownObjects`): the part
`payload` and `lint` share.

`!Find` is evaluated as the importer evaluates it (the first object matching every condition,
or nothing), `!KeyOf` to an entry whose object exists gives that object's pk, and a raw pk in a
field that points at another model is checked to be an object of that model. Whatever the
listing cannot tell stays unresolved, with the reason: a listing only says "missing" for a
model whose whole list it holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from avlint.nodes import is_custom_tag, is_null, start, text_of
from avlint.payload.resolve import ResolveError, Resolver, Unresolved

if TYPE_CHECKING:
    from avlint.blueprint import Document, Entry
    from avlint.live.listing import KnownObjects, Lookup
    from avlint.settings import Settings
    from avlint.spec import ModelSpec


class Miss(NamedTuple):
    """A reference to an object that does not exist (or is of another model), at its position."""

    kind: str  # "find", "pk-missing", "pk-wrong"
    line: int
    column: int
    message: str


class KnownResolver(Resolver):
    """The offline resolver, with `!Find` and `!KeyOf` answered by existing objects.

    A `!Find` that matches nothing is recorded in `misses` (at the tag) and, when `strict`, raised
    as a ResolveError: the body would carry a null where authentik needs an object."""

    def __init__(self, known: KnownObjects, *, strict: bool, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ=environ if environ is not None else {})
        self.known = known
        self.strict = strict
        self.live_ids: dict[str, Any] = {}  # entry id -> pk of its existing object
        self.live_pks: dict[str, Any] = {}  # a pk identifier of the file -> the existing object's pk
        self.misses: list[Miss] = []
        self.environ_known = environ is not None

    def value(self, node: Node) -> Any:
        if isinstance(node, ScalarNode) and not is_custom_tag(node) and node.value in self.live_pks:
            return self.live_pks[node.value]
        return super().value(node)

    def _env(self, node: Node) -> Any:
        if not self.environ_known:  # lint: the importer's environment is not this machine's
            return self._needs_server(node, "reads the environment of the authentik server")
        return super()._env(node)

    def _keyof(self, node: ScalarNode) -> Any:
        if node.value in self.live_ids:
            return self.live_ids[node.value]
        return super()._keyof(node)

    def _find(self, node: Node) -> Any:
        if not isinstance(node, SequenceNode) or not node.value:
            return super()._find(node)
        query = self.query(node)
        if isinstance(query, Unresolved):
            return query
        model, conditions = query
        found = self.known.find(model, conditions)
        if found.state == "found" and found.obj is not None:
            return found.obj.get("pk")
        if found.state == "missing":
            line, column = start(node)
            message = f"no object matches !Find [{model}, {_show(conditions)}] on the server"
            self.misses.append(Miss("find", line, column, message))
            if self.strict:
                raise ResolveError(node, message)
            return self._needs_server(node, message)
        return self._needs_server(node, f"cannot be looked up: {found.reason}")

    def query(self, node: SequenceNode) -> tuple[str, list[tuple[str, Any]]] | Unresolved:
        """The model and conditions of a `!Find`, evaluated."""
        items = node.value
        model = self.value(items[0])
        if isinstance(model, Unresolved):
            return model
        conditions: list[tuple[str, Any]] = []
        for condition in items[1:]:
            pair = self.value(condition)
            if isinstance(pair, Unresolved):
                return pair
            if not isinstance(pair, list) or len(pair) != 2:
                raise ResolveError(condition, "a !Find condition is a [field, value] pair")
            if isinstance(pair[1], Unresolved):
                return pair[1]
            conditions.append((str(pair[0]), pair[1]))
        return str(model).lower(), conditions


def _show(conditions: list[tuple[str, Any]]) -> str:
    return ", ".join(f"[{field}, {value!r}]" for field, value in conditions)


def reference_targets(spec: ModelSpec, field_name: str) -> str | None:
    """The model a field's pk (or its list's pks) points at, per the every-model specs."""
    field = spec.fields.get(field_name)
    if field is None or field.read_only:
        return None
    return field.references or (field.items.references if field.items is not None else None)


def raw_pk_nodes(entry: Entry, spec: ModelSpec) -> Iterator[tuple[str, ScalarNode, str]]:
    """(field, scalar node, target model) of every pk written as a plain value in a reference
    field: tags are resolved elsewhere, nulls and empty values are the value checks' business."""
    for field_name, pair in entry.data().items():
        target = reference_targets(spec, field_name)
        if target is None or is_custom_tag(pair.value):
            continue  # a tag (a !Find, a !KeyOf...) is resolved, not read as a pk
        nodes = pair.value.value if isinstance(pair.value, SequenceNode) else [pair.value]
        for node in nodes:
            if isinstance(node, ScalarNode) and not is_custom_tag(node) and not is_null(node) and node.value != "":
                yield field_name, node, target


def check_raw_pk(known: KnownObjects, node: ScalarNode, target: str) -> tuple[Lookup, Miss | None]:
    """Whether the pk in `node` is an existing object of `target`; a Miss when it is not."""
    found = known.check_pk(target, node.value)
    line, column = start(node)
    if found.state == "missing":
        return found, Miss("pk-missing", line, column, f"no {target} with pk {node.value} exists on the server")
    if found.state == "wrong" and found.obj is not None:
        label = found.obj.get("name") or found.obj.get("slug") or found.obj.get("username") or ""
        named = f" '{label}'" if label else ""
        return found, Miss(
            "pk-wrong",
            line,
            column,
            f"pk {node.value} is the {found.model}{named} on the server; the field points at {target}",
        )
    return found, None


def identifiers_of(entry: Entry, resolver: Resolver) -> dict[str, Any] | None:
    """The entry's identifiers, evaluated; None when one cannot be (it needs what the server has)."""
    values: dict[str, Any] = {}
    for key, pair in entry.identifiers.items():
        resolver.unresolved = []
        try:
            value = resolver.resolve(pair.value)
        except ResolveError:
            return None
        if isinstance(value, Unresolved) or resolver.unresolved or isinstance(value, (dict, list)):
            return None
        values[key] = value
    return values or None


def tag_nodes(node: Node, tag: str) -> Iterator[Node]:
    """The outermost nodes tagged `tag` under `node` (nested ones are evaluated with them)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.tag == tag:
            yield current
            continue
        if isinstance(current, MappingNode):
            stack.extend(value for _, value in reversed(current.value))
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.value))


def models_of(documents: list[Document], settings: Settings) -> set[str]:
    """The models the files refer to: their entries', their `!Find`s' and their references' targets."""
    from avlint.spec import model_spec

    models: set[str] = set()
    for document in documents:
        for entry in document.entries:
            if entry.model is None:
                continue
            models.add(entry.model)
            for node in tag_nodes(entry.node, "!Find"):
                first = node.value[0] if isinstance(node.value, list) and node.value else None
                text = text_of(first) if first is not None else None
                if text:
                    models.add(text.lower())
            spec = model_spec(entry.model, settings.release, settings.spec)
            if spec is not None:
                models.update(filter(None, (reference_targets(spec, name) for name in entry.data())))
    return models
