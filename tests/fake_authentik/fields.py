"""The few Django REST framework fields the fake's serializers need, with DRF's messages and codes.

Each field's ``run`` follows DRF's ``run_validation``: empty/null handling, then
``to_internal_value``, then the field's validators. Errors are lists of :class:`Err` (a ``str``
carrying a DRF error code, whose ``repr`` is ``ErrorDetail(string=..., code=...)`` as in the
blueprint importer's log lines, recording 099), or ``{index: [Err]}`` for list items.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

EMPTY: Any = object()  # the key is not in the request body


class Err(str):
    code: str

    def __new__(cls, message: str, code: str) -> Err:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    def __repr__(self) -> str:
        return f"ErrorDetail(string={str.__repr__(self)}, code={self.code!r})"


class SkipField(Exception):
    """The field is absent and not required: leave the stored value alone."""


class FieldError(Exception):
    def __init__(self, detail: list[Err] | dict[int, Any]):
        super().__init__(detail)
        self.detail = detail


def fail(message: str, code: str) -> FieldError:
    return FieldError([Err(message, code)])


Validator = Callable[[Any], None]


class Field:
    def __init__(self, *, required: bool = False, allow_null: bool = False, validators: list[Validator] | None = None):
        self.required = required
        self.allow_null = allow_null
        self.validators = list(validators or [])

    def run(self, value: Any, partial: bool) -> Any:
        if value is EMPTY:
            if partial or not self.required:
                raise SkipField
            raise fail("This field is required.", "required")
        if value is None:
            if not self.allow_null:
                raise fail("This field may not be null.", "null")
            return None
        value = self.to_internal(value)
        errors: list[Err] = []
        for validator in self.validators:
            try:
                validator(value)
            except FieldError as exc:
                errors.extend(exc.detail)  # type: ignore[arg-type]
        if errors:
            raise FieldError(errors)
        return value

    def to_internal(self, value: Any) -> Any:
        return value


class CharField(Field):
    def __init__(self, *, allow_blank: bool = False, trim: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.allow_blank = allow_blank
        self.trim = trim

    def run(self, value: Any, partial: bool) -> Any:
        if value is not EMPTY and value is not None:
            if value == "" or (self.trim and str(value).strip() == ""):
                if not self.allow_blank:
                    raise fail("This field may not be blank.", "blank")
                return ""
        return super().run(value, partial)

    def to_internal(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail("Not a valid string.", "invalid")
        text = str(value)
        return text.strip() if self.trim else text


class ChoiceField(Field):
    def __init__(self, choices: list[str], *, allow_blank: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.allow_blank = allow_blank

    def to_internal(self, value: Any) -> Any:
        if value == "" and self.allow_blank:
            return ""
        key = str(value)
        if key in self.choices:
            return key
        raise fail(f'"{value}" is not a valid choice.', "invalid_choice")


_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0}


class BooleanField(Field):
    def to_internal(self, value: Any) -> Any:
        try:
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
        except TypeError:  # unhashable (list, dict)
            pass
        raise fail("Must be a valid boolean.", "invalid")


class IntegerField(Field):
    _decimal = re.compile(r"\.0*\s*$")

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.min_value = min_value
        self.max_value = max_value

    def to_internal(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > 1000:
            raise fail("String value too large.", "max_string_length")
        try:
            number = int(self._decimal.sub("", str(value)))
        except (ValueError, TypeError):
            raise fail("A valid integer is required.", "invalid") from None
        if self.max_value is not None and number > self.max_value:
            raise fail(f"Ensure this value is less than or equal to {self.max_value}.", "max_value")
        if self.min_value is not None and number < self.min_value:
            raise fail(f"Ensure this value is greater than or equal to {self.min_value}.", "min_value")
        return number


class ListField(Field):
    """DRF ListField (a Postgres ArrayField): per-item errors keyed by index."""

    def __init__(self, child: Field, *, allow_empty: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.child = child
        self.allow_empty = allow_empty

    def to_internal(self, value: Any) -> Any:
        if isinstance(value, (str, Mapping)) or not hasattr(value, "__iter__"):
            raise fail(f'Expected a list of items but got type "{type(value).__name__}".', "not_a_list")
        if not self.allow_empty and len(value) == 0:
            raise fail("This list may not be empty.", "empty")
        result, errors = [], {}
        for index, item in enumerate(value):
            try:
                result.append(self.child.run(item, partial=False))
            except FieldError as exc:
                errors[index] = exc.detail
        if errors:
            raise FieldError(errors)
        return result


def uuid_pk(item: Any, exists: Callable[[str], bool]) -> str:
    """DRF PrimaryKeyRelatedField.to_internal_value on a model whose pk is a UUIDField."""
    if isinstance(item, bool):
        raise fail(f"Incorrect type. Expected pk value, received {type(item).__name__}.", "incorrect_type")
    if item is None:
        raise fail('Invalid pk "None" - object does not exist.', "does_not_exist")
    try:
        parsed = uuid.UUID(int=item) if isinstance(item, int) else uuid.UUID(hex=item)
    except (AttributeError, ValueError, TypeError):
        raise fail(f"“{item}” is not a valid UUID.", "invalid") from None
    if not exists(str(parsed)):
        raise fail(f'Invalid pk "{item}" - object does not exist.', "does_not_exist")
    return str(parsed)


class PrimaryKeyField(Field):
    def __init__(self, exists: Callable[[str], bool], **kwargs: Any):
        super().__init__(**kwargs)
        self.exists = exists

    def to_internal(self, value: Any) -> Any:
        return uuid_pk(value, self.exists)


class ManyPrimaryKeyField(Field):
    """DRF ManyRelatedField: stops at the first bad item, and its error is not keyed by index."""

    def __init__(self, exists: Callable[[str], bool], *, allow_empty: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.exists = exists
        self.allow_empty = allow_empty

    def to_internal(self, value: Any) -> Any:
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            raise fail(f'Expected a list of items but got type "{type(value).__name__}".', "not_a_list")
        items = list(value)  # a dict iterates over its keys, as in DRF
        if not self.allow_empty and not items:
            raise fail("This list may not be empty.", "empty")
        result: list[str] = []
        for item in items:
            pk = uuid_pk(item, self.exists)
            if pk not in result:  # a many-to-many relation holds each object once
                result.append(pk)
        return result


class DictField(Field):
    def to_internal(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise fail(f'Expected a dictionary of items but got type "{type(value).__name__}".', "not_a_dict")
        return value


def unique(message: str, taken: Callable[[Any], bool]) -> Validator:
    """DRF UniqueValidator: ``taken(value)`` says whether another object already uses the value."""

    def validator(value: Any) -> None:
        if taken(value):
            raise fail(message, "unique")

    return validator


def regex(pattern: str, message: str) -> Validator:
    compiled = re.compile(pattern)

    def validator(value: Any) -> None:
        if not compiled.search(str(value)):
            raise fail(message, "invalid")

    return validator
