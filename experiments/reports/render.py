"""The planner's report of a collected sweep: ``python -m experiments.report SWEEP_DIR [--lang zh]``.

Runs ``notebooks/policy_mix_review.ipynb`` on the sweep with papermill, in a kernel
started with this interpreter (the project's environment, whatever kernels Jupyter
knows), and exports it with nbconvert as one self-contained HTML file: outputs only
(figures as embedded PNG, readings, tables), no code, with the subset of Noto Sans SC that
the page uses embedded as a web font (:mod:`.webfont`: Chinese reads on a machine without a
CJK font). Writes into the sweep folder:

* ``report_<lang>.html``: the report;
* ``report_<lang>.ipynb``: the executed notebook (for a researcher who wants the code).

``--walkthrough`` runs ``notebooks/single_run_walkthrough.ipynb`` instead, on one
finished run of the sweep (the as-enacted mix's lowest seed, if the sweep has it), and
writes ``walkthrough_<lang>.html`` and ``.ipynb`` with the code shown, its Markdown in the
report's language (labels ``walkthrough.<cell id>``).

A folder that is not a collected sweep, or a cell that fails, stops the command with
one line on stderr (naming the failing cell) and exit status 2; nothing is written.
Files are written to a temporary name and renamed, so a report is never half-written.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from traitlets import default

from experiments.reports import labels, webfont
from experiments.reports.review.sweep import SweepError, check_sweep
from experiments.sweeps import coverage, describe
from experiments.sweeps.outputs import write_atomic
from model.data import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
REVIEW = NOTEBOOKS / "policy_mix_review.ipynb"
WALKTHROUGH = NOTEBOOKS / "single_run_walkthrough.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EMBEDDED_PNG = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,[A-Za-z0-9+/=]{100,}"')
# The lab template without its scripts from the web (MathJax, require.js, Mermaid: the report
# needs none), and figures as <img src="data:image/png;base64,..." alt="...title...">.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" \
alt="{{ ((output | get_metadata('alt', 'image/png')) or 'figure') | escape_html }}">
</div>
{%- endblock data_png %}
"""


class ReportError(Exception):
    """A user-facing failure of the report, as one line."""


class ProjectKernelManager(AsyncKernelManager):
    """Starts the notebook's kernel with this Python, so it sees the project's packages.

    Jupyter's ``python3`` kernel spec may name another interpreter (a system-wide
    install, or ``python`` on the PATH); the report must run in the environment the
    command runs in. The kernel talks over IPC sockets in a private folder rather than TCP
    (no port, nothing readable from other hosts).
    """

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @property
    def kernel_spec(self) -> KernelSpec:
        """The kernel spec: ipykernel under ``sys.executable``."""
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (project)",
            language="python",
        )


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def describe_failure(notebook: Path, error: Any) -> str:
    """One line naming the notebook, the failing cell (its number and first line) and the error.

    Args:
        notebook: The notebook that was run.
        error: papermill's ``PapermillExecutionError`` (cell source, ename, evalue).
    """
    import nbformat

    source = nbformat.read(notebook, as_version=4)
    number = next((i for i, cell in enumerate(source.cells, start=1) if cell.source == error.source), None)
    where = f"cell {number}" if number else "the injected parameters cell"
    first = next((line.strip() for line in str(error.source).splitlines() if line.strip()), "")
    value = ANSI.sub("", str(error.evalue)).strip().splitlines()
    return f'notebook {notebook.name} failed in {where} ("{first}"): {error.ename}: {value[0] if value else ""}'


