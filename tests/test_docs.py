"""Every module, class, function, method, constant, file and config key the docs name still exists.

The docs are docs/model.md and the README's "The model" section. Each inline code span
(between single backticks, outside fenced blocks, line breaks read as spaces) is read as
one of the forms below and looked up; anything else is not code and is skipped.

- ``path/file.py: name, Class.method`` (or ``file.py: name``, a module of that file name):
  the module is imported and each name looked up in it.
- ``model/registry/indicators.csv``, ``conf/instrument/*.yaml``, ``data/shandong/``: a path
  under one of the project's top-level folders, globs allowed, matches a file or folder.
- ``calibration.economy.gdp_2017``: a dotted key whose first part is a key of a config
  (the run config, or an app config such as ``sensitivity``) is looked up in the composed
  default config with its calibration tables read (``calibration.overcapacity.steel.wage``),
  in the config of every policy mix and in the app configs' own files (conf/*.yaml).
  ``<s>``, ``<city>`` and ``*`` stand for any key. ``...rest`` continues a full key named
  before it (the latest first) from one of its prefixes (``...standards.pace`` after
  ``policy_mix.instruments.standards.start``).
- ``group=option`` (``policy_mix=as_enacted``) names conf/group/option.yaml;
  ``key=value`` (``output.micro=true``) names the config key.
- ``agents.plants.Plant``, ``mesa.Agent``, ``experiments.calibrate``: an importable
  module, then attributes. ``instruments.step_value``: the first part is a project module's
  last name. ``model.steps``, ``accounts.record(t)``: the first part is an instance of a
  class of the project's modules whose name ends with it (``ShandongModel``, ``Accounts``),
  or of a subclass.
  Other dotted lowercase names are keys of a config, from any level (``sobol.top``).
- ``ShandongModel.step``, ``Environment.reset()``: a class of the project's modules (defined
  or imported there, or reached through an imported package: ``mesa.DataCollector``) and its
  attribute; ``.settle`` is an attribute of the class named last.
- ``ConversionFund``, ``PLANT_SCHEMA``, ``N_QUARTERS = 20``: a capitalised name (a class) or
  an upper-case name (a constant, with its value when one is given) bound in a project module.
- ``plants_produce(t)``: a function or method of that name is defined in the project.

An attribute is found on the class, or among what its methods set on ``self`` and its class
annotations, along its bases; an instance of a class that serves attributes through
``__getattr__`` (``agent.capacity``: the agents' views onto their columns) is taken to have
any. Not checked: single lowercase names
(columns, indicators, streams, data keys and functions named bare look alike), data keys after
a data file's name (``baseline.csv: gdp_growth``; tests/test_data.py checks data files),
bare file names, commands, math and code snippets.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from omegaconf import OmegaConf

from model.data import PROJECT_ROOT

PACKAGES = ("agents", "model", "experiments", "hydra_plugins")
IDENT = r"[A-Za-z_]\w*"
SEGMENT = r"(?:\w+|<\w+>|\*)"
FILE_SUFFIXES = (".py", ".csv", ".yaml", ".yml", ".md", ".txt", ".parquet", ".json", ".png", ".ipynb")


def code_spans(markdown: str) -> list[str]:
    """The inline code spans of a Markdown text, in order, whitespace runs read as one space."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.S | re.M)
    return [" ".join(span.split()) for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", text)]


def section(markdown: str, title: str) -> str:
    """The text of a level-2 section (its subsections included)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, flags=re.S | re.M)
    assert match, f"no section '## {title}'"
    return match.group(1)


# --------------------------------------------------------------------------- the project's code
def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def project_modules() -> dict[str, ast.Module]:
    """Every module of the project, by dotted name, parsed."""
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
    }


@functools.cache
def bindings() -> dict[str, list[str]]:
    """Names bound at module level (defined, assigned or imported) -> the modules binding them."""
    bound: dict[str, list[str]] = {}
    for module, tree in project_modules().items():
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                names = [node.name]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
            else:
                continue
            for name in names:
                bound.setdefault(name, []).append(module)
    return bound


@functools.cache
def defined_functions() -> frozenset[str]:
    """Names of every function and method defined in the project."""
    return frozenset(
        node.name
        for tree in project_modules().values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def bound_objects(name: str) -> list[object]:
    """What a name is bound to in the project modules binding it at module level."""
    namespaces = [vars(importlib.import_module(module)) for module in bindings().get(name, [])]
    return [namespace[name] for namespace in namespaces if name in namespace]


@functools.cache
def imported_modules() -> tuple[str, ...]:
    """Other packages the project imports whole at module level (``import mesa``)."""
    return tuple(
        sorted(
            {
                alias.name
                for tree in project_modules().values()
                for node in tree.body
                if isinstance(node, ast.Import)
                for alias in node.names
                if alias.name.split(".")[0] not in PACKAGES
            }
        )
    )


def classes_named(name: str) -> list[type]:
    """Classes of the project's modules: defined or imported there, or reached through a module (``mesa.Agent``)."""
    through = [getattr(importlib.import_module(module), name, None) for module in imported_modules()]
    return [obj for obj in [*bound_objects(name), *through] if isinstance(obj, type)]


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def instance_classes(instance: str) -> list[type]:
    """Classes whose instances the docs call ``instance`` (``accounts``: Accounts), with their subclasses."""
    for module in project_modules():  # subclasses live in modules nobody imported yet
        if module.split(".")[0] in ("agents", "model"):
            importlib.import_module(module)
    names = {*bindings(), *(name for module in imported_modules() for name in dir(importlib.import_module(module)))}
    found = [
        cls
        for name in sorted(names)
        if name[0].isupper() and name.lower().endswith(instance)
        for cls in classes_named(name)
    ]
    return list(dict.fromkeys([*found, *(sub for cls in found for sub in _subclasses(cls))]))


@functools.cache
def _instance_attributes(cls: type) -> frozenset[str]:
    """What a class's own methods set on ``self``, and its class-level annotations."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    assigned = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and ast.unparse(node.value) == "self"
    }
    return frozenset(assigned | set(vars(cls).get("__annotations__", {})))


def has_attribute(cls: type, name: str, served: bool = False) -> bool:
    """Whether instances of ``cls`` have the attribute ``name``.

    ``served``: an instance (``agent.capacity``), which may serve any attribute through ``__getattr__``.
    """
    return any(
        name in vars(base) or name in _instance_attributes(base) or (served and "__getattr__" in vars(base))
        for base in inspect.getmro(cls)
        if base is not object
    )


def _attribute_path(obj: object, names: list[str]) -> bool:
    for name in names:
        if isinstance(obj, type) and not hasattr(obj, name):
            return has_attribute(obj, name) and name == names[-1]
        if inspect.ismodule(obj) and not hasattr(obj, name):
            try:
                obj = importlib.import_module(f"{obj.__name__}.{name}")
                continue
            except ImportError:
                return False
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def importable(dotted: str) -> bool:
    """Whether ``a.b.c`` is a module, or a module's attribute path."""
    parts = dotted.split(".")
    if parts[0] not in PACKAGES and importlib.util.find_spec(parts[0]) is None:
        return False
    try:
        return _attribute_path(importlib.import_module(parts[0]), parts[1:])
    except ImportError:
        return False


def modules_ending(name: str) -> list[str]:
    """Project modules whose last name is ``name`` (``instruments``: model.instruments)."""
    return [module for module in project_modules() if module.split(".")[-1] == name]


# --------------------------------------------------------------------------- the config
def _key_paths(node: object, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            path = (*prefix, str(key))
            yield path
            yield from _key_paths(value, path)
    elif isinstance(node, list):
        for value in node:
            yield from _key_paths(value, prefix)


@functools.cache
def config_keys() -> frozenset[tuple[str, ...]]:
    """Every key path of the default config (calibration tables read), of every policy mix, of the apps."""
    from model.config import compose, resolved

    paths = set(_key_paths(resolved(compose([]))))
    for mix in sorted((PROJECT_ROOT / "conf" / "policy_mix").glob("*.yaml")):
        paths |= set(_key_paths(OmegaConf.to_container(compose([f"policy_mix={mix.stem}"]))))
    for app in sorted((PROJECT_ROOT / "conf").glob("*.yaml")):
        own = OmegaConf.to_container(OmegaConf.load(app))
        paths |= set(_key_paths({k: v for k, v in own.items() if k not in ("defaults", "hydra")}))
    assert len(paths) > 500, "few config keys found"
    return frozenset(paths)


@functools.cache
def _key_parts(anywhere: bool) -> frozenset[tuple[str, ...]]:
    """The config's key paths, or (``anywhere``) every run of consecutive keys in them."""
    if not anywhere:
        return config_keys()
    return frozenset(path[i:j] for path in config_keys() for i in range(len(path)) for j in range(i + 1, len(path) + 1))


def _wildcard(part: str) -> bool:
    return part == "*" or part.startswith("<")


def config_key(key: str, anywhere: bool = False) -> bool:
    """Whether a dotted key is a config key path (from the root, or at any level)."""
    pattern = tuple(key.split("."))
    known = _key_parts(anywhere)
    if not any(_wildcard(part) for part in pattern):
        return pattern in known
    return any(
        len(path) == len(pattern) and all(_wildcard(p) or p == k for p, k in zip(pattern, path, strict=True))
        for path in known
    )


@functools.cache
def config_roots() -> frozenset[str]:
    return frozenset(path[0] for path in config_keys())


# --------------------------------------------------------------------------- the checker
class Checker:
    """Looks up the code spans of a text in order, keeping the context continuations need."""

    def __init__(self) -> None:
        self.full_keys: list[str] = []
        self.last_classes: list[type] = []

    def problems(self, spans: list[str]) -> list[str]:
        """What does not resolve, one line per span."""
        return [f"`{span}`: {why}" for span in spans if (why := self.check(span))]

    def check(self, span: str) -> str | None:
        """Why a span does not resolve, or None (resolved, or not code)."""
        call = re.fullmatch(rf"({IDENT}(?:\.{IDENT})*)\([^()]*\)", span)
        name = call.group(1) if call else span
        if match := re.fullmatch(r"([\w/.-]*\w\.py):\s*(.+)", span):
            return self.module_names(match.group(1), [n.strip() for n in match.group(2).split(",")])
        if "/" in span and re.fullmatch(r"[\w./*-]+", span):
            return self.path(span)
        if span.endswith(FILE_SUFFIXES) and re.fullmatch(r"[\w.*-]+", span):
            return None  # a bare file name
        if match := re.fullmatch(rf"(\.\.\.)?({SEGMENT}(?:\.{SEGMENT})*)", span):
            if match.group(1):
                return self.continued_key(match.group(2))
            if "." in span and span.split(".", maxsplit=1)[0] in config_roots():
                return self.full_key(span)
        if match := re.fullmatch(r"([\w.]+)=[\w.]+", span):
            return self.override(match.group(1), span.split("=")[1])
        if re.fullmatch(rf"{IDENT}(\.{IDENT})+", name):
            return self.dotted(name)
        if re.fullmatch(rf"\.{IDENT}", name):
            return self.continued_attribute(name[1:])
        if call and "." not in name:
            return None if name in defined_functions() else "no function or method of this name"
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]+)(?: = (.+))?", span):
            return self.constant(match.group(1), match.group(2))
        if re.fullmatch(r"[A-Z][a-z]\w*", span):
            self.last_classes = classes_named(span)
            return None if self.last_classes else "no class of this name in the project's modules"
        return None

    def module_names(self, file: str, names: list[str]) -> str | None:
        stem = file.removesuffix(".py").replace("/", ".")
        modules = [stem] if "/" in file else modules_ending(stem)
        if not any(m in project_modules() for m in modules):
            return f"no module {file}"
        missing = [n for n in names if not any(importable(f"{m}.{n}") for m in modules)]
        for n in names:
            if "." in n:
                self.last_classes = [c for m in modules for c in classes_named(n.split(".")[0]) if c.__module__ == m]
        return f"not in {file}: {', '.join(missing)}" if missing else None

    @staticmethod
    def path(span: str) -> str | None:
        if not (PROJECT_ROOT / span.split("/", maxsplit=1)[0]).is_dir():
            return None  # not a path of the project
        return None if any(PROJECT_ROOT.glob(span.rstrip("/"))) else "no such file or folder"

    def full_key(self, key: str) -> str | None:
        self.full_keys.append(key)
        return None if config_key(key) else "no such config key"

    def continued_key(self, rest: str) -> str | None:
        """``...rest``: a prefix of a full key named before (the latest first), then ``rest``."""
        for key in reversed(self.full_keys):
            parts = key.split(".")
            if any(config_key(".".join([*parts[:n], rest])) for n in range(len(parts) - 1, 0, -1)):
                return None
        return "no config key ends so under a key named before it"

    @staticmethod
    def override(key: str, value: str) -> str | None:
        group = PROJECT_ROOT / "conf" / key
        if group.is_dir():
            return None if (group / f"{value}.yaml").is_file() else f"no conf/{key}/{value}.yaml"
        return None if config_key(key) else "no such config key"

    def dotted(self, name: str) -> str | None:
        first, *rest = name.split(".")
        if first[0].isupper():
            self.last_classes = classes_named(first)
            if not self.last_classes:
                return f"no class {first} in the project's modules"
            if len(rest) == 1 and any(has_attribute(cls, rest[0]) for cls in self.last_classes):
                return None
            ok = any(_attribute_path(cls, rest) for cls in self.last_classes)
            return None if ok else f"{first} has no attribute {'.'.join(rest)}"
        if importable(name) or any(importable(".".join([m, *rest])) for m in modules_ending(first)):
            return None
        if len(rest) == 1 and any(has_attribute(cls, rest[0], served=True) for cls in instance_classes(first)):
            return None
        return None if config_key(name, anywhere=True) else "neither code nor a config key"

    def continued_attribute(self, name: str) -> str | None:
        if not self.last_classes:
            return "an attribute with no class named before it"
        if any(has_attribute(cls, name) for cls in self.last_classes):
            return None
        return f"{', '.join(c.__name__ for c in self.last_classes)} has no attribute {name}"

    @staticmethod
    def constant(name: str, value: str | None) -> str | None:
        objects = bound_objects(name)
        if not objects:
            return "no constant of this name in the project's modules"
        if value is not None:
            try:
                expected = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return None
            if expected not in objects:
                return f"is {objects[0]!r}"
        return None


