"""Versioned field specs of the models avlint validates, read from `rules/specs/`."""

from avlint.spec.errors import SpecError
from avlint.spec.model import Choice, FieldSpec, ModelSpec, available_models, bundled_model_spec, model_spec

__all__ = ["Choice", "FieldSpec", "ModelSpec", "SpecError", "available_models", "bundled_model_spec", "model_spec"]
