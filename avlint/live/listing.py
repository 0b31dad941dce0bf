"""What a server holds, as lists of objects: read from saved list pages (--live-file) or fetched
(--url), and looked up the way the blueprint importer looks objects up.

A saved file holds one page of a list endpoint (`{"pagination": ..., "results": [...]}`) or a
JSON list of such pages. Which endpoint a page comes from is told by its objects' shape: the
keys every object of that list carries (stages/all items have `component`, `meta_model_name`
and `flow_set`; flows have `slug` and `designation`...). Each object is recorded under its
model. A list covers a *family* (every stage, every policy, or one model): only a family the
listing covers completely can say that an object does not exist.

`KnownObjects` is the one question the resolution asks, so that other sources (the files of
the run, authentik's default objects) can be chained in front of a listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from avlint.blueprint import BINDING, FLOW
from avlint.live import identity
from avlint.live.identity import same_pk
from avlint.modelinfo import is_stage

if TYPE_CHECKING:
    from avlint.live.client import Client

STAGE = "authentik_flows.stage"
POLICY = "authentik_policies.policy"
PROPERTY_MAPPING = "authentik_core.propertymapping"
SOURCE = "authentik_core.source"
PROVIDER = "authentik_core.provider"
KEYPAIR = "authentik_crypto.certificatekeypair"


class ListEndpoint(NamedTuple):
    path: str  # under /api/v3
    family: str  # the model the list holds: a base (every subclass) or one concrete model
    signature: frozenset[str]  # keys every object of this list carries
    # The exact keys of a polymorphic `all/` list's objects: an object with more comes from one
    # type's own list (stages/authenticator/validate/), which covers that type only.
    all_keys: frozenset[str] = frozenset()
    required: bool = False  # fetched from every server; the others only when a file needs them


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


_STAGE_KEYS = _keys("pk", "name", "component", "verbose_name", "verbose_name_plural", "meta_model_name", "flow_set")
_POLICY_KEYS = _keys(
    "pk", "name", "execution_logging", "component", "verbose_name", "verbose_name_plural", "meta_model_name", "bound_to"
)
# Most specific first: the first list whose signature every object of a page has wins.
ENDPOINTS: tuple[ListEndpoint, ...] = (
    ListEndpoint(
        "/stages/all/", STAGE, _keys("pk", "name", "component", "meta_model_name", "flow_set"), _STAGE_KEYS, True
    ),
    ListEndpoint(
        "/policies/all/", POLICY, _keys("pk", "name", "component", "meta_model_name", "bound_to"), _POLICY_KEYS
    ),
    ListEndpoint(
        "/sources/all/", SOURCE, _keys("pk", "name", "slug", "component", "meta_model_name", "user_matching_mode")
    ),
    ListEndpoint(
        "/providers/all/", PROVIDER, _keys("pk", "name", "component", "meta_model_name", "authorization_flow")
    ),
    ListEndpoint(
        "/propertymappings/all/", PROPERTY_MAPPING, _keys("pk", "name", "component", "meta_model_name", "expression")
    ),
    ListEndpoint(
        "/flows/instances/", FLOW, _keys("pk", "slug", "title", "designation", "policy_engine_mode"), required=True
    ),
    ListEndpoint("/flows/bindings/", BINDING, _keys("pk", "target", "stage", "order", "evaluate_on_plan")),
    ListEndpoint(
        "/policies/bindings/", "authentik_policies.policybinding", _keys("pk", "target", "order", "negate", "timeout")
    ),
    ListEndpoint("/core/applications/", "authentik_core.application", _keys("pk", "name", "slug", "launch_url")),
    ListEndpoint("/core/users/", "authentik_core.user", _keys("pk", "username", "name", "is_active")),
    ListEndpoint("/core/groups/", "authentik_core.group", _keys("pk", "name", "is_superuser", "num_pk")),
    ListEndpoint("/crypto/certificatekeypairs/", KEYPAIR, _keys("pk", "name", "fingerprint_sha256", "cert_expiry")),
    ListEndpoint(
        "/stages/prompt/prompts/", "authentik_stages_prompt.prompt", _keys("pk", "field_key", "label", "type")
    ),
)
POLYMORPHIC = {STAGE, POLICY, SOURCE, PROVIDER, PROPERTY_MAPPING}


def family_of(model: str) -> str:
    """The family (list) a model's objects are in: its abstract base, or the model itself."""
    app, _, name = model.partition(".")
    if model in POLYMORPHIC:
        return model
    if is_stage(model) or (app.startswith("authentik_stages_") and name.endswith("stage")):
        return STAGE
    if app.startswith("authentik_policies_") and name.endswith("policy"):
        return POLICY
    if app.startswith("authentik_sources_") and name.endswith("source"):
        return SOURCE
    if app.startswith("authentik_providers_") and name.endswith("provider"):
        return PROVIDER
    if "mapping" in name and model != "authentik_events.notificationwebhookmapping":
        return PROPERTY_MAPPING
    return model


