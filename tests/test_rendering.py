"""The reports as their readers see them: rendered in headless Chromium at 1280 and 420 px.

Debian's ``chromium`` and ``fonts-noto-cjk`` are installed by ``tools/install_browser.sh``
(``make test`` runs it). A probe script is added to a copy of each page; Chromium runs it
after layout and ``--dump-dom`` hands back what it measured: the visible text, the images
and their alt texts, where the action list sits and whether the page overflows sideways.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (tools/install_browser.sh, run by make test, "
    "installs it as root)",
)

#: what a first screen is: a laptop's browser window
FIRST_SCREEN = (1280, 800)
PHONE = (420, 900)

# The page is opened in an iframe of exactly the reader's width (a desktop Chromium window
# cannot be narrower than 500 px), served over loopback so the probe may read the frame.
_HARNESS = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="site/{page}" style="border:0;width:{w}px;height:{h}px"></iframe>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const w = f.contentWindow, d = f.contentDocument;
  const box = (el) => el ? el.getBoundingClientRect() : null;
  const a = box(d.querySelector('.kam-actions'));
  const out = {
    lang: d.documentElement.getAttribute('lang'),
    title: d.title,
    h1: Array.from(d.querySelectorAll('h1')).map(h => h.innerText),
    text: d.body.innerText,
    images: Array.from(d.images).map(i => ({alt: i.getAttribute('alt'), width: box(i).width})),
    actions_top: a ? a.top + w.scrollY : null,
    actions_bottom: a ? a.bottom + w.scrollY : null,
    viewport: !!d.querySelector('meta[name=viewport]'),
    inner_width: d.documentElement.clientWidth,
    inner_height: w.innerHeight,
    scroll_width: d.documentElement.scrollWidth,
  };
  const pre = document.createElement('pre');
  pre.id = 'kam-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>
"""


@contextlib.contextmanager
def served(folder: Path, tmp: Path) -> Iterator[tuple[str, Path]]:
    """``folder`` served on loopback under ``site/``, beside a folder for harness pages."""
    root = tmp / "served"
    root.mkdir(exist_ok=True)
    if not (root / "site").exists():
        (root / "site").symlink_to(folder.resolve(), target_is_directory=True)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log in the test output
        pass


def probe(url: str, root: Path, page: str, size: tuple[int, int], tmp: Path) -> dict:
    """Open ``page`` (relative to the served folder) at ``size`` and return what the probe
    measured."""
    name = f"harness-{size[0]}-{page.replace('/', '-')}"
    (root / name).write_text(
        _HARNESS.replace("{page}", page).replace("{w}", str(size[0])).replace("{h}", str(size[1])),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp / 'chromium-profile'}",
            f"--window-size={max(size[0], 500) + 20},{size[1] + 20}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"{url}/{name}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="kam-probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the probe did not run on {page}: {run.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


#: words a reader should never see: snake_case codes, Python names, settings files
_CODE_WORDS = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\bkamlib\.\w+|\b\w+\.(?:yaml|py|json)\b")


def code_words(text: str) -> list[str]:
    """snake_case words, Python names and file names in a page's visible text.

    >>> code_words("Churn rate 4.5% (see churn.yaml: key_account) in kamlib.churn")
    ['churn.yaml', 'kamlib.churn', 'key_account']
    """
    return sorted(set(_CODE_WORDS.findall(text)))


def _bad_alt(alt: str | None) -> bool:
    return alt is None or len(alt.strip()) < 15 or alt.strip().lower() in {"png", "image", "figure"}


@pytest.fixture(scope="module")
def suzhou(sample_reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("render")
    with served(sample_reports, tmp) as (url, root):
        return {s: probe(url, root, "Suzhou/report.html", s, tmp) for s in (FIRST_SCREEN, PHONE)}


@pytest.fixture(scope="module")
def index(sample_reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("render-index")
    with served(sample_reports, tmp) as (url, root):
        return {s: probe(url, root, "index.html", s, tmp) for s in (FIRST_SCREEN, PHONE)}


def test_title_is_the_branch(suzhou):
    seen = suzhou[FIRST_SCREEN]
    assert "Suzhou" in seen["title"]
    assert seen["h1"] and "Suzhou" in seen["h1"][0]


def test_actions_on_the_first_screen(suzhou):
    seen = suzhou[FIRST_SCREEN]
    assert seen["actions_top"] is not None, "no action list (.kam-actions) on the page"
    assert seen["actions_top"] < FIRST_SCREEN[1], (
        f"the action list starts {seen['actions_top']:.0f} px down, below the first screen"
    )


@pytest.mark.parametrize("page", ["suzhou", "index"])
def test_no_code_words_or_cut_text(page, request):
    seen = request.getfixturevalue(page)[FIRST_SCREEN]
    assert code_words(seen["text"]) == []
    assert "…" not in seen["text"]


@pytest.mark.parametrize("page", ["suzhou", "index"])
def test_images_have_alt_text(page, request):
    seen = request.getfixturevalue(page)[FIRST_SCREEN]
    bad = [i for i in seen["images"] if _bad_alt(i["alt"])]
    assert not bad, f"{len(bad)} of {len(seen['images'])} images without a meaningful alt text"


@pytest.mark.parametrize("page", ["suzhou", "index"])
def test_readable_on_a_phone(page, request):
    seen = request.getfixturevalue(page)[PHONE]
    assert seen["viewport"], "no viewport meta tag"
    assert seen["scroll_width"] <= seen["inner_width"], (
        f"the page is {seen['scroll_width']} px wide in a {seen['inner_width']} px window"
    )
    assert all(i["width"] <= seen["inner_width"] for i in seen["images"])


def test_language_declared(suzhou, index):
    assert suzhou[FIRST_SCREEN]["lang"] == "en"
    assert index[FIRST_SCREEN]["lang"] == "en"
