"""What avlint knows about authentik's model strings (rules/models.yaml)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from avlint.resources import load_data


@lru_cache(maxsize=1)
def model_table() -> dict[str, Any]:
    table: dict[str, Any] = load_data("models.yaml")
    return table


def model_info(model: str | None) -> dict[str, Any] | None:
    return model_table()["models"].get(model) if model else None


def is_stage(model: str | None) -> bool:
    """A concrete stage model (a subclass of authentik_flows.Stage)."""
    info = model_info(model)
    return bool(info and info.get("stage"))


def is_setup_stage(model: str | None) -> bool:
    """A stage that lets a user enrol an authenticator (TOTP, WebAuthn, static, SMS, Duo...)."""
    return (
        model is not None
        and is_stage(model)
        and model.startswith("authentik_stages_authenticator_")
        and not model.endswith("validatestage")
    )


def normalise_model(raw: str) -> str:
    """The model string as Django resolves it: the app label is case-sensitive, the model name
    is not (`apps.get_model` lower-cases only the model name)."""
    app, dot, name = raw.strip().partition(".")
    return f"{app}{dot}{name.lower()}"
