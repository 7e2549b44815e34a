"""The explorer in a real browser: headless Chromium (Debian's) driven by Playwright.

Starts ``python -m experiments.explore`` on a free port, loads the page, moves the standards
pace slider and picks a mix, resets the model with them, steps one quarter and reads the
charts' readings back, against the same model run here. Needs the ``viz`` extra and
``/usr/bin/chromium`` (``.ci/run`` installs both; elsewhere the test skips, but not in CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from model.data import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MISSING = [m for m in ("solara", "playwright") if __import__("importlib.util").util.find_spec(m) is None]
if not os.path.exists(CHROMIUM):
    MISSING.append("chromium (apt-get install -y chromium)")
if MISSING and not os.environ.get("CI"):
    pytest.skip(f"the explorer's browser test needs {', '.join(MISSING)} (the viz extra)", allow_module_level=True)

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "experiments.explore", "--port", str(port), "--host", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            time.sleep(0.5)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stderr.close()


def test_slider_reset_step_and_read_the_charts(server):
    from playwright.sync_api import expect, sync_playwright

    from experiments.explore import ExplorerModel, readings

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server, timeout=120_000)
            expect(page.get_by_text("2017Q4: quarter 0 of 20 (as_enacted, historical")).to_be_visible(timeout=120_000)
            slider = page.locator(".v-input", has_text="Standards pace").locator("[role=slider]")
            expect(slider).to_have_attribute("aria-valuenow", "1")
            slider.focus()
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            expect(slider).to_have_attribute("aria-valuenow", "1.5")
            page.locator(".v-input", has_text="Policy mix").locator(".v-select__slot").click()
            page.get_by_role("option", name="standards_only").click()
            page.get_by_role("button", name="Reset").click()
            expect(page.get_by_text("quarter 0 of 20 (standards_only, historical, standards pace 1.5")).to_be_visible(
                timeout=60_000
            )
            chart = page.locator("img[src^='blob:']")
            expect(chart).to_have_count(1)
            before = chart.get_attribute("src")
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("2018Q1: quarter 1 of 20")).to_be_visible(timeout=60_000)
            shown = page.inner_text("body")
            expect(chart).not_to_have_attribute("src", before)  # the charts were drawn again
            width = chart.evaluate("img => img.complete ? img.naturalWidth : 0")
        finally:
            browser.close()
    model = ExplorerModel(policy_mix="standards_only", standards_pace=1.5)
    model.step()
    for line in readings(model):  # the readings under the charts are this model's
        assert line in shown
    assert width >= 800  # a 10 x 6 in figure, drawn
