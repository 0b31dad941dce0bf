"""The checks across the blueprints of a set, from their summaries alone.

Findings are made for the named files only (a pre-commit hook names the changed files; the rest
of `--project` is context), and name the other files with their line numbers. authentik applies
the blueprints of a folder in no guaranteed order (authentik issue #12186), so anything that
depends on which file goes first is reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

from avlint.engine import Located
from avlint.project.known import Chain, DefaultObjects, Known, KnownObjects, SetObjects, decidable
from avlint.project.summary import DocumentSummary, FileSummary, FindRef, ObjectDef, Span
from avlint.versions import Release

FLOW = "authentik_flows.flow"


class SetFile(NamedTuple):
    path: str  # as shown to the user
    real: str  # what identifies the file (device and inode): two names of one file (a symlink) are one file
    relative: str | None  # relative to the blueprints root ('/'-separated), when the root is known
    summary: FileSummary


class SetFindings(NamedTuple):
    found: dict[str, list[Located]]  # by real path, named files only
    replaced: dict[str, set[tuple[str, int, int]]]  # per-file findings (code, line, column) a set finding replaces


def check_set(
    files: list[SetFile], named: frozenset[str], release: Release, root_known: bool, live: KnownObjects | None = None
) -> SetFindings:
    """Every set finding of the named files (by real path). `root_known`: the files' relative
    paths are relative to the blueprints root (`--project`), so meta-apply paths can be checked.
    `live` is asked after the set and authentik's default objects (a server, a saved listing)."""
    result = SetFindings({}, {})
    checker = _SetChecker(files, named, release, root_known, live)
    for real, located in checker.run():
        result.found.setdefault(real, []).append(located)
    for real, key in checker.replaced:
        result.replaced.setdefault(real, set()).add(key)
    return result


def _where(path: str, line: int) -> str:
    return f"{path}:{line}"


def _listed(places: list[str], most: int = 3) -> str:
    """Places for a message: the first few, and how many more."""
    shown = ", ".join(places[:most])
    return f"{shown} and {len(places) - most} more" if len(places) > most else shown


def _at(code: str, span: Span, message: str, yaml_path: tuple[str | int, ...]) -> Located:
    line, column, end_line, end_column = span
    return Located(code, line, column, end_line, end_column, message, yaml_path)