def problems(markdown: str) -> list[str]:
    return Checker().problems(code_spans(markdown))


MODEL_MD = (PROJECT_ROOT / "docs" / "model.md").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_model_description_names_what_exists():
    found = problems(MODEL_MD)
    assert not found, "docs/model.md names what the code does not have:\n" + "\n".join(found)


def test_the_readme_model_section_names_what_exists():
    found = problems(section(README, "The model"))
    assert not found, "README.md (The model) names what the code does not have:\n" + "\n".join(found)


def test_the_checker_reads_the_forms_the_docs_use():
    spans = code_spans(MODEL_MD)
    assert len(spans) > 500
    assert "model/names.py: OVERCAPACITY_SECTORS, GROWTH_SECTORS" in spans  # split over two lines
    assert "ShandongModel.step" in spans and ".settle" in spans and "...standards.pace" in spans


def test_the_checker_catches_misspelt_names():
    misspelt = {
        "`ShandongModel.step`": "`ShandongModel.stepp`",
        "`ConversionFund.invest_in_pipeline`": "`ConversionFund.invest_in_pipline`",
        "`model/population.py: entrants`": "`model/population.py: entrant`",
        "`.settle`": "`.setle`",
        "`calibration.economy.coal_generation_share`": "`calibration.economy.coal_generation_shares`",
        "`...standards.pace`": "`...standards.paces`",
        "`calibration.overcapacity.<s>.capacity`": "`calibration.overcapacity.<s>.capacityy`",
        "`N_QUARTERS = 20`": "`N_QUARTERS = 21`",
        "`plants_produce(t)`": "`plant_produce(t)`",
        "`instruments.step_value`": "`instruments.step_values`",
        "`conf/instrument/standards.yaml`": "`conf/instrument/standard.yaml`",
        "`policy_mix=as_enacted`": "`policy_mix=as_enacte`",
        "`FundLedger`": "`FundLedgers`",
        "`sobol.top`": "`sobol.tops`",
    }
    for right, wrong in misspelt.items():
        assert right in MODEL_MD, right
        found = problems(MODEL_MD.replace(right, wrong, 1))
        assert len(found) == 1 and found[0].startswith(wrong), (wrong, found)
    readme = section(README, "The model").replace("agents.plants.Plant", "agents.plants.Plnat")
    assert problems(readme) == ["`agents.plants.Plnat`: neither code nor a config key"]
