"""URL routing and the request pipeline of one DRF view, in DRF's order.

1. Django URL resolution: an unknown path, or one without its trailing slash, is the HTML 404
   page (``APPEND_SLASH`` is off, recordings 091-092).
2. Content negotiation: an ``Accept`` that JSON cannot satisfy is 406 (093).
3. Authentication, then permissions (403s, see auth.py).
4. Method dispatch: a method the view lacks is 405 ``Method "X" not allowed.`` (089-090); HEAD
   runs GET (157); OPTIONS answers DRF metadata (158-160).
5. The handler: 404s, 415 / JSON parse errors when it reads the body, 400 validation errors.

Every DRF answer carries ``Allow`` (the view's methods) and ``Vary``. An exception DRF does not
handle becomes authentik's error page: an empty 405 on writes (057, 059, 102).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import auth
from .data import not_found_page
from .http import (
    ERROR_PAGE_ALLOW,
    HTML_TYPE,
    VARY,
    ApiError,
    Request,
    Response,
    Unhandled,
    html_response,
    json_response,
)

if TYPE_CHECKING:
    from .state import State

Handler = Callable[["State", Request], Response]
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_ACTION = {"GET": "view", "HEAD": "view", "POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


@dataclass
class Method:
    handler: Handler
    # "view"/"add"/"change"/"delete" (of the view's model), a full codename, or None: any user.
    perm: str | None = "default"


@dataclass
class View:
    name: str  # DRF view name, as OPTIONS reports it
    description: str
    model: str | None  # "app_label.modelname" whose permissions guard the view
    methods: dict[str, Method]
    public: bool = False  # AllowAny (the schema)
    negotiate: bool = True  # JSON-only content negotiation; the schema view negotiates itself
    metadata_actions: Callable[[], dict[str, Any]] | None = None  # recorded serializer metadata
    vary: str = VARY

    @property
    def allow(self) -> str:
        names = [m for m in METHOD_ORDER if m in self.methods]
        if "GET" in self.methods:
            names.append("HEAD")
        names.append("OPTIONS")
        return ", ".join(names)

    def codename(self, action: str | None) -> str | None:
        if action is None or self.model is None:
            return None
        if "." in action:
            return action
        app_label, model = self.model.split(".")
        return f"{app_label}.{action}_{model}"

    def perm_for(self, method: str) -> str | None:
        spec = self.methods.get("GET" if method == "HEAD" else method)
        action = DEFAULT_ACTION.get(method) if spec is None or spec.perm == "default" else spec.perm
        return self.codename(action)


@dataclass
class Router:
    routes: list[tuple[re.Pattern[str], View]] = field(default_factory=list)

    def add(self, pattern: str, view: View) -> None:
        self.routes.append((re.compile(f"^/api/v3/{pattern}$"), view))

    def match(self, path: str) -> tuple[View | None, dict[str, str]]:
        for pattern, view in self.routes:
            found = pattern.match(path)
            if found:
                return view, found.groupdict()
        return None, {}


def _media(text: str) -> tuple[str, str, dict[str, str]]:
    full, *params = [part.strip() for part in text.split(";")]
    main, _, sub = full.partition("/")
    return main.strip(), sub.strip(), dict(p.partition("=")[::2] for p in params if p)


def _precedence(text: str) -> int:
    main, sub, params = _media(text)
    if main == "*":
        return 0
    if sub == "*":
        return 1
    return 2 if not params or list(params) == ["q"] else 3


def _matches(renderer: str, accepted: str) -> bool:
    main, sub, _ = _media(renderer)
    other_main, other_sub, _ = _media(accepted)
    if sub != "*" and other_sub != "*" and other_sub != sub:
        return False
    return main == "*" or other_main == "*" or other_main == main


def negotiate(accept: str | None, renderers: list[str]) -> tuple[str, str] | None:
    """DRF DefaultContentNegotiation.select_renderer: (renderer, accepted media type), or None (406).

    Accept entries are tried by precedence (specific before wildcards; q-values are not weighed),
    and within one precedence by the view's renderer order.
    """
    accepts = [token.strip() for token in (accept if accept is not None else "*/*").split(",")]
    for precedence in (3, 2, 1, 0):
        group = [a for a in accepts if _precedence(a) == precedence]
        for renderer in renderers:
            for accepted in group:
                if _matches(renderer, accepted):
                    if _precedence(renderer) > precedence:  # e.g. */*: the renderer's own type
                        params = _media(accepted)[2]
                        return renderer, ";".join([renderer, *(f"{k}={v}" for k, v in params.items())])
                    return renderer, accepted  # as the client wrote it, parameters included
    return None


def accepts_json(accept: str | None) -> bool:
    return negotiate(accept, ["application/json"]) is not None


def dispatch(
    router: Router, state: State, request: Request, errors: list[str] | None = None, unhandled: list[str] | None = None
) -> Response:
    """Answer one request. Modelled server errors are noted in ``unhandled``, view bugs in ``errors``."""
    view, params = router.match(request.path)
    if view is None:
        return html_response(404, not_found_page())
    request.params = params
    try:
        response = _run(view, state, request)
    except ApiError as exc:
        response = json_response(exc.status, exc.body)
        response.headers.extend(exc.headers)
    except Unhandled as exc:
        if unhandled is not None:
            unhandled.append(str(exc))
        return error_page(request.method)
    except Exception:  # any other bug behaves like an unhandled server error, and is logged
        if errors is not None:
            errors.append(traceback.format_exc())
        return error_page(request.method)
    if response.header("Allow") is None:
        response.headers.append(("Allow", view.allow))
    if response.header("Vary") is None:
        response.headers.append(("Vary", view.vary))
    return response


def error_page(method: str) -> Response:
    """authentik's handler500 only answers GET: other methods get an empty 405."""
    if method in ("GET", "HEAD"):
        response = html_response(500, "<h1>Server Error (500)</h1>")  # inferred, not recorded
        return response
    return Response(405, b"", [("Content-Type", HTML_TYPE), ("Allow", ERROR_PAGE_ALLOW), ("Vary", VARY)])


