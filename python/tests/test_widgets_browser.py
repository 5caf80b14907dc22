"""The four widgets in a real browser: Voila serves examples/lessons.ipynb on
loopback, headless Chromium (Debian's, driven by Playwright; no browser is
downloaded) opens it, and each test moves a control with the mouse, as a
user would, and checks that the figure and the readout changed and that the
page logged no JavaScript error. Screenshots go to $SWIFTMOONS_SCREENSHOTS
(or a temporary directory): look at them.

`make test` installs Chromium (apt) and Playwright (the test extra) and sets
SWIFTMOONS_REQUIRE_BROWSER=1, under which a missing browser fails the run
instead of skipping it.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "lessons.ipynb"
REQUIRED = os.environ.get("SWIFTMOONS_REQUIRE_BROWSER") == "1"


def _missing(reason):
    if REQUIRED:
        pytest.fail(f"{reason} (SWIFTMOONS_REQUIRE_BROWSER=1: `make test` installs it)")
    pytest.skip(reason)


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("voila") if not REQUIRED else __import__("voila")
    port = _free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "python"), os.environ.get("PYTHONPATH")])))
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
                                    "--Voila.ip=127.0.0.1", "--ServerApp.open_browser=False"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"voila did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    directory = os.environ.get("SWIFTMOONS_SCREENSHOTS")
    path = Path(directory) if directory else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def page(server):
    chromium = _chromium()
    if chromium is None:
        _missing("no Chromium on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.errors, page.console_errors, page.failed = [], [], []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: page.failed.append(r.url))
        page.goto(server, timeout=180_000)
        # Each widget's figure is an ipympl canvas: ten once all four have drawn.
        page.wait_for_function("document.querySelectorAll('canvas').length >= 10", timeout=180_000)
        page.wait_for_timeout(2000)
        yield page
        browser.close()


def _outputs(page):
    outputs = page.locator(".jp-OutputArea-output")
    assert outputs.count() == 4, "the notebook shows four widgets"
    return [outputs.nth(i) for i in range(4)]


def _figure(output, index=0):
    return output.locator(".jupyter-matplotlib-canvas-container canvas").nth(index * 2)


def _drag(page, slider, dx):
    """Drag a slider's handle dx pixels with the mouse."""
    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y)
    page.mouse.up()


