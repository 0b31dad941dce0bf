"""The snapshot texts `avlint spec import` writes and `avlint spec show` prints."""

from __future__ import annotations

from typing import Any

from avlint.spec.render import dump_snapshot, render_snapshot
from avlint.versions import Release, known_releases, resolve_release


def imported_text(source: str) -> tuple[str, dict[str, Any]]:
    """The snapshot derived from the OpenAPI schema at a path or URL, as YAML text and as data."""
    from avlint.spec.fetch import read_schema
    from avlint.spec.openapi import import_schema

    snapshot = import_schema(read_schema(source), source)
    return dump_snapshot(snapshot, _import_comment(snapshot)), snapshot


def shown_text(target_version: str | None, spec_file: str | None) -> str:
    """The spec a lint run with these options would use, in the snapshot format."""
    from avlint.spec.snapshot import load_snapshot, release_for

    if spec_file is None:
        release = resolve_release(target_version)
        return dump_snapshot(
            render_snapshot(release, "bundled"), f"avlint's bundled field spec for authentik {release}."
        )
    snapshot = load_snapshot(spec_file)
    release = release_for(snapshot, target_version)
    return dump_snapshot(
        render_snapshot(release, snapshot.source, snapshot),
        f"The field spec for authentik {release} from {spec_file}, as resolved.",
    )


def import_note(snapshot: dict[str, Any]) -> str | None:
    """A word for stderr when the release is one avlint does not know."""
    release = Release.parse(snapshot["authentik"])
    if release in known_releases():
        return None
    nearest = snapshot.get("bundled_release")
    filled = f"; what OpenAPI cannot express comes from its spec for {nearest}" if nearest else ""
    return f"avlint does not know authentik {release} yet: use the snapshot with --spec{filled}"


def _import_comment(snapshot: dict[str, Any]) -> str:
    lines = [
        f"avlint field spec for authentik {snapshot['authentik']}, imported from an OpenAPI schema (info.version {snapshot['source']}).",
        "Use it with `avlint lint --spec FILE`.",
    ]
    if "bundled_release" in snapshot:
        lines += [
            "Rows marked `derived: bundled` take the keys in `bundled_keys` from avlint's bundled spec",
            f"for authentik {snapshot['bundled_release']}: OpenAPI cannot express them.",
        ]
    return "\n".join(lines)