def _run(view: View, state: State, request: Request) -> Response:
    if view.negotiate:
        fmt = request.arg("format")
        if fmt is not None and fmt != "json":
            raise ApiError(404, {"detail": "Not found."})
        if not accepts_json(request.header("Accept")):
            raise ApiError(406, {"detail": "Could not satisfy the request Accept header."})
    user = auth.authenticate(state, request.header("Authorization"))
    request.user = user
    method = request.method
    perm = None if method == "OPTIONS" else view.perm_for(method)
    auth.require(state, user, perm, authenticated=not view.public)
    if method == "OPTIONS":
        return json_response(200, metadata(view, state, request))
    spec = view.methods.get("GET" if method == "HEAD" else method)
    if spec is None:
        raise ApiError(405, {"detail": f'Method "{method}" not allowed.'})
    return spec.handler(state, request)


def metadata(view: View, state: State, request: Request) -> dict[str, Any]:
    """DRF SimpleMetadata; ``actions`` only when the user could write (recording 160)."""
    body: dict[str, Any] = {
        "name": view.name,
        "description": view.description,
        "renders": ["application/json"],
        "parses": ["application/json"],
    }
    if view.metadata_actions is None:
        return body
    method = "PUT" if "PUT" in view.methods else "POST" if "POST" in view.methods else None
    if method is None:
        return body
    codename = view.perm_for(method)
    if request.user is None or (codename is not None and not state.has_perm(request.user, codename)):
        return body
    if method == "PUT":
        try:  # DRF calls get_object(): no actions for an unknown object
            view.methods["GET"].handler(state, request)
        except ApiError:
            return body
    body["actions"] = {method: view.metadata_actions()}
    return body
