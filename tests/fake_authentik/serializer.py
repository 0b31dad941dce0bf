"""A DRF ``Serializer.is_valid`` in miniature: field errors in field order, then object-level rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .fields import EMPTY, Err, Field, FieldError, SkipField
from .http import ApiError

NON_FIELD = "non_field_errors"


class Invalid(Exception):
    """Validation failed; ``errors`` is DRF's ``serializer.errors`` (values are Err lists/dicts)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors)
        self.errors = errors


FieldHook = Callable[[Any, dict[str, Any]], Any]  # validate_<field>(value, initial_data)
ObjectRule = Callable[[dict[str, Any]], None]  # raises Invalid


def run(
    fields: list[tuple[str, Field]],
    data: Any,
    *,
    partial: bool,
    hooks: dict[str, FieldHook] | None = None,
    rules: list[ObjectRule] | None = None,
) -> dict[str, Any]:
    """Validate ``data``; return the validated values of the fields that were sent."""
    if data is None:
        # DRF's edge case for a JSON ``null`` body.
        raise Invalid({NON_FIELD: [Err("No data provided", "null")]})
    if not isinstance(data, dict):
        raise Invalid(
            {NON_FIELD: [Err(f"Invalid data. Expected a dictionary, but got {type(data).__name__}.", "invalid")]}
        )
    hooks = hooks or {}
    validated: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, field in fields:
        try:
            value = field.run(data.get(name, EMPTY), partial)
            if name in hooks:
                value = hooks[name](value, data)
        except SkipField:
            continue
        except FieldError as exc:
            errors[name] = exc.detail
            continue
        validated[name] = value
    if errors:
        raise Invalid(errors)
    for rule in rules or []:
        rule(validated)
    return validated


def non_field(message: str, code: str = "invalid") -> Invalid:
    return Invalid({NON_FIELD: [Err(message, code)]})


def plain(errors: Any) -> Any:
    """serializer.errors as the JSON renderer writes it (string keys, plain strings)."""
    if isinstance(errors, dict):
        return {str(key): plain(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [plain(item) for item in errors]
    return str(errors)


def checked(validate: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a validator; a failure becomes the 400 answer with DRF's error body."""
    try:
        return validate(*args, **kwargs)
    except Invalid as exc:
        raise ApiError(400, plain(exc.errors)) from None