def endpoint_for(model: str) -> ListEndpoint | None:
    family = family_of(model)
    return next((endpoint for endpoint in ENDPOINTS if endpoint.family == family), None)


class Lookup(NamedTuple):
    """The answer to one question: `found` (with the object and its model), `missing` (the
    listing covers the model completely and holds no such object), `wrong` (the pk is another
    model's object) or `unknown` (the listing cannot tell; `reason` says why)."""

    state: str
    obj: dict[str, Any] | None = None
    model: str = ""
    reason: str = ""


class KnownObjects(Protocol):
    """What the resolution asks of a source of existing objects."""

    def find(self, model: str, conditions: list[tuple[str, Any]]) -> Lookup: ...

    def check_pk(self, target: str, pk: Any) -> Lookup: ...

    def match(self, model: str, identifiers: dict[str, Any]) -> Lookup: ...

    def holders(self, family: str, field_name: str, value: Any) -> list[tuple[str, dict[str, Any]]]: ...


class Chain:
    """Several sources asked in turn (the files of the run, authentik's defaults, a listing):
    the first that finds the object answers; otherwise the last that could tell (missing, or
    another model's object); `unknown` only when none could."""

    def __init__(self, *sources: KnownObjects) -> None:
        self.sources = sources

    def _ask(self, question: str, *args: Any) -> Lookup:
        told = Lookup("unknown", reason="no source of objects")
        for source in self.sources:
            answer: Lookup = getattr(source, question)(*args)
            if answer.state == "found":
                return answer
            if answer.state != "unknown" or told.state == "unknown":
                told = answer
        return told

    def find(self, model: str, conditions: list[tuple[str, Any]]) -> Lookup:
        return self._ask("find", model, conditions)

    def check_pk(self, target: str, pk: Any) -> Lookup:
        return self._ask("check_pk", target, pk)

    def match(self, model: str, identifiers: dict[str, Any]) -> Lookup:
        return self._ask("match", model, identifiers)

    def holders(self, family: str, field_name: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        return [holder for source in self.sources for holder in source.holders(family, field_name, value)]


@dataclass
class Coverage:
    endpoint: ListEndpoint
    family: str
    count: int = 0  # what the server said the list holds
    pks: set[str] = field(default_factory=set)
    next_page: int = 0  # pagination.next of a page whose successor was not saved
    source: str = ""

    @property
    def complete(self) -> bool:
        return len(self.pks) >= self.count


@dataclass
class Listing:
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # model -> objects
    coverage: dict[str, Coverage] = field(default_factory=dict)  # family -> what was listed
    warnings: list[str] = field(default_factory=list)
    _by_pk: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict, repr=False)

    def add_page(self, endpoint: ListEndpoint, family: str, count: int, objects: list[dict[str, Any]]) -> None:
        covered = self.coverage.setdefault(family, Coverage(endpoint, family))
        covered.count = max(covered.count, count)
        for obj in objects:
            key = same_pk(obj["pk"])
            if key in covered.pks:
                continue  # the same page saved twice
            covered.pks.add(key)
            model = _model_of(endpoint, obj)
            self.objects.setdefault(model, []).append(obj)
            self._by_pk.setdefault(key, []).append((model, obj))

    def covers(self, model: str) -> Coverage | None:
        """The list that holds every object of `model`, if the listing has it."""
        return self.coverage.get(model) or self.coverage.get(family_of(model))

    def candidates(self, model: str) -> list[tuple[str, dict[str, Any]]]:
        if model in POLYMORPHIC:
            return [(m, obj) for m, objs in self.objects.items() if family_of(m) == model for obj in objs]
        return [(model, obj) for obj in self.objects.get(model, [])]

    def _unknown(self, model: str) -> Lookup | None:
        covered = self.covers(model)
        if covered is None:
            endpoint = endpoint_for(model)
            where = f"GET /api/v3{endpoint.path}" if endpoint else f"a list of {model}"
            return Lookup("unknown", reason=f"the listing does not include {where}")
        return None

    def _absent(self, model: str, what: str) -> Lookup:
        covered = self.covers(model)
        if covered is not None and not covered.complete:
            return Lookup(
                "unknown",
                reason=f"the listing of {covered.endpoint.path} is incomplete; {what} may be on a page not saved",
            )
        return Lookup("missing", reason=what)

    def find(self, model: str, conditions: list[tuple[str, Any]]) -> Lookup:
        """`!Find [model, [field, value]...]`: the first object matching every condition."""
        model = model.lower()
        unknown = self._unknown(model)
        if unknown is not None:
            return unknown
        candidates = self.candidates(model)
        for lookup, _ in conditions:
            name, _, operator = lookup.partition("__")
            if operator not in ("", "exact", "iexact"):
                return Lookup("unknown", reason=f"avlint cannot evaluate the lookup '{lookup}' on a listing")
            if candidates and not any(name in obj for _, obj in candidates):
                return Lookup("unknown", reason=f"the listing does not show the field '{name}'")
        for found_model, obj in candidates:
            if all(_matches(found_model, obj, lookup, value) for lookup, value in conditions):
                return Lookup("found", obj, found_model)
        return self._absent(model, "no object matches")

    def check_pk(self, target: str, pk: Any) -> Lookup:
        """A raw pk in a field that points at `target` (a base means any of its subclasses)."""
        if endpoint_for(target) is None and self.covers(target) is None:
            # No list holds this model as such (a policy binding's target is any
            # PolicyBindingModel, whose pk is none of the listed pks): the listing cannot tell.
            return Lookup("unknown", reason=f"no list of {target} is read")
        holders = self._by_pk.get(same_pk(pk), [])
        family = family_of(target)
        for model, obj in holders:
            if (
                model == target
                or family_of(model) == family == target
                or (target in POLYMORPHIC and family_of(model) == target)
            ):
                return Lookup("found", obj, model)
        if holders:
            model, obj = holders[0]
            return Lookup("wrong", obj, model, f"it is a {model}")
        unknown = self._unknown(target)
        if unknown is not None:
            return unknown
        return self._absent(target, f"no {target} has the pk {pk}")

    def match(self, model: str, identifiers: dict[str, Any]) -> Lookup:
        """The importer's lookup of an entry's object: by pk, otherwise by every other identifier."""
        unknown = self._unknown(model)
        if unknown is not None:
            return unknown
        pk = identifiers.get("pk")
        if pk is not None:
            found = self.check_pk(model, pk)
            if found.state == "found":
                return found
        others = {key: value for key, value in identifiers.items() if key != "pk"}
        if not others:
            return self._absent(model, "no object has that pk")
        for found_model, obj in self.candidates(model):
            if any(key not in obj for key in others):
                return Lookup("unknown", reason=f"the listing does not show {', '.join(sorted(others))}")
            if all(
                identity.key(model, key, obj.get(key)) == identity.key(model, key, value)
                for key, value in others.items()
            ):
                return Lookup("found", obj, found_model)
        return self._absent(model, "no object has these identifiers")

    def holders(self, family: str, field_name: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        """Objects of a family whose field holds exactly `value` (a unique name or slug)."""
        return [(model, obj) for model, obj in self.candidates(family) if obj.get(field_name) == value]


def _model_of(endpoint: ListEndpoint, obj: dict[str, Any]) -> str:
    if endpoint.family in POLYMORPHIC:
        return str(obj.get("meta_model_name") or endpoint.family).lower()
    return endpoint.family


def _matches(model: str, obj: dict[str, Any], lookup: str, value: Any) -> bool:
    name, _, operator = lookup.partition("__")
    live = obj.get(name)
    if operator == "iexact":
        return isinstance(live, str) and isinstance(value, str) and live.lower() == value.lower()
    if live is None or value is None:
        return False
    return bool(identity.key(model, name, live) == identity.key(model, name, value))


# -- saved files --------------------------------------------------------------------------------------


class ListingError(Exception):
    """A --live-file that cannot be used (exit 2); the message names the file."""


def load_listing_files(paths: Iterable[str], max_size: int | None = None) -> Listing:
    listing = Listing()
    for path in paths:
        _load_file(listing, path, max_size)
    _warn_incomplete(listing)
    return listing


def _load_file(listing: Listing, path: str, max_size: int | None) -> None:
    from avlint.live.listing_wire import PageShapeError, saved_page
    from avlint.loader.side import SideInputError, load_json, read_text

    try:
        data = load_json(path) if max_size is None else load_json(path, max_size)
    except SideInputError as error:
        if error.rule == "AV001" and _looks_like_html(path, read_text):
            raise ListingError(
                f"--live-file {path}: an HTML page (saved from a browser?), not the JSON of a list endpoint"
            ) from None
        raise ListingError(f"--live-file {path}: {error.detail}") from None
    pages = (
        data
        if isinstance(data, list) and data and all(isinstance(p, dict) and "pagination" in p for p in data)
        else [data]
    )
    for number, body in enumerate(pages, start=1):
        where = path if len(pages) == 1 else f"page {number} of {path}"
        try:
            pagination, objects = saved_page(body, where)
        except PageShapeError as error:
            raise ListingError(f"--live-file {error}") from None
        if not objects:
            listing.warnings.append(
                f"{where}: warning: the page holds no objects, so which list it is from cannot be told; it is not used"
            )
            continue
        endpoint = _endpoint_of(objects, where)
        family = endpoint.family
        if endpoint.all_keys and all(obj.keys() - endpoint.all_keys for obj in objects):
            # One type's own list (e.g. /stages/authenticator/validate/): it covers that type only.
            types = {str(obj.get("meta_model_name", "")).lower() for obj in objects}
            family = types.pop() if len(types) == 1 else family
        listing.add_page(endpoint, family, pagination.count, objects)
        covered = listing.coverage[family]
        covered.source = path
        if pagination.next:
            covered.next_page = pagination.next


def _looks_like_html(path: str, read_text: Any) -> bool:
    try:
        head = str(read_text(path)).lstrip()[:200]
    except ValueError:
        return False
    return head.startswith("<")


def _endpoint_of(objects: list[dict[str, Any]], where: str) -> ListEndpoint:
    for endpoint in ENDPOINTS:
        if all(endpoint.signature <= obj.keys() for obj in objects):
            return endpoint
    sample = ", ".join(sorted(objects[0].keys())[:12])
    known = ", ".join(endpoint.path for endpoint in ENDPOINTS)
    raise ListingError(
        f"--live-file {where}: not a page of a list avlint reads ({known}); its first object has the keys {sample}"
    )


def _warn_incomplete(listing: Listing) -> None:
    for covered in listing.coverage.values():
        if not covered.complete:
            listing.warnings.append(
                f"{covered.source or 'the server'}: warning: the listing of {covered.endpoint.path} is incomplete "
                f"({len(covered.pks)} of {covered.count} objects; pagination.next is {covered.next_page}): "
                "objects it lacks are not reported as missing"
            )


# -- a server -------------------------------------------------------------------------------------------


def endpoints_for_models(models: Iterable[str]) -> list[ListEndpoint]:
    """The lists to fetch: the required ones and those of every model the files refer to."""
    wanted = {endpoint.path: endpoint for endpoint in ENDPOINTS if endpoint.required}
    for model in models:
        endpoint = endpoint_for(model)
        if endpoint is not None:
            wanted.setdefault(endpoint.path, endpoint)
    return list(wanted.values())


async def fetch_listing(client: Client, endpoints: list[ListEndpoint]) -> Listing:
    """Every object of each list, all fetched concurrently (after one cheap request that shows
    a bad token or a network problem once). A list the server does not have, or that the token
    may not read, is left out with a warning: its objects are then unknown, never missing."""
    from avlint.live.client import ApiError, PermissionDenied, gather_all

    await client.version()

    async def one(endpoint: ListEndpoint) -> list[dict[str, Any]] | str:
        try:
            return await client.list_all(endpoint.path)
        except PermissionDenied as error:
            return str(error)
        except ApiError as error:
            if error.status == 404 and not endpoint.required:
                return f"GET {endpoint.path}: this server has no such list"
            raise

    lists = await gather_all(*(one(endpoint) for endpoint in endpoints))
    listing = Listing()
    for endpoint, objects in zip(endpoints, lists, strict=True):
        if isinstance(objects, str):
            listing.warnings.append(f"warning: {objects}; objects of that list are not checked")
            continue
        listing.add_page(endpoint, endpoint.family, len(objects), objects)
    return listing
