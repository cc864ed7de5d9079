"""The report in a real headless Chromium: renders, no console errors, no network, payloads inert.

The report is served from a local http.server on 127.0.0.1 that records every request;
a probe script is inserted as the first element of <head> (before plotly.js) to record
console errors, uncaught exceptions and the plotly DOM into attributes that
``--dump-dom`` returns. Chromium's own requests for /favicon.ico are not made by the page.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from judgekit import api
from judgekit.report.build import build_comparison, build_report
from tests.test_report_build import payload_items

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                reason="Chromium is not installed (CI installs the Debian 'chromium' package)")

PROBE = """<script>
(function () {
  var errs = [];
  window.addEventListener("error", function (e) { errs.push("error: " + (e.message || e.type)); }, true);
  window.addEventListener("unhandledrejection", function (e) { errs.push("rejection: " + e.reason); });
  var orig = console.error;
  console.error = function () {
    errs.push("console: " + Array.prototype.join.call(arguments, " "));
    orig.apply(console, arguments);
  };
  document.addEventListener("securitypolicyviolation", function (e) { errs.push("csp: " + e.blockedURI); });
  window.addEventListener("load", function () {
    setTimeout(function () {
      var r = document.documentElement;
      r.setAttribute("data-errors", JSON.stringify(errs));
      r.setAttribute("data-title", document.title);
      r.setAttribute("data-pwned", String(typeof window.__pwned));
      r.setAttribute("data-plots", String(document.querySelectorAll(".js-plotly-plot").length));
      r.setAttribute("data-svgs", String(document.querySelectorAll(".main-svg").length));
      r.setAttribute("data-divs", String(document.querySelectorAll(".plotly-graph-div").length));
      r.setAttribute("data-done", "1");
    }, 500);
  });
})();
</script>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.seen.append(self.path)
        super().do_GET()


def _load(page: Path, tmp: Path) -> tuple[dict[str, str], list[str], str]:
    html = page.read_text(encoding="utf-8")
    served = tmp / "site"
    served.mkdir(exist_ok=True)
    (served / "report.html").write_text(html.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(served)))
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cmd = [CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), "--headless", "--no-sandbox",
               "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", f"--user-data-dir={tmp / 'profile'}", "--virtual-time-budget=15000",
               "--dump-dom", f"http://127.0.0.1:{server.server_address[1]}/report.html"]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    finally:
        server.shutdown()
    m = re.search(r"<html([^>]*)>", dom)
    attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', m.group(1))) if m else {}
    return attrs, [p for p in server.seen if p != "/favicon.ico"], dom


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "b.duckdb"
    data = payload_items(tmp / "d.jsonl", 20)
    ids = [api.evaluate("bias", judge=j, data=str(data), db=db, make_report=False, progress=False,
                        probes=["position", "bandwagon", "verbosity"]).run_id
           for j in ("scripted/bandwagon=0.6,first=0.4", "scripted/longer=0.5")]
    return build_report(db, ids[0], tmp / "out"), build_comparison(db, ids, tmp / "cmp.html", n_boot=200), tmp


def _check(attrs: dict[str, str], seen: list[str], dom: str, n_divs: int) -> None:
    assert attrs.get("done") == "1", "the probe script did not finish"
    assert attrs["errors"] == "[]", attrs["errors"]
    assert seen == ["/report.html"], f"the page made network requests: {seen}"
    assert int(attrs["divs"]) == n_divs and int(attrs["plots"]) == n_divs
    assert int(attrs["svgs"]) >= n_divs  # plotly drew every figure
    assert attrs["pwned"] == "undefined" and "pwned" not in attrs["title"]


def test_report_renders_offline_without_errors_and_payloads_stay_text(reports, tmp_path):
    page, _, _ = reports
    attrs, seen, dom = _load(page, tmp_path)
    n = len(re.findall(r'class="plotly-graph-div"', page.read_text(encoding="utf-8")))
    _check(attrs, seen, dom, n)
    assert attrs["title"].startswith("judgekit")
    assert "&lt;script&gt;document.title" in dom and "&lt;img src=x onerror=" in dom  # shown as text