def execute(notebook: Path, parameters: dict[str, Any], quiet: bool = False) -> Any:
    """Run a notebook with papermill in the project's kernel; return the executed notebook.

    Raises:
        ReportError: A cell failed (the message names it).
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = nbformat.read(notebook, as_version=4)
    numbers = {cell.get("id"): n for n, cell in enumerate(source.cells, start=1)}  # as Jupyter shows them
    code_cells = sum(cell.cell_type == "code" for cell in source.cells)
    started = time.time()

    def progress(cell: Any, execute_reply: Any = None, **_: Any) -> None:
        number = numbers.get(cell.get("id"))
        ok = (execute_reply or {}).get("content", {}).get("status") == "ok"
        if cell.cell_type == "code" and number is not None and ok:
            first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
            _say(f"  {notebook.stem}: cell {number} done ({time.time() - started:.0f} s): {first[:70]}", quiet)

    _say(f"running {notebook.name} ({code_cells} code cells) ...", quiet)
    try:
        return papermill.execute_notebook(
            str(notebook),
            None,
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(PROJECT_ROOT),
            kernel_manager_class=ProjectKernelManager,
            on_cell_executed=progress,
        )
    except PapermillExecutionError as error:
        raise ReportError(describe_failure(notebook, error)) from None


def to_html(executed: Any, title: str, lang: str, code: bool) -> str:
    """The executed notebook as one self-contained HTML page (images embedded as data URIs).

    Args:
        executed: The executed notebook.
        title: The page title.
        lang: The page's language (``en``, ``zh``).
        code: Keep code cells and Markdown (a researcher's walkthrough); without, outputs only.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file="report.html.j2",
        extra_loaders=[DictLoader({"report.html.j2": TEMPLATE})],
        language_code=lang,  # ISO 639-1: en, zh
        embed_images=True,
        exclude_input=not code,
        exclude_markdown=not code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return webfont.embed(body)


def translate_markdown(executed: Any, lang: str) -> Any:
    """The notebook's Markdown cells in ``lang``: each cell's text is the label ``walkthrough.<cell id>``.

    Raises:
        ReportError: A Markdown cell has no label (its id named).
    """
    for cell in executed.cells:
        if cell.cell_type != "markdown":
            continue
        key = f"walkthrough.{cell.get('id')}"
        if key not in labels.table():
            raise ReportError(f"the Markdown cell {cell.get('id')!r} has no label {key!r} in {labels.TABLE.name}")
        cell.source = labels.text(key, lang)
    return executed


def embedded_figures(html: str) -> int:
    """Number of PNG figures embedded in an HTML page as data URIs."""
    return len(EMBEDDED_PNG.findall(html))


def _save(executed: Any, html: str, stem: Path) -> tuple[Path, Path]:
    """Write the executed notebook and its HTML next to each other, each atomically."""
    import nbformat

    notebook, page = stem.with_suffix(".ipynb"), stem.with_suffix(".html")
    write_atomic(notebook, lambda tmp: tmp.write_text(nbformat.writes(executed), encoding="utf-8"))
    write_atomic(page, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return page, notebook


def report(sweep_dir: str | Path, lang: str = "en", quiet: bool = False) -> Path:
    """Run the review notebook on a collected sweep and write ``report_<lang>.html`` into it.

    Returns:
        The HTML file.

    Raises:
        ReportError: Not a collected sweep, a bad language or a failing cell (one line).
    """
    path = _checked(sweep_dir, lang)
    started = time.time()
    executed = execute(REVIEW, {"sweep_dir": str(path), "lang": lang}, quiet)
    html = to_html(executed, labels.text("heading.title", lang), lang, code=False)
    page, _ = _save(executed, html, path / f"report_{lang}")
    figures = embedded_figures(html)
    _say(f"wrote {page} ({len(html) / 1e6:.1f} MB, {figures} figures) in {time.time() - started:.0f} s", quiet)
    return page


def _checked(sweep_dir: str | Path, lang: str) -> Path:
    """The sweep folder, resolved, after checking it and the language (one-line errors).

    Warns of each growth industry its runs represent by fewer rows than it needs (as
    collect recorded in ``runs.parquet``'s metadata).
    """
    try:
        labels.check_lang(lang)
        path = check_sweep(sweep_dir).resolve()
    except (SweepError, ValueError) as error:
        raise ReportError(str(error)) from None
    info = describe.file_metadata(path / "runs.parquet")
    for scale, thin in info.get("thin_sectors", {}).items():
        coverage.warn(thin, int(info.get("min_sector_rows") or 0), scale, f"report {path.name}")
    return path


def pick_run(sweep_dir: Path) -> Path:
    """A finished run of the sweep for the walkthrough: the as-enacted mix's lowest seed if present."""
    import pandas as pd

    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    done = runs[runs.status == "complete"].sort_values(["seed", "run"])
    if done.empty:
        raise ReportError(f"SWEEP_DIR={str(sweep_dir)!r} holds no finished run: expected at least one")
    enacted = done[done.policy_mix == "as_enacted"]
    return sweep_dir / str((enacted if not enacted.empty else done).run.iloc[0])


def walkthrough(sweep_dir: str | Path, lang: str = "en", quiet: bool = False, run_dir: Path | None = None) -> Path:
    """Run the walkthrough notebook on one run of a sweep; write ``walkthrough_<lang>.html`` into the sweep.

    Raises:
        ReportError: Not a collected sweep, a bad language or a failing cell (one line).
    """
    path = _checked(sweep_dir, lang)
    run = (run_dir or pick_run(path)).resolve()
    started = time.time()
    executed = translate_markdown(execute(WALKTHROUGH, {"run_dir": str(run), "lang": lang}, quiet), lang)
    html = to_html(executed, labels.text("heading.walkthrough", lang), lang, code=True)
    page, _ = _save(executed, html, path / f"walkthrough_{lang}")
    _say(f"wrote {page} ({run.relative_to(path)}) in {time.time() - started:.0f} s", quiet)
    return page


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep_dir", type=Path, help="a collected sweep folder, e.g. multirun/mix_comparison")
    parser.add_argument("--lang", default="en", help="language of the report: en or zh (default en)")
    parser.add_argument("--walkthrough", action="store_true", help="the single-run walkthrough instead of the review")
    args = parser.parse_args(argv)
    try:
        if args.walkthrough:
            walkthrough(args.sweep_dir, args.lang)
        else:
            report(args.sweep_dir, args.lang)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
