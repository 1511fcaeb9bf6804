"""report.html in a real headless browser (the system Chromium) at phone width: no sideways
scrolling outside the table wrappers, sticky contents, collapsible chapters that open when a
link points into them. Skipped, visibly, where no Chromium is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reportgen.report.context import build_context
from reportgen.report.render import render_documents
from tests.test_report import small_bundle, verdicts

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# Runs after the page's own script; writes its findings into the DOM that --dump-dom prints.
PROBE = """
<script>
(function () {
  var vw = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll("main *").forEach(function (el) {
    if (el.closest(".table-wrap") || (el.ownerSVGElement)) { return; }  // scrollable wrappers; inside a drawing (clipped by its <svg>)
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) { bad.push(el.tagName + "." + (el.getAttribute("class") || "") + "#" + el.id + ":" + Math.round(r.right)); }
  });
  var nav = document.querySelector("nav.sticky-toc");
  var chapter = document.getElementById("methodology");
  var before = chapter.open;
  var link = document.querySelector("a[href='#methodology']");
  link.click();
  var out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, overflowing: bad.slice(0, 20),
             navPosition: getComputedStyle(nav).position, tocOpen: document.getElementById("toc").open,
             chapterOpenBefore: before, chapterOpenAfter: chapter.open,
             details: document.querySelectorAll("details.chapter").length};
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium() -> str | None:
    for c in (shutil.which("chromium"), shutil.which("chromium-browser"), *CHROMIUM_CANDIDATES):
        if c and Path(c).exists():
            return c
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    if path is None:
        pytest.skip("chromium not installed: the browser check of report.html needs /usr/bin/chromium "
                    "(apt-get install -y chromium; .ci/run installs it when the network allows)")
    return path


# Headless Chromium will not make a window narrower than 500 px, so the page is shown in a
# 390 px wide frame (its viewport, media queries and layout are the frame's); the harness
# copies the probe's findings out of the frame into the DOM that --dump-dom prints.
HARNESS = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="report.html" style="width:{width}px;height:1800px;border:0"
 onload="var p=this.contentDocument.getElementById('probe');var o=document.createElement('pre');o.id='probe';o.textContent=p?p.textContent:'missing';document.body.appendChild(o);"></iframe>
</body></html>"""


def run_probe(browser: str, html: str, tmp_path: Path, width: int = 390) -> dict:
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.replace("{width}", str(width)), encoding="utf-8")
    profile = tmp_path / "profile"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--allow-file-access-from-files", "--window-size=1400,2000", "--virtual-time-budget=5000",
           "--dump-dom", harness.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert m, f"no probe output from chromium (exit {done.returncode}): {done.stderr[-800:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


@pytest.fixture(scope="module")
def report_html(config_module):
    context, _ = build_context(config_module, small_bundle(), {}, verdicts(cfg=config_module), "2026-11", None)
    return render_documents(context, pdf=False)["report.html"].decode("utf-8")


@pytest.fixture(scope="module")
def config_module():
    from reportgen.config import load_config

    return load_config(Path(__file__).resolve().parents[1] / "config.toml")


def test_phone_width_has_no_sideways_scrolling(browser, report_html, tmp_path):
    out = run_probe(browser, report_html, tmp_path, width=390)
    assert 360 <= out["viewport"] <= 390
    assert out["overflowing"] == []
    assert out["scrollWidth"] <= out["viewport"]
    assert out["navPosition"] == "sticky"
    assert out["tocOpen"] is False  # on a phone the contents start folded
    assert out["details"] >= 5
    assert out["chapterOpenBefore"] is False and out["chapterOpenAfter"] is True


def test_desktop_width_keeps_contents_open(browser, report_html, tmp_path):
    out = run_probe(browser, report_html, tmp_path, width=1280)
    assert out["overflowing"] == []
    assert out["navPosition"] == "sticky"
    assert out["tocOpen"] is True
