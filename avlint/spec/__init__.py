"""Versioned field specs of the models avlint validates, read from `rules/specs/`."""

from avlint.spec.model import Choice, FieldSpec, ModelSpec, available_models, model_spec

__all__ = ["Choice", "FieldSpec", "ModelSpec", "available_models", "model_spec"]
