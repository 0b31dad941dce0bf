"""Infer the releases a blueprint may have been written for from what it uses.

Every field, choice and tag avlint knows has a release range; the file fits every release
consistent with all of them, from `oldest` to `release` (the newest). Evidence rarely pins one
release, so `avlint migrate` works with the range: a step past its newest end certainly
applies, a step before its oldest end certainly does not, and a step inside it is either
unambiguous (its old form is in the file) or needs `--from`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from yaml.nodes import Node, ScalarNode

from avlint.blueprint import Document
from avlint.checks.tags import tag_table
from avlint.nodes import start, walk
from avlint.spec.model import FieldSpec, model_spec
from avlint.versions import Release, known_releases


@dataclass(frozen=True)
class Evidence:
    line: int
    what: str
    since: Release | None
    until: Release | None  # first release without it


@dataclass(frozen=True)
class Inference:
    release: Release | None  # the newest consistent release; None when the evidence contradicts itself
    evidence: tuple[Evidence, ...]
    oldest: Release | None = None  # the oldest consistent release

    def needs(self) -> str:
        """`; it uses X (2025.2+)` for the evidence that sets the oldest possible release."""
        floors = _distinct(sorted((e for e in self.evidence if e.since is not None), key=_since, reverse=True))
        if not floors:
            return ""
        return "; it uses " + ", ".join(f"{e.what} (line {e.line}, {e.since}+)" for e in floors[:3])

    def conflict(self) -> str:
        floors = [e for e in self.evidence if e.since is not None]
        ceilings = [e for e in self.evidence if e.until is not None]
        if not floors or not ceilings:
            return "no release fits everything the file uses"
        newest = max(floors, key=_since)
        oldest = min(ceilings, key=_until)
        return f"{newest.what} (line {newest.line}) needs {newest.since}+, but {oldest.what} (line {oldest.line}) is gone from {oldest.until}: no release has both"

    def evidence_text(self, limit: int = 3) -> str:
        """What bounds the range, newest floors and oldest ceilings first."""
        floors = _distinct(sorted((e for e in self.evidence if e.since is not None), key=_since, reverse=True))
        ceilings = _distinct(sorted((e for e in self.evidence if e.until is not None), key=_until))
        parts = [f"{e.what} (line {e.line}) exists only before {e.until}" for e in ceilings[:limit]]
        parts += [f"{e.what} (line {e.line}) needs {e.since}+" for e in floors[:limit]]
        return "; ".join(parts) if parts else "nothing in it is specific to a release"


def _distinct(evidence: list[Evidence]) -> list[Evidence]:
    """One line per kind of evidence (the first use of each field, choice or tag)."""
    seen: set[str] = set()
    distinct = []
    for item in evidence:
        if item.what not in seen:
            seen.add(item.what)
            distinct.append(item)
    return distinct


def _since(evidence: Evidence) -> Release:
    assert evidence.since is not None
    return evidence.since


def _until(evidence: Evidence) -> Release:
    assert evidence.until is not None
    return evidence.until


def infer_release(document: Document, text: str) -> Inference:
    evidence = list(_field_evidence(document)) + list(_tag_evidence(document, text))
    candidates = [r for r in known_releases() if all(_fits(r, e) for e in evidence)]
    if not candidates:
        return Inference(None, tuple(evidence))
    return Inference(candidates[-1], tuple(evidence), candidates[0])


def _fits(release: Release, evidence: Evidence) -> bool:
    return (evidence.since is None or release >= evidence.since) and (
        evidence.until is None or release < evidence.until
    )


def _field_evidence(document: Document) -> Iterator[Evidence]:
    newest = known_releases()[-1]
    for entry in document.entries:
        spec = model_spec(entry.model, newest) if entry.model else None
        if spec is None or entry.state == "absent":
            continue
        for key, pair in entry.data().items():
            rows = [row for row in spec.rows.get(key, ()) if not row.read_only]
            if rows:
                yield Evidence(start(pair.key_node)[0], f"field '{key}'", *_span(rows))
                yield from _choice_evidence(rows, pair.value, key)


def _choice_evidence(rows: list[FieldSpec], node: Node, key: str) -> Iterator[Evidence]:
    field = rows[-1].items if rows[-1].type == "list" else rows[-1]
    if field is None or not field.all_choices:
        return
    values = node.value if not isinstance(node, ScalarNode) and isinstance(node.value, list) else [node]
    for item in values:
        if isinstance(item, ScalarNode):
            choice = next((c for c in field.all_choices if c.value == item.value), None)
            if choice is not None and (choice.since or choice.until):
                yield Evidence(start(item)[0], f"{key} '{item.value}'", _release(choice.since), _release(choice.until))


def _span(rows: list[FieldSpec]) -> tuple[Release | None, Release | None]:
    since = [row.since for row in rows]
    until = [row.until for row in rows]
    # A field some row has without a bound is unbounded on that side.
    return (None if None in since else min(Release.parse(s) for s in since if s is not None)), (
        None if None in until else max(Release.parse(u) for u in until if u is not None)
    )


def _release(text: str | None) -> Release | None:
    return Release.parse(text) if text else None


def _tag_evidence(document: Document, text: str) -> Iterator[Evidence]:
    if "!" not in text:
        return
    table = tag_table()
    for node, _ in walk(document.root):
        spec = table.get(node.tag)
        if spec is not None:
            yield Evidence(start(node)[0], f"tag {node.tag}", Release.parse(spec["since"]), None)
