"""Rules for flow-stage bindings beyond field types."""

from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import ScalarNode

from avlint.blueprint import BINDING
from avlint.checks.base import CheckContext, Hit, reports
from avlint.nodes import BOOL, Pair, is_custom_tag, scalar_value
from avlint.versions import Release

EVALUATION_RULE_SINCE = Release(2023, 3)
_FALSE_TEXT = {"f", "n", "no", "false", "off", "0"}
_TRUE_TEXT = {"t", "y", "yes", "true", "on", "1"}


@reports("AV302")
def check_evaluation(ctx: CheckContext) -> Iterator[Hit]:
    if ctx.release < EVALUATION_RULE_SINCE:
        return
    for entry in ctx.document.entries_of(BINDING):
        if entry.state in ("absent", None):
            continue
        data = entry.data()
        # authentik reads only the submitted values, with fallbacks False and True.
        on_plan = _flag(data.get("evaluate_on_plan"), False)
        on_run = _flag(data.get("re_evaluate_policies"), True)
        if on_plan is False and on_run is False:
            pair = data.get("re_evaluate_policies")
            node = pair.value if pair else entry.node
            yield Hit(
                "AV302",
                node,
                "evaluate_on_plan and re_evaluate_policies would both be false; authentik rejects the binding (set evaluate_on_plan: true)",
                pair.path if pair else entry.path,
            )


def _flag(pair: Pair | None, fallback: bool) -> bool | None:
    """The boolean DRF would read, the fallback when absent, None when unknowable (a tag)."""
    if pair is None:
        return fallback
    node = pair.value
    if is_custom_tag(node) or not isinstance(node, ScalarNode):
        return None
    if node.tag == BOOL:
        return bool(scalar_value(node))
    text = node.value.lower()
    return True if text in _TRUE_TEXT else False if text in _FALSE_TEXT else None
