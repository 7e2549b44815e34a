"""User mistakes (a config, an override, the data) as one line on stderr, not a traceback.

``experiments.run`` and the analysis apps (``experiments.apps``) share these: a mistake
stops the job before anything runs, with the key, the value given and what is allowed.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from omegaconf import OmegaConf

from experiments.sweeps.outputs import remove_unfinished
from model.errors import ConfigError

T = TypeVar("T")

_TYPES = {"Integer": "an integer", "Float": "a number", "Boolean": "true or false", "String": "a string"}


def _override_value(key: str, fallback: str = "?") -> str:
    """The value given on the command line for ``key`` (for error messages).

    A key inside a mapping given whole (``parent={child:value}``) gets its entry's value;
    a key not on the command line (a value from a YAML file) gets ``fallback``.
    """
    for arg in sys.argv[1:]:
        name, _, value = arg.lstrip("+~").partition("=")
        if name == key:
            return value
        parent, _, child = key.rpartition(".")
        if name == parent and value.startswith("{"):
            found = re.search(rf"(?:^|[{{,])\s*{re.escape(child)}\s*:\s*([^,}}]*)", value)
            if found:
                return found.group(1).strip()
    return fallback


def _yaml_error(error: BaseException) -> str | None:
    """One line for a YAML syntax error, a tab or a duplicate key in a config file."""
    import yaml

    if not isinstance(error, yaml.MarkedYAMLError):
        return None
    mark = error.problem_mark or error.context_mark
    where = f"{mark.name} line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
    problem = str(error.problem or error.context or "invalid YAML")
    if "\\t" in problem or "\t" in problem:
        hint = "indentation with spaces, not tabs"
    elif "duplicate key" in problem:
        hint = "each key once in a mapping"
    else:
        hint = "valid YAML (key: value, lists in [...], mappings in {...})"
    return f"{where}: {problem!r} is not allowed: expected {hint}"


_DISK = {
    errno.ENOSPC: "free space",
    errno.EDQUOT: "free quota",
    errno.EROFS: "a writable file system",
    errno.ENOTDIR: "a folder path (a file is in the way)",
}


def _os_error(error: BaseException) -> str | None:
    """One line for an output location that is full, read-only or not ours to write."""
    if not isinstance(error, OSError) or error.errno not in (*_DISK, errno.EACCES, errno.EPERM):
        return None
    where = error.filename or "the output folder"
    needed = _DISK.get(error.errno or 0, "a folder this user may write")
    return (
        f"output location {str(where)!r}: {error.strerror} is not allowed: expected {needed} "
        "(choose another folder with hydra.run.dir=... or hydra.sweep.dir=...)"
    )


def _absent_instrument(config_name: str) -> str | None:
    """One line for a lever of an instrument the chosen mix lacks (Hydra's AssertionError)."""
    from model.config import compose

    groups = [a for a in sys.argv[1:] if "=" in a and "." not in a.partition("=")[0] and not a.startswith("hydra")]
    try:
        base = compose(groups, config_name=config_name)
    except Exception:
        return None
    for arg in sys.argv[1:]:
        name, _, value = arg.lstrip("+~").partition("=")
        node, parts = base, name.split(".")
        for i, part in enumerate(parts[:-1]):
            child = node.get(part) if hasattr(node, "get") else None
            if child is None and hasattr(node, "get") and part in node:
                parent = ".".join(parts[: i + 1])
                present = [str(k) for k, v in node.items() if v is not None]
                return (
                    f"{name}={value!r} is not allowed: {parent!r} is not in this config (policy_mix="
                    f"{base.policy_mix.name}); expected a key of a present instrument: "
                    + (f"one of {', '.join(present)}" if present else "none, this mix has no instruments")
                )
            if child is None:
                break
            node = child
    return None


def _siblings(full_key: str, config_name: str = "config") -> tuple[list[str], bool]:
    """Keys allowed next to ``full_key`` in the default config, and whether they form a mapping.

    Open mappings (schedules, weights) take new entries with ``+key={...}``.
    """
    from model.config import compose

    try:
        node = compose([], config_name=config_name)
        for part in full_key.split(".")[:-1]:
            node = node[part]
        return sorted(str(k) for k in node), OmegaConf.get_type(node) is dict
    except Exception:  # the parent itself does not exist
        return [], False


def describe_error(exc: BaseException, config_name: str = "config") -> str | None:
    """One line for a user mistake (config, override, data), or None for a bug.

    ``config_name`` is the app's primary config (where misspelt keys are looked up).
    """
    from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    for error in chain:
        if isinstance(error, ConfigError):
            return str(error)
        for special in (_yaml_error, _os_error):
            if (line := special(error)) is not None:
                return line
    if isinstance(exc, AssertionError) and "Unexpected type for root: NoneType" in str(exc):
        return _absent_instrument(config_name)
    if isinstance(exc, MissingConfigException):
        text = str(exc)
        found = re.search(r"Could not find '([^']+)'", text)
        options = re.findall(r"^\t(\S+)$", text, re.M)
        if found:
            group, _, option = found.group(1).rpartition("/")
            allowed = f"one of {', '.join(options)}" if options else f"a config in conf/{group}/"
            return f"{group}={option!r} is not allowed: expected {allowed}"
        return text.splitlines()[0]
    if isinstance(exc, OverrideParseException):
        text = str(exc).splitlines()[0]
        bad = re.search(r"override '([^']+)'", text)
        override = bad.group(1) if bad else text
        name, _, value = override.lstrip("+~").partition("=")
        parent, _, child = name.rpartition(".")
        if child[:1].isdigit():  # quarters such as 2021Q4 cannot be a key path element
            return (
                f"{name}={value!r} is not allowed: a key cannot start with a digit; expected "
                f"{parent}={{{child}:{value}}} (or +{parent}={{{child}:{value}}} to add an entry)"
            )
        return f"{override!r} is not allowed: expected an override such as key=value ({text})"
    for error in chain:
        if isinstance(error, ValidationError):
            key = str(error.full_key or "")
            target = re.search(r"converted to (\w+)", str(error.msg))
            expected = _TYPES.get(target.group(1), target.group(1)) if target else str(error.msg).splitlines()[0]
            given = re.search(r"Value '([^']*)'", str(error.msg))
            value = _override_value(key, given.group(1) if given else "?")
            return f"{key}={value!r} is not allowed: expected {expected}"
        if isinstance(error, (ConfigAttributeError, ConfigKeyError)):
            key = str(error.full_key or "")
            allowed, mapping = _siblings(key, config_name)
            expected = f"one of {', '.join(allowed)}" if allowed else "a key of the config"
            parent, _, child = key.rpartition(".")
            hint = f" (to add an entry, write +{parent}={{{child}:...}})" if mapping else ""
            given = [a.lstrip("+~") for a in sys.argv[1:] if a.lstrip("+~").startswith(f"{key}.")]
            shown = given[0].partition("=")[0] if given else key
            value = given[0].partition("=")[2] if given else _override_value(key)
            return (
                f"{shown}={value!r} is not allowed: {key.rpartition('.')[2]!r} is not a "
                f"config key here; expected {expected}{hint}"
            )
    if isinstance(exc, (ConfigCompositionException, OmegaConfBaseException)):
        return str(exc).splitlines()[0]
    return None


def fail(line: str) -> NoReturn:
    """Stop with a one-line message on stderr and exit status 2."""
    print(f"error: {line}", file=sys.stderr)
    sys.exit(2)


def guarded(body: Callable[[], T], folder: Path, config_name: str = "config") -> T:
    """Run the body of a Hydra job; a user mistake ends it with one line on stderr (exit status 2).

    Args:
        body: The job's work.
        folder: The job's folder, removed after a user mistake if nothing but Hydra's
            records is in it.
        config_name: The job's primary config (where misspelt keys are looked up).
    """
    try:
        return body()
    except Exception as exc:
        line = describe_error(exc, config_name)
        if line is None:  # a bug, not a user mistake: keep the traceback
            raise
        remove_unfinished(folder)
        fail(line)


def run_hydra(task: Callable[[], object], config_name: str = "config") -> None:
    """Run a Hydra entry point, turning user mistakes into one line on stderr (exit status 2).

    Args:
        task: The function decorated with ``hydra.main``.
        config_name: Its primary config (where misspelt keys are looked up).
    """
    os.environ["HYDRA_FULL_ERROR"] = "1"  # let errors reach us, to print them as one line
    try:
        task()
    except SystemExit:
        raise
    except Exception as exc:
        line = describe_error(exc, config_name)
        if line is None:
            raise
        fail(line)
