"""The README's Quickstart has exactly two commands, and CI runs the second one."""

import re

from model.data import PROJECT_ROOT


def quickstart_commands() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^#+\s*Quick\s*-?start.*?$(.*?)(?=^#{1,2}\s)", text, re.S | re.M | re.I).group(1)
    blocks = re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", section, re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_two_quickstart_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert "experiments.run" in commands[0] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quickstart_commands()[1] in ci
