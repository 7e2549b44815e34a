"""Modules stay small enough to read: every submodel in its own room.

No module of model/, agents/ or experiments/ (subpackages included) is over 500 lines, and the
model class itself, which only orders the phases, is at most 300 lines from its ``class`` line
to its last line.
"""

import ast

from model.data import PROJECT_ROOT

MAX_MODULE_LINES = 500
MAX_MODEL_CLASS_LINES = 300
PACKAGES = ("model", "agents", "experiments")
MODEL_CLASS = "ShandongModel"


def test_no_module_is_over_500_lines():
    lengths = {
        path.relative_to(PROJECT_ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }
    assert len(lengths) > 20, "few modules found: is the project root right?"
    too_long = {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES}
    assert not too_long, "\n" + "\n".join(f"{path}: {n} lines" for path, n in sorted(too_long.items()))


def test_the_model_class_is_at_most_300_lines():
    classes = [
        (path.relative_to(PROJECT_ROOT).as_posix(), node)
        for path in sorted((PROJECT_ROOT / "model").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == MODEL_CLASS
    ]
    assert len(classes) == 1, f"expected one class {MODEL_CLASS} in model/, found {len(classes)}"
    path, node = classes[0]
    lines = node.end_lineno - node.lineno + 1
    where = f"{path}, lines {node.lineno}-{node.end_lineno}"
    assert lines <= MAX_MODEL_CLASS_LINES, f"{MODEL_CLASS} is {lines} lines ({where})"
