"""Benchmark the live commands against the loopback fake authentik of the test suite.

    python bench/live.py            # diff at 20 ms and 500 ms per list request and at 500 ms per
                                    # request (the version too), the per-object baseline,
                                    # fix/payload against lint, apply of 200 stages
    python bench/live.py --before DIR  # diff and apply of this checkout against the avlint in
                                       # DIR (e.g. `git archive OLD avlint rules | tar -x -C DIR`),
                                       # runs alternating so that machine load hits both alike
    --diff-only                     # with either: only the diff rows

The fake adds a fixed latency to every request, standing in for a real server's pace (a real
authentik 2025.12.4 with one worker took about 0.5 s per page of 100 validation stages). Each
avlint command runs as a subprocess, timed wall clock; the fake's request log gives the number
of requests and the most that were in flight at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from measured_env import ENV, PYCACHE_NOTE, warm_bytecode  # noqa: E402

from tests.fake_authentik import FakeAuthentik  # noqa: E402
from tests.fake_authentik.http import Request  # noqa: E402

VALIDATE = "/api/v3/stages/authenticator/validate/"
AVLINT = [sys.executable, "-m", "avlint"]


def seed_stages(fake: FakeAuthentik, count: int) -> list[dict]:
    headers = {"authorization": f"Bearer {fake.token}", "content-type": "application/json"}
    created = []
    for index in range(count):
        body = json.dumps(
            {
                "name": f"bench-{index:04d}",
                "device_classes": ["totp", "webauthn"],
                "not_configured_action": "skip",
                "last_auth_threshold": "hours=12",
            }
        ).encode()
        response = fake.handle(Request("POST", VALIDATE, {}, headers, body))
        assert response.status == 201, response.body
        created.append(json.loads(response.body))
    return created


def write_blueprints(folder: Path, stages: list[dict], per_file: int = 100) -> None:
    for start in range(0, len(stages), per_file):
        lines = ["version: 1", "metadata:", f"  name: bench {start}", "entries:"]
        for stage in stages[start : start + per_file]:
            lines += [
                "  - model: authentik_stages_authenticator_validate.authenticatorvalidatestage",
                "    identifiers:",
                f"      name: {stage['name']}",
                "    attrs:",
                "      device_classes: [totp, webauthn]",
                "      not_configured_action: skip",
                "      last_auth_threshold: hours=12",
            ]
        (folder / f"stages-{start:04d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(args: list[str], fake: FakeAuthentik) -> tuple[float, int, int, int]:
    fake.requests.clear()
    started = time.perf_counter()
    result = subprocess.run(
        [*AVLINT, *args, "--url", fake.url, "--token", fake.token], capture_output=True, text=True, env=ENV
    )
    wall = time.perf_counter() - started
    fake.requests.wait_finished(len(fake.requests))
    return wall, result.returncode, len(fake.requests), fake.requests.max_in_flight


async def per_object(fake: FakeAuthentik, pks: list[str], parallelism: int = 10) -> float:
    """A terraform-provider-like client: one GET per object, `parallelism` at a time."""
    import httpx

    gate = asyncio.Semaphore(parallelism)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=fake.url, headers={"Authorization": f"Bearer {fake.token}"}) as client:

        async def one(pk: str) -> None:
            async with gate:
                response = await client.get(f"{VALIDATE}{pk}/")
                response.raise_for_status()

        await asyncio.gather(*(one(pk) for pk in pks))
    return time.perf_counter() - started


def median_of(times: int, work) -> tuple[float, ...]:
    samples = [work() for _ in range(times)]
    return tuple(statistics.median(values) for values in zip(*samples, strict=False))


# (label, seconds per request, which requests, target): the pace of a real server, where listing
# pages is slow work and the version is not; and an independent fake's, where every request,
# the version included, takes the same time (issue 14 item 5: the version and the first pages
# go out together, so the version's round trip is no longer added).
PACES = (
    ("20 ms/list request", 0.02, ("/api/v3/stages/*", "/api/v3/flows/*"), 1.5),
    ("500 ms/list request", 0.5, ("/api/v3/stages/*", "/api/v3/flows/*"), 2.0),
    ("500 ms/request, version too", 0.5, ("/api/v3/*",), 2.0),
)


def slow_down(fake: FakeAuthentik, latency: float, paths: tuple[str, ...]) -> None:
    fake.faults.clear()
    for path in paths:
        fake.faults.latency(latency, path=path)


def diff_rows(report: list[str]) -> None:
    with FakeAuthentik() as fake, tempfile.TemporaryDirectory() as folder:
        stages = seed_stages(fake, 1000)
        write_blueprints(Path(folder), stages)
        pks = [str(stage["pk"]) for stage in stages]
        for label, latency, paths, target in PACES:
            slow_down(fake, latency, paths)
            wall, code, requests, in_flight = median_of(3, lambda: run(["diff", folder], fake))
            fake.requests.clear()
            baseline = asyncio.run(per_object(fake, pks))
            ratio = baseline / wall
            verdict = (
                f"{'PASS' if wall < target and code == 0 else 'FAIL'} (time), {'PASS' if ratio >= 10 else 'FAIL'} (10x)"
            )
            report.append(
                f"| diff, 1,000 stages, {label} | {wall:.2f} s | {int(requests)} requests, {int(in_flight)} in flight | per-object client: {baseline:.2f} s ({ratio:.0f}x slower) | < {target} s, >= 10x | {verdict} |"
            )


def apply_row(report: list[str]) -> None:
    with FakeAuthentik() as fake, tempfile.TemporaryDirectory() as folder:
        stages = [{"name": f"apply-{index:03d}"} for index in range(200)]
        write_blueprints(Path(folder), stages)
        fake.faults.latency(0.02, path="/api/v3/*")
        wall, code, requests, in_flight = run(["apply", "--yes", folder], fake)
        posts = sum(1 for record in fake.requests if record.method == "POST")
        verdict = "PASS" if code == 0 and posts == 200 else "FAIL"
        report.append(
            f"| apply --yes, 200 creations, 20 ms/request | {wall:.2f} s | {int(requests)} requests ({posts} POST), {posts / wall:.0f} creations/s, at most {int(in_flight)} in flight | - | bounded in flight | {verdict} |"
        )


def fix_payload_rows(report: list[str]) -> None:
    corpus = ROOT / "bench" / "corpus"
    if not corpus.is_dir():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "corpus.py"), "--files", "1000", "--out", str(corpus)], check=True
        )

    def timed(args: list[str]) -> float:
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "corpus"
            subprocess.run(["cp", "-r", str(corpus), str(copy)], check=True)
            started = time.perf_counter()
            subprocess.run([*AVLINT, *args, str(copy)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
            return time.perf_counter() - started

    lint = statistics.median(timed(["lint", "--format", "json"]) for _ in range(3))
    for name, args in (("fix", ["fix"]), ("payload", ["payload", "--allow-unresolved", "--all-models"])):
        wall = statistics.median(timed(args) for _ in range(3))
        verdict = "PASS" if wall <= 2 * lint else "FAIL"
        report.append(
            f"| {name}, 1,000-file corpus | {wall:.2f} s | lint of the same: {lint:.2f} s | {wall / lint:.2f}x lint | <= 2x lint | {verdict} |"
        )


def timed_in(tree: Path, args: list[str], fake: FakeAuthentik) -> float:
    """Wall time of `python -m avlint ARGS` run in `tree`, so that `-m` imports that tree's avlint."""
    fake.requests.clear()
    started = time.perf_counter()
    done = subprocess.run(
        [*AVLINT, *args, "--url", fake.url, "--token", fake.token], capture_output=True, text=True, env=ENV, cwd=tree
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{tree}: avlint {' '.join(args)} exited {done.returncode}: {done.stderr[-500:]}")
    return wall


def compare(before: Path, rounds: int = 7, diff_only: bool = False) -> None:
    """Median (and fastest) wall time of diff and apply, this checkout against `before`."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(before / "avlint")], check=True, env=ENV)
    trees = {"before": before, "after": ROOT}
    report = []

    def row(label: str, samples: dict[str, list[float]]) -> None:
        cells = [f"{statistics.median(samples[t]):.2f} s (fastest {min(samples[t]):.2f})" for t in trees]
        report.append(f"| {label} | {cells[0]} | {cells[1]} |")

    with FakeAuthentik() as fake, tempfile.TemporaryDirectory() as folder:
        write_blueprints(Path(folder), seed_stages(fake, 1000))
        for label, latency, paths, _ in PACES:
            slow_down(fake, latency, paths)
            samples: dict[str, list[float]] = {t: [] for t in trees}
            for _ in range(rounds):
                for name, tree in trees.items():
                    samples[name].append(timed_in(tree, ["diff", folder], fake))
            row(f"diff, 1,000 stages, {label}", samples)
    if diff_only:
        print(f"load average after: {os.getloadavg()}")
        print("| what | before (median, fastest) | after (median, fastest) |\n| --- | --- | --- |")
        print("\n".join(report))
        return
    samples = {t: [] for t in trees}
    for _ in range(max(3, rounds // 2)):
        for name, tree in trees.items():
            with FakeAuthentik() as fake, tempfile.TemporaryDirectory() as folder:
                write_blueprints(Path(folder), [{"name": f"apply-{index:03d}"} for index in range(200)])
                fake.faults.latency(0.02, path="/api/v3/*")
                samples[name].append(timed_in(tree, ["apply", "--yes", folder], fake))
    row("apply --yes, 200 creations, 20 ms/request", samples)
    print(f"load average after: {os.getloadavg()}")
    print("| what | before (median, fastest) | after (median, fastest) |\n| --- | --- | --- |")
    print("\n".join(report))


def main() -> None:
    if PYCACHE_NOTE:
        print(PYCACHE_NOTE)
    warm_bytecode()
    diff_only = "--diff-only" in sys.argv  # only the diff rows (no per-object client, apply, fix, payload)
    args = [arg for arg in sys.argv[1:] if arg != "--diff-only"]
    if len(args) == 2 and args[0] == "--before":
        compare(Path(args[1]).resolve(), diff_only=diff_only)
        return
    report = ["| what | wall | detail | comparison | target | result |", "| --- | --- | --- | --- | --- | --- |"]
    diff_rows(report)
    if not diff_only:
        apply_row(report)
        fix_payload_rows(report)
    print(f"load average before: {os.getloadavg()}")
    print("\n".join(report))


if __name__ == "__main__":
    main()
