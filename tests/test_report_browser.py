"""The reports as a reader sees them: rendered by headless Chromium on a machine without CJK fonts.

Chromium is Debian's (``apt-get install chromium``, in .ci/run), driven by Playwright's Python
package with ``executable_path`` (no browser download). The browser reports which fonts drew
each element's text (DevTools' ``CSS.getPlatformFontsForNode``): every Chinese character must
come from the report's embedded web font, never from a system fallback (an empty box here,
where fontconfig knows no CJK font). A copy of the page without the embedded font shows the
check fails when the mechanism is broken.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from experiments.reports import browser as chromium
from experiments.reports import labels, render, webfont

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")  # CJK punctuation, ideographs, full-width forms
TEXT = "h1, h2, p.reading, table.dataframe th, table.dataframe td"
# Per element of the page's first table: its text and the number of lines it is laid out on.
FIRST_TABLE = """() => {
    const first = document.querySelector('h2');
    const table = document.querySelector('table.dataframe');
    const second = document.querySelectorAll('h2')[1];
    const after = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    const lines = (cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.bottom))).size;
    };
    return {
        heading: first.textContent.trim(),
        between: after(first, table) && after(table, second),
        rows: [...table.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('th').textContent.trim()),
        cells: [...table.querySelectorAll('th, td')].filter((c) => c.textContent.trim())
            .map((c) => [c.textContent.trim(), lines(c)]),
    };
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile, no network services, no sandbox (root in CI)."""
    if not chromium.CHROMIUM.is_file():
        pytest.fail(f"{chromium.CHROMIUM} is missing: install it with apt-get install -y chromium (see .ci/run)")
    with chromium.launch(latin_only=True) as context:  # sees DejaVu only: no CJK font, on any machine
        yield context


def open_page(browser: Any, page_file: Path) -> Any:
    return chromium.open_page(browser, page_file)


def undrawn_chinese(browser: Any, page: Any, patience: float = 5.0) -> list[str]:
    """Elements whose Chinese characters are not all drawn with the embedded font: their text, fonts.

    Chromium lays the first screen out again a moment after the font has loaded: the check is
    repeated for up to ``patience`` seconds until it finds nothing.
    """
    deadline = time.monotonic() + patience
    while True:
        wrong = _undrawn_chinese(browser, page)
        if not wrong or time.monotonic() > deadline:
            return wrong
        page.wait_for_timeout(250)


def _undrawn_chinese(browser: Any, page: Any) -> list[str]:
    cdp = browser.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    wrong = []
    checked = 0
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": TEXT})["nodeIds"]:
        shown = cdp.send("DOM.resolveNode", {"nodeId": node})["object"]["objectId"]
        content = cdp.send(
            "Runtime.callFunctionOn",
            {
                "objectId": shown,
                "functionDeclaration": "function () { return this.textContent; }",
                "returnByValue": True,
            },
        )["result"]["value"]
        chinese = len(CJK.findall(content))
        if not chinese:
            continue
        checked += 1
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        embedded = sum(f["glyphCount"] for f in fonts if f["isCustomFont"] and f["familyName"] == "Noto Sans SC")
        if embedded < chinese:
            wrong.append(f"{content.strip()[:40]!r}: {[(f['familyName'], f['glyphCount']) for f in fonts]}")
    cdp.detach()
    assert checked or not wrong
    return wrong


@pytest.fixture(scope="module")
def reports(small_sweep) -> dict[str, Path]:
    return {lang: render.report(small_sweep, lang, quiet=True) for lang in labels.LANGS}


@pytest.mark.slow
def test_chinese_is_drawn_with_the_embedded_font_and_not_without_it(browser, reports, tmp_path):
    page = open_page(browser, reports["zh"])
    faces = page.evaluate("[...document.fonts].map((face) => [face.family, face.status])")
    assert [webfont.FAMILY, "loaded"] in [[family.strip("'\""), status] for family, status in faces]
    assert undrawn_chinese(browser, page) == []
    page.close()

    # The same page without its embedded font: the check sees the fallback (empty boxes here).
    html = reports["zh"].read_text(encoding="utf-8")
    stripped = tmp_path / "report_zh_no_font.html"
    stripped.write_text(re.sub(rf'<style id="{webfont.MARK}">.*?</style>', "", html, flags=re.S), encoding="utf-8")
    page = open_page(browser, stripped)
    broken = undrawn_chinese(browser, page, patience=1.0)
    assert len(broken) > 10, broken
    page.set_viewport_size({"width": 600, "height": 900})  # and without its style, cells wrap on a narrow page
    assert [text for text, lines in page.evaluate(FIRST_TABLE)["cells"] if lines > 1]
    page.close()


@pytest.mark.slow
@pytest.mark.parametrize("lang", labels.LANGS)
def test_the_first_section_is_the_per_mix_table_in_policy_order_on_one_line_a_cell(browser, reports, lang):
    page = open_page(browser, reports[lang])
    page.set_viewport_size({"width": 600, "height": 900})  # a narrow window: the table scrolls, cells do not wrap
    first = page.evaluate(FIRST_TABLE)
    assert first["heading"] == labels.text("heading.per_mix", lang)
    assert first["between"], "the per-mix table is not the first section's"
    assert first["rows"] == [labels.text("mix.none", lang), labels.text("mix.as_enacted", lang)]
    wrapped = [text for text, lines in first["cells"] if lines != 1]
    assert wrapped == [], f"cells laid out on more than one line: {wrapped}"
    assert undrawn_chinese(browser, page) == []
    page.close()


@pytest.mark.slow
def test_a_picture_of_the_first_section(browser, reports, tmp_path):
    out = chromium.first_section(reports["zh"], tmp_path / "first.png", browser)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


@pytest.mark.slow
def test_the_chinese_report_names_no_english_identifier(reports):
    html = reports["zh"].read_text(encoding="utf-8")
    shown = webfont.TAG.sub(" ", html)
    for identifier in ("as_enacted", "policy_mix", "scale=", "mix_comparison", "seed", "Wilson"):
        assert identifier not in shown, identifier
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", shown), "an identifier in the Chinese page text"
    assert "随机种子" not in shown
    assert not re.search(r"\d,\d{3}", shown), "thousands separators beside 万/亿"
