"""A report as a reader sees it: Debian's headless Chromium, driven by Playwright.

``python -m experiments.reports.browser REPORT.html OUT.png`` saves a picture of the report's
first section (its heading, reading and the per-mix table), as shown in the README. The
browser is ``/usr/bin/chromium`` (``apt-get install chromium``) with a fresh profile and no
network services; Playwright (the ``test`` extra) drives it and downloads no browser of its own.
``tests/test_report_browser.py`` uses :func:`launch` too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Waits until every font face of the page is loaded and the page is laid out again.
SETTLED = """async () => {
    await Promise.all([...document.fonts].map((face) => face.load()));
    await document.fonts.ready;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    return [...document.fonts].map((face) => [face.family, face.status]);
}"""
FIRST_SECTION = """() => {
    const parts = [document.querySelector('h2'), document.querySelector('p.reading'),
                   document.querySelector('table.dataframe')].map((e) => e.getBoundingClientRect());
    const left = Math.min(...parts.map((r) => r.left)) - 8, top = parts[0].top - 8;
    return {x: left, y: top, width: Math.max(...parts.map((r) => r.right)) - left + 8,
            height: Math.max(...parts.map((r) => r.bottom)) - top + 8};
}"""


LATIN_FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core: no CJK glyph
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


@contextmanager
def launch(width: int = 1280, height: int = 900, latin_only: bool = False) -> Iterator[Any]:
    """A Playwright browser context of Debian's Chromium with a fresh profile.

    Args:
        width: Window width in CSS pixels.
        height: Window height.
        latin_only: Let the browser see only DejaVu (its own fontconfig): a machine without a
            CJK font, whatever fonts this one has.

    Raises:
        FileNotFoundError: No Chromium at :data:`CHROMIUM` (one line saying how to install it).
    """
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install it with apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        env = None
        if latin_only:
            config = Path(profile) / "fonts.conf"
            config.write_text(FONTCONFIG.format(fonts=LATIN_FONTS, cache=Path(profile) / "fc-cache"), encoding="utf-8")
            env = {"FONTCONFIG_FILE": str(config), "HOME": profile, "PATH": "/usr/bin:/bin"}
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": width, "height": height},
            env=env,
        )
        try:
            yield context
        finally:
            context.close()


def open_page(context: Any, page_file: Path) -> Any:
    """Open an HTML file and wait until its fonts are loaded and it is laid out."""
    page = context.new_page()
    page.goto(Path(page_file).resolve().as_uri())
    page.evaluate(SETTLED)
    return page


def first_section(page_file: Path, out: Path, context: Any = None) -> Path:
    """Save a PNG of the report's first section (heading, reading, per-mix table).

    Args:
        page_file: The report.
        out: The PNG to write.
        context: An open browser context (:func:`launch`); default: a new one.
    """
    if context is None:
        with launch() as fresh:
            return first_section(page_file, out, fresh)
    page = open_page(context, page_file)
    page.wait_for_timeout(500)
    page.screenshot(path=str(out), clip=page.evaluate(FIRST_SECTION))
    page.close()
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path, help="a report, e.g. multirun/mix_comparison/report_en.html")
    parser.add_argument("out", type=Path, help="the PNG to write")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"error: REPORT={str(args.report)!r} is not a file: expected a report_<lang>.html", file=sys.stderr)
        sys.exit(2)
    try:
        first_section(args.report, args.out)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
