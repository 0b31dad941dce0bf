"""The HTML drawing in a real headless browser (Chromium): every label fits inside its box,
boxes do not overlap, and a screenshot is not blank, in light and in dark mode.

Chromium comes from the system packages (.ci/run installs it). Where it is missing the test
is skipped, except in CI (CI=true), where a missing browser is a failure, never a silent skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from avlint.cli import cli
from tests.conftest import ROOT
from tests.test_graph_formats import nasty_blueprint

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1400, 1800


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but no Chromium is installed (.ci/run installs it with apt-get)")
    pytest.skip("no Chromium on this machine (CI installs it)")


@pytest.fixture(scope="module")
def browser() -> str:
    return _browser()


def run_browser(browser: str, *args: str) -> str:
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # CI containers run as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--mute-audio",
            f"--window-size={WIDTH},{HEIGHT}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML of the test flows (policies, configuration stages, findings) and of names that
    are long, wide (emoji, CJK) or full of markup characters."""
    folder = tmp_path_factory.mktemp("browser")
    nasty_blueprint(folder)
    (folder / "wide.yaml").write_text(
        (ROOT / "tests" / "golden" / "graph" / "inputs" / "policies-login.yaml")
        .read_text(encoding="utf-8")
        .replace("graph-login", "wide-流程-🔐-" + "W" * 60)
        .replace("name: graph-identification", "name: 認証ステージ-" + "m" * 50),
        encoding="utf-8",
    )
    previous = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(
            cli, ["graph", "--format", "html", str(folder), "tests/golden/graph/inputs", "sample_configs/good"]
        )
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.stderr
    path = folder / "graph.html"
    path.write_text(result.stdout, encoding="utf-8")
    return path


# Measures, after layout, every text of every box against the box's rectangle, and every
# pair of boxes of a drawing against each other; the result goes into the DOM, which
# `--dump-dom` prints. Only the test adds a script: avlint's page has none.
_PROBE = """
<script>
window.addEventListener("load", () => {
  const problems = [];
  let texts = 0, boxes = 0;
  for (const svg of document.querySelectorAll("svg.avlint-graph")) {
    const rects = [];
    for (const box of svg.querySelectorAll("g.box")) {
      boxes++;
      const r = box.querySelector("rect").getBBox();
      rects.push([r, box.getAttribute("data-key")]);
      for (const text of box.querySelectorAll("text")) {
        texts++;
        const b = text.getBBox();
        if (b.width === 0) problems.push("empty text " + text.textContent);
        if (b.x < r.x + 2 || b.x + b.width > r.x + r.width - 2 || b.y < r.y || b.y + b.height > r.y + r.height)
          problems.push("overflow: " + text.textContent + " " + JSON.stringify([b.x, b.width, r.x, r.width]));
      }
    }
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      const [a, ka] = rects[i], [b, kb] = rects[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        problems.push("overlap: " + ka + " / " + kb);
    }
    const size = svg.getBoundingClientRect();
    for (const [r, key] of rects)
      if (r.x + r.width > size.width + 0.5 || r.y + r.height > size.height + 0.5) problems.push("outside: " + key);
  }
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({texts, boxes, problems, font: getComputedStyle(document.querySelector("svg text")).fontFamily});
  document.body.appendChild(out);
});
</script>
"""


def test_every_label_fits_its_box_and_no_boxes_overlap(browser: str, page: Path) -> None:
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    dom = run_browser(browser, "--virtual-time-budget=10000", "--dump-dom", probed.as_uri())
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert match, dom[-2000:]
    result = json.loads(
        match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    assert result["boxes"] > 30 and result["texts"] > 100
    assert result["problems"] == []
    assert "monospace" in result["font"]


def test_screenshots_are_not_blank_in_light_and_dark_mode(browser: str, page: Path, tmp_path: Path) -> None:
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    run_browser(browser, f"--screenshot={light}", page.as_uri())
    run_browser(browser, "--blink-settings=preferredColorScheme=0", f"--screenshot={dark}", page.as_uri())
    for path, background in ((light, "light"), (dark, "dark")):
        width, height, pixels = read_png(path.read_bytes())
        assert (width, height) == (WIDTH, HEIGHT)
        corner = pixels[0][0]
        assert (sum(corner) / 3 > 200) if background == "light" else (sum(corner) / 3 < 60), (path.name, corner)
        colours = {pixel for row in pixels[::8] for pixel in row[::8]}
        drawn = sum(
            1
            for row in pixels[::4]
            for pixel in row[::4]
            if max(abs(a - b) for a, b in zip(pixel, corner, strict=True)) > 40
        )
        assert len(colours) > 20, path.name  # text, boxes of several kinds, edges
        assert drawn > (WIDTH // 4) * (HEIGHT // 4) * 0.02, path.name  # more than 2% of the page is ink


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) as rows of RGB pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, [[tuple(row[i : i + 3]) for i in range(0, stride, channels)] for row in rows]  # type: ignore[misc]