class _SetChecker:
    def __init__(
        self, files: list[SetFile], named: frozenset[str], release: Release, root_known: bool, live: KnownObjects | None
    ) -> None:
        self.files, self.named, self.release, self.root_known = files, named, release, root_known
        self.by_real = {file.real: file for file in files}
        self.defs = [(file, definition) for file in files for document in file.summary for definition in document.defs]
        # Only blueprints authentik applies by itself race each other; one marked
        # `instantiate: "false"` runs when someone applies it.
        self.applied = [
            (file, definition)
            for file in files
            for document in file.summary
            if document.instantiate
            for definition in document.defs
        ]
        self.set_objects = SetObjects([(file.real, definition) for file, definition in self.defs])
        self.defaults = DefaultObjects(release)
        sources: list[KnownObjects] = [self.defaults]
        if live is not None:
            sources.append(live)
        self.outside: KnownObjects = Chain(*sources)
        self.replaced: list[tuple[str, tuple[str, int, int]]] = []
        self.ids: dict[str, list[tuple[DocumentSummary, str]]] | None = None  # every id of the set, on first need
        self.tails: dict[str, list[tuple[str, str]]] | None = None  # file name -> (absolute path, identity)
        self.meta_targets = self._meta_targets()

    def run(self) -> Iterator[tuple[str, Located]]:
        yield from self._duplicate_objects()
        yield from self._duplicate_names()
        for file in self.files:
            if file.real not in self.named:
                continue
            for document in file.summary:
                yield from ((file.real, hit) for hit in self._finds(file, document))
                yield from ((file.real, hit) for hit in self._keyof(file, document))
        yield from self._metas()

    # ---- the same object in several files ---------------------------------------------------

    def _duplicate_objects(self) -> Iterator[tuple[str, Located]]:
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[SetFile, ObjectDef]]] = {}
        for file, definition in self.applied:
            if definition.identifiers:
                groups.setdefault((definition.model, definition.identifiers), []).append((file, definition))
        for (model, identifiers), group in groups.items():
            if len({file.real for file, _ in group}) < 2 or len({d.attrs for _, d in group}) < 2:
                continue
            shown = ", ".join(f"{key}={value}" for key, value in identifiers)
            for file, definition in group:
                if file.real not in self.named:
                    continue
                others = _listed([_where(f.path, d.span[0]) for f, d in group if d is not definition])
                yield (
                    file.real,
                    _at(
                        "AV701",
                        definition.span,
                        f"{model} ({shown}) is also defined, with other attrs, in {others}; authentik applies"
                        " blueprints in no set order (authentik #12186), so which attrs win is luck: define it once",
                        definition.yaml_path,
                    ),
                )

    # ---- stage names and flow slugs ---------------------------------------------------------

    def _duplicate_names(self) -> Iterator[tuple[str, Located]]:
        from avlint.modelinfo import is_stage

        stages: dict[str, list[tuple[SetFile, ObjectDef]]] = {}
        flows: dict[str, list[tuple[SetFile, ObjectDef]]] = {}
        for file, definition in self.applied:
            if definition.name is None:
                continue
            if definition.model == FLOW:
                flows.setdefault(definition.name, []).append((file, definition))
            elif is_stage(definition.model):
                stages.setdefault(definition.name.strip(), []).append((file, definition))
        for name, group in stages.items():
            for file, definition in group:
                if file.real not in self.named:
                    continue
                # Within one file AV407 reports it; the same model is the same object (AV701).
                clashes = [(f, d) for f, d in group if f.real != file.real and d.model != definition.model]
                if clashes:
                    others = _listed([f"the {d.model} in {_where(f.path, d.span[0])}" for f, d in clashes])
                    yield (
                        file.real,
                        _at(
                            "AV702",
                            definition.span,
                            f"stage name '{name}' is also used by {others}; stage names are unique across all"
                            " stage types, so whichever blueprint runs second fails",
                            definition.yaml_path,
                        ),
                    )
        for slug, group in flows.items():
            for file, definition in group:
                if file.real not in self.named:
                    continue
                clashes = [
                    (f, d)
                    for f, d in group
                    if f.real != file.real and (d.identifiers != definition.identifiers or not d.identifiers)
                ]
                if clashes:
                    others = _listed([_where(f.path, d.span[0]) for f, d in clashes])
                    yield (
                        file.real,
                        _at(
                            "AV703",
                            definition.span,
                            f"flow slug '{slug}' is also given to a flow with other identifiers in {others}; flow"
                            " slugs are unique, so whichever blueprint runs second fails",
                            definition.yaml_path,
                        ),
                    )

    # ---- !Find ------------------------------------------------------------------------------

    def _finds(self, file: SetFile, document: DocumentSummary) -> Iterator[Located]:
        for find in document.finds:
            if not decidable(find.conditions):
                continue
            created = self.set_objects.find(find.model, find.conditions)
            if created:
                yield from self._ordering(file, find, created)
                continue
            if self.outside.find(find.model, find.conditions):
                continue
            yield self._unresolved(find)

    def _unresolved(self, find: FindRef) -> Located:
        wanted = ", ".join(f"{field}={value}" for field, value in find.conditions)
        other = [known for known in self.set_objects.find(None, find.conditions) if _same_kind(known.model, find.model)]
        if other:
            known = other[0]
            return _at(
                "AV706",
                find.span,
                f"!Find looks for {find.model} ({wanted}), but the object with that {find.conditions[0][0]} is"
                f" {_a(known.model)} ({_where(self.by_real[str(known.path)].path, known.line)}); !Find gives null"
                f" and the import fails: look it up as {known.model}",
                find.yaml_path,
            )
        return _at(
            "AV704",
            find.span,
            f"no blueprint of the set creates {find.model} ({wanted}) and authentik {self.release} ships no such"
            " object: the server must have it, or the import fails (only the server can tell)",
            find.yaml_path,
        )

    def _ordering(self, file: SetFile, find: FindRef, created: list[Known]) -> Iterator[Located]:
        creators = {str(known.path) for known in created}
        if file.real in creators or self.outside.find(find.model, find.conditions):
            return  # created earlier in this file, or on every server anyway
        reachable = self._applied_before(file.real)
        if creators & reachable:
            return
        known = created[0]
        creator = self.by_real[str(known.path)]
        yield _at(
            "AV707",
            find.span,
            f"!Find looks up {find.model} that {_where(creator.path, known.line)} creates, but authentik applies"
            " blueprints in no set order: the first import can fail. Apply that blueprint first with an"
            f" authentik_blueprints.metaapplyblueprint entry (identifiers: {{path: {creator.relative or creator.path}}})",
            find.yaml_path,
        )

    # ---- !KeyOf -----------------------------------------------------------------------------

    def _keyof(self, file: SetFile, document: DocumentSummary) -> Iterator[Located]:
        if not document.keyof_misses:
            return
        if self.ids is None:
            self.ids = {}
            for other in self.files:
                for other_document in other.summary:
                    for entry_id, line in other_document.ids:
                        self.ids.setdefault(entry_id, []).append((other_document, _where(other.path, line)))
        for miss in document.keyof_misses:
            elsewhere = [where for owner, where in self.ids.get(miss.id, []) if owner is not document]
            if not elsewhere:
                continue
            self.replaced.append((file.real, ("AV111", miss.span[0], miss.span[1])))
            yield _at(
                "AV705",
                miss.span,
                f"!KeyOf {miss.id} names an entry of another blueprint ({_listed(elsewhere)}); !KeyOf only sees"
                " the entries of its own file: look the object up with !Find",
                miss.yaml_path,
            )

    # ---- meta-apply -------------------------------------------------------------------------

    def _meta_targets(self) -> dict[str, list[tuple[DocumentSummary, int, str | None]]]:
        """For each file, the files its meta-apply entries name: (document, meta index, real
        path of the target, or None when no file of the set is it)."""
        by_relative = {file.relative: file.real for file in self.files if file.relative is not None}
        by_name = {
            document.name: file.real for file in self.files for document in file.summary if document.name is not None
        }
        targets: dict[str, list[tuple[DocumentSummary, int, str | None]]] = {}
        for file in self.files:
            for document in file.summary:
                for index, meta in enumerate(document.metas):
                    wanted = dict(meta.identifiers)
                    target = None
                    if "path" in wanted:
                        target = by_relative.get(wanted["path"].lstrip("/")) or self._by_tail(wanted["path"])
                    elif "name" in wanted:
                        target = by_name.get(wanted["name"])
                    targets.setdefault(file.real, []).append((document, index, target))
        return targets

    def _by_tail(self, path: str) -> str | None:
        """Without a known root, the file whose path ends with the meta-apply path."""
        if self.root_known:
            return None
        if self.tails is None:  # once: every file by its name, with its absolute path
            self.tails = {}
            for file in self.files:
                absolute = "/" + os.path.abspath(file.path).replace(os.sep, "/")
                self.tails.setdefault(absolute.rsplit("/", 1)[-1], []).append((absolute, file.real))
        tail = "/" + path.lstrip("/")
        found = [real for absolute, real in self.tails.get(tail.rsplit("/", 1)[-1], []) if absolute.endswith(tail)]
        return found[0] if len(found) == 1 else None

    def _applied_before(self, real: str) -> set[str]:
        """The files a file's meta-apply entries apply first, directly or through others."""
        seen: set[str] = set()
        stack = [real]
        while stack:
            for _, _, target in self.meta_targets.get(stack.pop(), []):
                if target is not None and target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    def _metas(self) -> Iterator[tuple[str, Located]]:
        for real, targets in self.meta_targets.items():
            if real not in self.named:
                continue
            file = self.by_real[real]
            for document, index, target in targets:
                meta = document.metas[index]
                wanted = dict(meta.identifiers)
                if target is None:
                    path = wanted.get("path")
                    if path is None or not meta.required or not self.root_known or self._shipped(path):
                        continue
                    yield (
                        real,
                        _at(
                            "AV708",
                            meta.span,
                            f"the meta-apply entry names the blueprint path '{path}', which no file under the"
                            " blueprints root has (the import fails: Required blueprint does not exist)",
                            meta.yaml_path,
                        ),
                    )
                    continue
                cycle = self._cycle_through(real, target)
                if cycle:
                    chain = " -> ".join([file.path, *(self.by_real[step].path for step in cycle)])
                    yield (
                        real,
                        _at(
                            "AV709",
                            meta.span,
                            f"meta-apply entries form a circle ({chain}): each blueprint applies the other first,"
                            " so neither ever finishes; remove one of the entries",
                            meta.yaml_path,
                        ),
                    )

    def _cycle_through(self, real: str, target: str) -> list[str]:
        """The chain of files from `target` back to `real` through meta-apply entries, or []."""
        previous: dict[str, str] = {}
        stack = [target]
        seen = {target}
        while stack:
            current = stack.pop()
            if current == real:
                chain = [current]
                while chain[-1] != target:
                    chain.append(previous[chain[-1]])
                return list(reversed(chain))
            for _, _, following in self.meta_targets.get(current, []):
                if following is not None and following not in seen:
                    seen.add(following)
                    previous[following] = current
                    stack.append(following)
        return []

    def _shipped(self, path: str) -> bool:
        path = path.lstrip("/")
        return path in self.defaults.blueprints or path.startswith("example/")


def _same_kind(left: str, right: str) -> bool:
    """Two models a user can mix up under one name: two stage types, or the same app."""
    from avlint.modelinfo import is_stage

    return left != right and ((is_stage(left) and is_stage(right)) or left.split(".")[0] == right.split(".")[0])


def _a(model: str) -> str:
    from avlint.nodes import a_or_an

    return a_or_an(model)
