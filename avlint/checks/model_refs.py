"""Which models a pk-valued field can hold.

The generated specs name each reference field's target model (docs/specs.md, "References").
Where that is one of authentik's abstract bases, any concrete subclass fits: a binding's stage
may be any stage, a policy binding's policy any policy. Subclasses are told by the model
string's conventions (authentik names every concrete source `authentik_sources_*.*source` and so
on) and, for stages, by the `stage` flag of the model list.
"""

from __future__ import annotations

from collections.abc import Callable

from avlint.modelinfo import is_stage

# base model -> (how a message names it, which models are its concrete subclasses)
_BASES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "authentik_flows.stage": ("a stage", is_stage),
    "authentik_core.source": (
        "a source",
        lambda m: m.startswith("authentik_sources_") and m.endswith("source"),
    ),
    "authentik_core.provider": (
        "a provider",
        lambda m: m.startswith("authentik_providers_") and m.endswith("provider"),
    ),
    "authentik_core.propertymapping": ("a property mapping", lambda m: m.endswith("mapping")),
    "authentik_policies.policy": (
        "a policy",
        lambda m: m.startswith("authentik_policies_") and m.endswith("policy"),
    ),
}
# Bases whose subclasses are too varied to tell by name: any model may be right.
_OPEN = ("authentik_policies.policybindingmodel", "authentik_outposts.outpostserviceconnection")
_NAMES = {"authentik_flows.flow": "a flow"}


def holds(target: str, model: str) -> bool:
    """Whether a field pointing at `target` can hold a pk of `model`."""
    if target == model or target in _OPEN:
        return True
    base = _BASES.get(target)
    return base is not None and base[1](model)


def reference_text(target: str) -> str:
    """`a stage`, `a flow`, `an authentik_core.group`."""
    if target in _BASES:
        return _BASES[target][0]
    return _NAMES.get(target) or f"{'an' if target[:1] in 'aeiou' else 'a'} {target}"
