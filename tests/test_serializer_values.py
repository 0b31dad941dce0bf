"""authentik's value validators as avlint reproduces them (the examples authentik 2025.12.4 was
run against, and the edges of each grammar)."""

from __future__ import annotations

import pytest

from avlint.checks.serializer_values import expression_problem, file_name_problem, url_problem
from tests.conftest import lint_source

WEB = ["http", "https", "blank"]


@pytest.mark.parametrize(
    "value",
    [
        "http://app",
        "https://wiki.example.com/path?q=1#x",
        "blank://blank",
        "http://localhost:9000",
        "https://10.0.0.1:8443",
        "https://[2001:db8::1]:8443/x",
        "https://user:pass@host.example.com",
        "HTTPS://WIKI.EXAMPLE.COM",
    ],
)
def test_urls_authentik_accepts(value: str) -> None:
    assert url_problem(value, WEB) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http://my_service:8080", "underscore"),
        ("wiki.example.com", "no scheme"),
        ("ftp://wiki.example.com", "scheme 'ftp'"),
        ("https://wiki example.com", "whitespace"),
        ("https://", "no host"),
        ("https://host:port", "port"),
        ("https://-bad-.example.com", "not a valid host name"),
    ],
)
def test_urls_authentik_refuses(value: str, reason: str) -> None:
    problem = url_problem(value, WEB)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    "value",
    [
        "fa://fa-book",
        "http:whatever",
        "https://cdn.example.com/x.png",
        "/static/dist/a.svg",
        "branding/logo-%(theme)s.png",
    ],
)
def test_file_names_authentik_accepts(value: str) -> None:
    assert file_name_problem(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("data:image/png;base64,AAAA", "File name can only contain"),
        ("a//b.png", "duplicate /"),
        ("/media/logo.png", "Absolute paths are not allowed"),
        ("icons/../logo.png", "Parent directory references"),
        (".hidden.png", "Paths cannot start with '.'"),
        ("a" * 1025, "too long (max 1024"),
        ("b/" + "a" * 256, "Path component too long"),
    ],
)
def test_file_names_authentik_refuses(value: str, message: str) -> None:
    problem = file_name_problem(value)
    assert problem is not None and message in problem


def test_expressions_compile_as_a_function_body() -> None:
    assert expression_problem("return True") is None
    assert expression_problem("if request.user.is_anonymous:\n    return False\nreturn True") is None
    problem = expression_problem("x = 1\nreturn {")
    assert problem is not None and problem[1] == 2


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("hours=1", False),
        ("Hours=1", False),
        ("hours= 1", False),
        ("years=1;hours=2", False),
        ("1e2=3;seconds=1e2", False),
        ("hours = 1", True),
        ("hours=1;", True),
        ("years=1", True),
        ("seconds=nan", True),
        ("seconds=inf", True),
    ],
)
def test_duration_fields_follow_authentiks_grammar(value: str, bad: bool) -> None:
    text = f"""version: 1
entries:
  - model: authentik_providers_oauth2.oauth2provider
    identifiers: {{name: app}}
    attrs:
      access_code_validity: "{value}"
"""
    found = [f for f in lint_source(text) if f.rule == "AV605"]
    assert bool(found) is bad, [f.message for f in found]