def _wait_until(page, predicate, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(200)
    pytest.fail(f"the page did not show {what} within {timeout:.0f} s")


def _settle(page, locator, timeout=15.0):
    """Wait until the element looks the same twice, half a second apart (the last frame has arrived)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        shot = locator.screenshot()
        if shot == last:
            return
        last = shot
        page.wait_for_timeout(500)


def _no_javascript_errors(page):
    assert page.errors == [], f"JavaScript errors: {page.errors}"
    # The only failures allowed are resources off this machine (Voila's
    # template links Font Awesome from a CDN; it bundles the fonts too).
    local = [url for url in page.failed if url.startswith(("http://127.0.0.1", "ws://127.0.0.1"))]
    assert local == [], local
    others = [m for m in page.console_errors if not m.startswith("Failed to load resource")]
    assert others == [], f"console errors: {others}"


def test_the_activation_explorers_x_slider_moves_the_readout_and_the_marker(page, shots):
    explorer = _outputs(page)[0]
    readout = explorer.locator(".widget-html").last
    assert "x = 0.50" in readout.inner_text() and "0.6225" in readout.inner_text() and "0.2350" in readout.inner_text()
    canvas = _figure(explorer)
    before = canvas.screenshot()
    explorer.screenshot(path=shots / "activation_explorer_before.png")
    _drag(page, explorer.locator(".widget-slider").first, 60)
    _wait_until(page, lambda: "x = 0.50" not in readout.inner_text(), "a new x in the readout")
    x = float(re.search(r"x = (-?\d+\.\d+)", readout.inner_text()).group(1))
    assert x > 0.5
    _wait_until(page, lambda: canvas.screenshot() != before, "the marker move")
    _settle(page, explorer)
    explorer.screenshot(path=shots / "activation_explorer.png")
    _no_javascript_errors(page)


def test_the_depth_slider_moves_the_readout(page, shots):
    explorer = _outputs(page)[1]
    readout = explorer.locator(".widget-html").last
    assert "depth 15" in readout.inner_text()
    before = _figure(explorer).screenshot()
    _drag(page, explorer.locator(".widget-slider").first, 80)
    _wait_until(page, lambda: "depth 15:" not in readout.inner_text(), "a new depth")
    depth = int(re.search(r"depth (\d+):", readout.inner_text()).group(1))
    assert 15 < depth <= 30
    _wait_until(page, lambda: _figure(explorer).screenshot() != before, "the marker move")
    _settle(page, explorer)
    explorer.screenshot(path=shots / "depth_explorer.png")
    _no_javascript_errors(page)


def test_the_dead_unit_bias_slider_and_the_leaky_relu_button(page, shots):
    explorer = _outputs(page)[2]
    readout = explorer.locator(".widget-html").last
    assert "μ = -3.0" in readout.inner_text() and "alive by the lesson's definition 0 → 0" in readout.inner_text()
    explorer.screenshot(path=shots / "dead_units_relu.png")
    before = _figure(explorer).screenshot()
    explorer.get_by_role("button", name="Leaky ReLU").click()
    _wait_until(page, lambda: "Leaky ReLU" in readout.inner_text(), "Leaky ReLU's counts")
    assert "alive by the lesson's definition 128 → 128" in readout.inner_text()
    _wait_until(page, lambda: _figure(explorer).screenshot() != before, "the grid change")
    _settle(page, explorer)
    explorer.screenshot(path=shots / "dead_units_leaky.png")
    before = readout.inner_text()
    _drag(page, explorer.locator(".widget-slider").first, 90)
    _wait_until(page, lambda: readout.inner_text() != before, "a new bias")
    assert float(re.search(r"μ = (-?\d+\.\d)", readout.inner_text()).group(1)) > -3.0
    _no_javascript_errors(page)


def test_the_playground_plays_pauses_and_traces_a_clicked_point(page, shots):
    playground = _outputs(page)[3]
    status = playground.locator(".widget-html", has_text="train loss")
    epoch = lambda: int(re.search(r"epoch (\d+) of", status.inner_text()).group(1))  # noqa: E731
    assert epoch() == 0
    boundary = _figure(playground)
    before = boundary.screenshot()
    playground.get_by_role("button", name="play").click()
    _wait_until(page, lambda: epoch() >= 100, "100 epochs trained", timeout=60)
    # The kernel stays responsive while it plays: the pause button is handled.
    playground.get_by_role("button", name="pause").click()
    _wait_until(page, lambda: "play" in playground.locator("button.widget-toggle-button").first.inner_text(),
                "the play button back")
    stopped = epoch()
    page.wait_for_timeout(1500)
    assert epoch() == stopped and 0 < stopped < 800
    _wait_until(page, lambda: boundary.screenshot() != before, "the boundary move")
    # A click on the boundary panel draws that point's trace.
    before = boundary.screenshot()
    box = boundary.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.4)
    _wait_until(page, lambda: boundary.screenshot() != before, "the signal trace")
    state = playground.locator("input[type=text]").last.input_value()
    # The page kept every setting as given (a slider snapping 0.05 to its grid would not).
    from swiftmoons import widgets
    assert state == widgets.playground().state.replace("at=0", f"at={stopped}")
    playground.get_by_role("button", name="play").click()
    _wait_until(page, lambda: epoch() == 800, "all 800 epochs", timeout=120)
    # The article's sigmoid run, as the same settings give it in Python.
    reference = widgets.playground()
    reference.run()
    assert f"test loss {reference.test_loss[-1]:.4f}, accuracy {reference.test_accuracy[-1]:.1%}" in status.inner_text()
    _settle(page, playground)
    playground.screenshot(path=shots / "playground.png")
    _no_javascript_errors(page)
