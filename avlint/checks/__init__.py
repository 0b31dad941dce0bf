"""The checks, as a literal registry in the order they run.

A check is a generator over a CheckContext that yields Hits; each declares the rule codes it
can report beside its function (`@reports(...)`), and the engine skips a check whose
codes are all deselected and stamps rule data on what it yields.
"""

from __future__ import annotations

from avlint.checks import (
    authentik_discovery,
    binding,
    default_patch,
    document,
    entries,
    evaluation,
    fields,
    flows,
    references,
    serializer_keypairs,
    serializer_rules,
    serializer_values,
    stage,
    tags,
    userless,
)
from avlint.checks.base import Check, CheckContext, Hit

REGISTRY: tuple[Check, ...] = (
    document.check_duplicate_keys,
    document.check_top_level,
    authentik_discovery.check_discovery,
    tags.check_tags,
    evaluation.check_evaluation,
    entries.check_entries,
    entries.check_entry_ids,
    references.check_keyof,
    fields.check_fields,
    stage.check_configure,
    stage.check_threshold,
    stage.check_device_classes,
    stage.check_enrolment,
    binding.check_evaluation,
    flows.check_disjoint_stages,
    flows.check_stage_names,
    userless.check_userless_validation,
    serializer_rules.check_serializer_rules,
    default_patch.check_default_patches,
    serializer_values.check_durations,
    serializer_values.check_file_names,
    serializer_values.check_urls,
    serializer_values.check_expressions,
    serializer_values.check_redirect_uris,
    serializer_values.check_policy_binding_kind,
    serializer_values.check_shared_tables,
    serializer_values.check_runtime_notes,
    serializer_rules.check_shared_codenames,
    serializer_keypairs.check_keypairs_with_key,
)

__all__ = ["REGISTRY", "Check", "CheckContext", "Hit"]
