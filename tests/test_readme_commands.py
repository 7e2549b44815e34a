"""The README's single-run commands run as written (at a tiny scale, into a temporary folder).

Every ``.venv/bin/python -m experiments.run ...`` line of the README's bash blocks that is
not a sweep (no ``-m``) and names no placeholder is extracted, its continuation lines
joined, and run with ``scale=0.01`` and ``hydra.run.dir`` appended.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from model.data import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def readme_commands() -> list[list[str]]:
    """Token lists of the README's single-run commands."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        text = re.sub(r"\\\n\s*", " ", block)
        for line in text.splitlines():
            tokens = shlex.split(line, comments=True)
            if tokens[:3] != [".venv/bin/python", "-m", "experiments.run"] or "-m" in tokens[3:]:
                continue
            if any("<" in token for token in tokens):
                continue
            commands.append(tokens[3:])
    return commands


COMMANDS = readme_commands()


def test_the_readme_has_single_run_commands():
    assert len(COMMANDS) >= 6, COMMANDS
    assert any(any("deployment_rate" in token for token in tokens) for tokens in COMMANDS)


@pytest.mark.slow
@pytest.mark.parametrize("overrides", COMMANDS, ids=[" ".join(c) or "(defaults)" for c in COMMANDS])
def test_readme_command_runs(tmp_path, overrides):
    tiny = [o for o in overrides if not o.startswith("scale=")]
    result = subprocess.run(
        [sys.executable, "-m", "experiments.run", *tiny, "scale=0.01", f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "run" / "_COMPLETE").is_file()