def test_comparison_renders_offline(reports, tmp_path):
    _, cmp, _ = reports
    attrs, seen, dom = _load(cmp, tmp_path)
    _check(attrs, seen, dom, len(re.findall(r'class="plotly-graph-div"', cmp.read_text(encoding="utf-8"))))


#: a payload with no "/" so that it can be a file name (the dataset name shown on the comparison page)
NAME_PAYLOAD = "<img src=x onerror=window.__pwned=3>"


@pytest.fixture(scope="module")
def position_comparison(tmp_path_factory):
    """Position-only runs (the commonest comparison) on a dataset whose name is a payload; one run has fewer items."""
    from tests.test_compare import _items

    tmp = tmp_path_factory.mktemp("browser_pos")
    db = tmp / "p.duckdb"
    full, small = _items(tmp / f"{NAME_PAYLOAD}.jsonl"), _items(tmp / f"{NAME_PAYLOAD}-30.jsonl", 30)
    ids = [api.evaluate("bias", judge=j, data=str(d), db=db, make_report=False, progress=False,
                        probes=["position"]).run_id
           for j, d in (("scripted/first=0.6", full), ("scripted/gold", full), ("scripted/first=0.2", small))]
    return build_comparison(db, ids, tmp / "cmp.html", n_boot=200)


def test_position_comparison_renders_with_legend_n_and_payloads_as_text(position_comparison, tmp_path):
    page = position_comparison.read_text(encoding="utf-8")
    attrs, seen, dom = _load(position_comparison, tmp_path)
    _check(attrs, seen, dom, len(re.findall(r'class="plotly-graph-div"', page)))
    assert "&lt;img src=x onerror=window.__pwned=3&gt;" in dom  # the dataset name, shown as text
    start = dom.index('id="jk-fig-judges-profile"')
    profile = dom[start:dom.index('class="how"', start)]
    assert 'class="legend"' in profile and profile.count('class="traces"') >= 1  # drawn, with a legend
    for judge in ("scripted/first=0.6", "scripted/gold", "scripted/first=0.2"):
        assert judge in profile  # legend entries
    assert re.search(r">n=\d+<", profile)  # the n beside each interval is drawn
    assert "position: first-position rate − 50%" in profile
    assert 'id="warnings"' in dom and "items are common to every run" in dom
    assert "has the lowest position bias" in dom


def _png_pixels(path: Path) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of an 8-bit RGB/RGBA PNG (Chromium's screenshots), decoded with zlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 3
    while pos < len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[9] in (2, 6), "only 8-bit RGB/RGBA screenshots are decoded"
            channels = 3 if body[9] == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, colours = zlib.decompress(idat), width * channels, bytearray(width * channels), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            pred = (0, a, b, (a + b) // 2, min((a, b, c), key=lambda v: (abs(a + b - c - v), (a, b, c).index(v))))
            line[x] = (line[x] + pred[kind]) & 0xFF
        colours.update(zip(line[0::channels], line[1::channels], line[2::channels], strict=True))
        prev = line
    return colours


def test_comparison_screenshot_shows_each_judge_colour(position_comparison, tmp_path):
    """A screenshot of the comparison page: the side-by-side chart paints each judge's colour."""
    from judgekit.report.figures import _COLORS

    shot = tmp_path / "shot.png"
    cmd = [CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), "--headless", "--no-sandbox",
           "--disable-gpu", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1400",
           "--hide-scrollbars", "--virtual-time-budget=15000", f"--screenshot={shot}",
           position_comparison.as_uri()]
    subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    colours = _png_pixels(shot)
    assert len(colours) > 50  # not a blank page
    for hex_colour in _COLORS[:3]:  # one per judge
        assert tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)) in colours, hex_colour


def test_probe_detects_a_running_payload(tmp_path):
    """The harness itself can fail: an unescaped payload and an error are seen."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>t</title></head><body>'
                   '<img src=x onerror="window.__pwned=1"><script>console.error("boom")</script></body></html>')
    attrs, seen, _ = _load(bad, tmp_path)
    assert attrs["pwned"] == "number" and "boom" in attrs["errors"]
    assert "/x" in seen  # the broken image was requested from the server
