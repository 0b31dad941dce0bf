"""The checks, as a literal registry: each function with the rule codes it can report.

A check is a generator over a CheckContext that yields Hits; the engine skips a check whose
codes are all deselected and stamps rule data on what it yields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from avlint.checks import binding, document, entries, evaluation, fields, flows, references, stage, tags
from avlint.checks.base import CheckContext, Hit

Check = Callable[[CheckContext], Iterator[Hit]]

REGISTRY: tuple[tuple[Check, frozenset[str]], ...] = (
    (document.check_duplicate_keys, frozenset({"AV002"})),
    (document.check_top_level, frozenset({"AV101", "AV102", "AV103", "AV104", "AV105"})),
    (tags.check_tags, frozenset({"AV003", "AV113", "AV114", "AV115"})),
    (evaluation.check_evaluation, frozenset({"AV006", "AV121"})),
    (entries.check_entries, frozenset({"AV106", "AV107", "AV108", "AV109", "AV116", "AV117", "AV118"})),
    (entries.check_entry_ids, frozenset({"AV110"})),
    (references.check_keyof, frozenset({"AV111", "AV112"})),
    (
        fields.check_fields,
        frozenset(
            {
                "AV119",
                "AV120",
                "AV201",
                "AV202",
                "AV203",
                "AV204",
                "AV205",
                "AV206",
                "AV207",
                "AV208",
                "AV209",
                "AV210",
                "AV211",
                "AV212",
                "AV213",
                "AV214",
                "AV215",
            }
        ),
    ),
    (stage.check_configure, frozenset({"AV301"})),
    (stage.check_threshold, frozenset({"AV303", "AV304", "AV305", "AV306", "AV307"})),
    (stage.check_device_classes, frozenset({"AV402", "AV403"})),
    (stage.check_enrolment, frozenset({"AV401", "AV404", "AV406"})),
    (binding.check_evaluation, frozenset({"AV302"})),
    (flows.check_disjoint_stages, frozenset({"AV405"})),
    (flows.check_stage_names, frozenset({"AV407"})),
)

__all__ = ["REGISTRY", "Check", "CheckContext", "Hit"]
