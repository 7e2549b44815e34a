"""Every command of the README runs as written, at a tiny scale, in a copy of the repository.

Every line of the README's ```bash blocks (continuation lines joined, ``&&`` chains kept
together) and every ```python block is one test id. The commands run in a copy of the
repository's files, from its root, as the README says (``.venv/bin/python`` is the Python
running the tests, reached through a ``.venv`` link in the copy), so that whatever they
write (``outputs/``, ``multirun/``, a calibration file under ``conf/``, a notebook's HTML)
stays in the copy. Each is shrunk by overrides appended to it (``TINY``: each program's own
settings, a Hydra override replacing the same key's value as written): a run at scale
0.01, a sweep over one seed or two, an app over a few points, a benchmark of one run.

Commands that need an earlier one (collect a sweep, report a collected sweep, read its
parquet files) run it first, once per session. Commands that cannot run here are listed in
``NOT_RUN`` with the reason and checked as far as they can be: creating an environment and
installing packages (the extras they name exist), the suite itself (it collects), JupyterLab
(a server for a browser), the SLURM launcher (its config composes). The explorer, a server
too, is started on a free port, its page fetched, and stopped.

A README command that fails here fails as written: fix the README or the code.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from model.data import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"

# The small sweep that collect, the reports, the notebook and the parquet snippet read.
SMALL_SWEEP = ".venv/bin/python -m experiments.run -m +experiment=mix_comparison scale=0.02 seed=range(0,3)"
COLLECT = ".venv/bin/python -m experiments.collect multirun/mix_comparison"

# The sensitivity analysis over its first two inputs only (Morris and Sobol points grow with them).
SENSITIVITY_TWO_INPUTS = [
    f"~sensitivity.parameters.{name}"
    for name in list(OmegaConf.load(PROJECT_ROOT / "conf" / "sensitivity.yaml").sensitivity.parameters)[2:]
]
# The apps run their few tiny runs one after another in their own process (hydra/launcher=basic):
# starting joblib's workers would take longer than the runs (tests/test_analysis_apps.py runs
# an app under both launchers; the sweeps below run under joblib's).
APP = ["hydra/launcher=basic"]
# Each program's settings for a tiny run (Hydra overrides replace the key's value as written;
# options are appended: argparse keeps the last).
TINY: dict[str, list[str]] = {
    "experiments.run": ["scale=0.01"],
    "experiments.run -m": ["scale=0.01"],  # and the seeds of SWEEP_SEEDS
    "experiments.calibrate": [
        *APP,
        "scale=0.02",
        "calibrate.seeds=1",
        "calibrate.popsize=2",
        "calibrate.maxiter=1",
        "calibrate.standard_errors=false",
        "calibrate.estimate=[steel_output_2017]",
    ],
    "experiments.validate": [*APP, "scale=0.02", "validate.seeds=2"],
    "experiments.sensitivity": [
        *APP,
        "scale=0.02",
        "sensitivity.seeds=1",
        "sensitivity.morris.trajectories=2",
        "sensitivity.sobol.base_samples=2",
        "sensitivity.sobol.top=2",
        *SENSITIVITY_TWO_INPUTS,
    ],
    "experiments.backtest": [*APP, "scale=0.02", "backtest.seeds=2"],
    "experiments.bench": ["--runs", "1"],
}
# The calibration the README runs at full size writes conf/calibration/shandong_2017_msm.yaml,
# which every later command reads: in the copy, the tiny one writes its file elsewhere.
FULL_CALIBRATION = [".venv/bin/python", "-m", "experiments.calibrate"]
# A sweep's seeds, so that each sweep command into multirun/mix_comparison simulates runs of its own
# (with the seeds as written, the later ones would find every run finished and skip it).
SWEEP_SEEDS = {SMALL_SWEEP: "range(1,3)"}  # two seeds a mix for the report; the others one each
# Python blocks: what makes them tiny (each replacement must match, so a changed README is noticed).
TINY_PYTHON: dict[str, list[tuple[str, str]]] = {
    "from model import simulate": [("scale=0.1", "scale=0.01")],
    "from model import ShandongModel": [("scale=0.1", "scale=0.01")],
    "import mesa": [('"scale": [0.1]', '"scale": [0.01]')],
    "from SALib.analyze import morris as analyze": [("scale=0.1", "scale=0.01"), ("(problem, 4,", "(problem, 2,")],
    "from ema_workbench import perform_experiments": [("ema_model(scale=0.1)", "ema_model(scale=0.01, seeds=1)")],
}
# A user's own table, as the back-test's example names it: here, a copy of the shipped one.
HELD_OUT = "held_out.csv"

NOT_RUN = {
    "python3.11 -m venv": "creates an environment; .ci/run runs it on a fresh machine (checked: the Python version)",
    ".venv/bin/pip install": "installs packages from the network; checked: every extra it names is in pyproject.toml",
    ".venv/bin/python -m pytest": "the suite itself; checked: it collects",
    ".venv/bin/jupyter lab": "a server for a browser, it blocks; checked: the notebooks extra declares jupyterlab",
    "hydra/launcher=cluster": "submits to a SLURM cluster; checked: the config composes with submitit's SLURM launcher",
    "experiments.bench_sweep": "benchmarks full-scale sweeps for about 5 minutes by design (its sweeps under both "
    "launchers and collect run above); checked: its options parse (--help)",
}


@dataclass(frozen=True)
class Command:
    """A README command: its text (continuations joined) and the steps of an ``&&`` chain."""

    text: str
    steps: tuple[tuple[str, ...], ...]
    kind: str = field(default="bash")

    @property
    def id(self) -> str:
        return self.text if self.kind == "bash" else "python: " + self.text.splitlines()[0]


def readme_commands(text: str | None = None) -> list[Command]:
    """The README's bash commands and python blocks, in order, each once."""
    text = README.read_text(encoding="utf-8") if text is None else text
    found: dict[str, Command] = {}
    for lang, block in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S):
        if lang == "python":
            found.setdefault(block, Command(block, (), "python"))
        if lang != "bash":
            continue
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            tokens = shlex.split(line, comments=True)
            if not tokens:
                continue
            steps, step = [], []
            for token in [*tokens, "&&"]:
                if token == "&&":
                    steps.append(tuple(step))
                    step = []
                else:
                    step.append(token)
            joined = " ".join(shlex.quote(t) if " " in t else t for t in tokens)
            found.setdefault(joined, Command(joined, tuple(steps)))
    return list(found.values())


COMMANDS = readme_commands()
BY_TEXT = {c.text: c for c in COMMANDS}


def _key(token: str) -> str | None:
    """The config key a Hydra override sets (None for an option or a program)."""
    if token.startswith("-") or "=" not in token:
        return None
    return token.split("=", 1)[0].lstrip("+~")


def shrink(step: tuple[str, ...], command: Command) -> list[str]:
    """The step with its program's tiny settings: same keys replaced, the rest appended."""
    if len(step) < 3 or step[:2] != (".venv/bin/python", "-m"):
        return list(step)
    program = step[2] + (" -m" if "-m" in step[3:] else "")
    tiny = list(TINY.get(program, []))
    if program == "experiments.run -m":
        sweeps = [c for c in COMMANDS if c.kind == "bash" and any(s[2:4] == ("experiments.run", "-m") for s in c.steps)]
        start = sum(2 if c.text in SWEEP_SEEDS else 1 for c in sweeps[: sweeps.index(command)])
        tiny.append(f"seed={SWEEP_SEEDS.get(command.text, str(start))}")
    if list(step) == FULL_CALIBRATION:
        tiny.append("calibrate.conf_dir=outputs/calibration_files")
    replaced = {_key(t) for t in tiny} - {None}
    return [t for t in step if _key(t) not in replaced] + tiny


def repository_files() -> list[str]:
    """The repository's files (tracked, or new and not ignored), as in a fresh clone with the edits made."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file but what git ignores
        skip = {".git", ".venv", "outputs", "multirun", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
        files = (p.relative_to(PROJECT_ROOT) for p in PROJECT_ROOT.rglob("*") if p.is_file())
        listed = "\0".join(str(p) for p in files if not skip & set(p.parts))
    return [name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file()]


class Copy:
    """A copy of the repository's sources, where the commands run; each command once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in repository_files():
            source = PROJECT_ROOT / name
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
            for cache in source.parent.glob(f"__pycache__/{source.stem}.*.nb[ic]"):  # numba's, if current
                (root / name).parent.joinpath("__pycache__").mkdir(exist_ok=True)
                shutil.copy2(cache, (root / name).parent / "__pycache__" / cache.name)
        venv = root / ".venv"
        if sys.prefix != sys.base_prefix:  # the tests run in a virtual environment: the README's .venv
            venv.symlink_to(sys.prefix, target_is_directory=True)
        else:
            (venv / "bin").mkdir(parents=True)
            (venv / "bin" / "python").symlink_to(sys.executable)
        shutil.copy2(root / "data" / "backtest" / "shandong_2017_2019.csv", root / HELD_OUT)
        self.env = {**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"}
        self.done: dict[str, subprocess.CompletedProcess] = {}

    def run(self, command: Command, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a command (after the commands it needs), once; return its last step's result."""
        for needed in needs(command):
            result = self.run(BY_TEXT[needed])
            assert result.returncode == 0, f"{needed} failed:\n{result.stderr[-3000:]}"
        if command.text not in self.done:
            self.done[command.text] = self._run(command, timeout)
        return self.done[command.text]

    def _run(self, command: Command, timeout: float) -> subprocess.CompletedProcess:
        if command.kind == "python":
            code = command.text
            for old, new in TINY_PYTHON.get(command.text.splitlines()[0], []):
                assert old in code, f"the README's python block {command.id!r} no longer has {old!r}"
                code = code.replace(old, new)
            return self._process([".venv/bin/python", "-c", code], timeout)
        result = None
        for step in command.steps:
            result = self._process(shrink(step, command), timeout)
            if result.returncode != 0:
                break
        assert result is not None
        return result

    def _process(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )


def needs(command: Command) -> list[str]:
    """README commands that must have run before this one."""
    if command.text == SMALL_SWEEP:
        return []
    if command.text == COLLECT:
        return [SMALL_SWEEP]
    if "multirun/mix_comparison" in command.text or "policy_mix_review.ipynb" in command.text:
        return [SMALL_SWEEP, COLLECT]  # a report, the notebook, the parquet snippet
    return []


def not_run(command: Command) -> str | None:
    """Why a command is not run here, if it is not."""
    for marker, reason in NOT_RUN.items():
        if marker in command.text:
            return reason
    return None


def is_server(command: Command) -> bool:
    return "experiments.explore" in command.text


RUN = [c for c in COMMANDS if not not_run(c) and not is_server(c)]
CHECKED = [c for c in COMMANDS if not_run(c)]
SERVERS = [c for c in COMMANDS if is_server(c)]


def _checked_param(command: Command) -> object:
    """A checked command's test parameter: slow when its check starts a process."""
    programs = {("pytest",), ("experiments.bench_sweep",)}
    starts = any(s[2:3] in programs or "hydra/launcher=cluster" in s for s in command.steps)
    return pytest.param(command, id=command.id, marks=[pytest.mark.slow] if starts else [])


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Copy:
    return Copy(tmp_path_factory.mktemp("readme") / "repo")


def test_the_readme_commands_are_all_here():
    """Every command is run, started or checked; the extraction finds what the README has."""
    assert {c.text for c in RUN + CHECKED + SERVERS} == {c.text for c in COMMANDS}
    programs = {s[2] for c in RUN for s in c.steps if s[:2] == (".venv/bin/python", "-m")}
    assert programs >= {
        "experiments.run",
        "experiments.collect",
        "experiments.report",
        "experiments.calibrate",
        "experiments.validate",
        "experiments.sensitivity",
        "experiments.backtest",
        "experiments.bench",
    }, programs
    assert SMALL_SWEEP in BY_TEXT and COLLECT in BY_TEXT, "the README's small sweep or its collect changed"
    assert sum(c.kind == "python" for c in RUN) >= 6
    assert any("deployment_rate" in c.text for c in RUN)  # the override example issue 18 found failing
    for key in TINY_PYTHON:
        assert any(c.kind == "python" and c.text.startswith(key) for c in RUN), key


def test_extraction_joins_continuations_and_splits_chains():
    text = "```bash\n# a comment\n.venv/bin/python -m experiments.run a=1 \\\n    'b={x:1}'  # c\nx && y z\n```\n"
    first, second = readme_commands(text)
    assert first.steps == ((".venv/bin/python", "-m", "experiments.run", "a=1", "b={x:1}"),)
    assert second.steps == (("x",), ("y", "z"))


def test_tiny_settings_replace_the_values_as_written():
    command = BY_TEXT[SMALL_SWEEP]
    argv = shrink(command.steps[0], command)
    assert "scale=0.02" not in argv and "seed=range(0,3)" not in argv
    assert argv[-2:] == ["scale=0.01", "seed=range(1,3)"]


def written(command: Command) -> list[str]:
    """What a command must write (globs in the copy), beyond ending with exit status 0."""
    steps = [s for s in command.steps if s[:2] == (".venv/bin/python", "-m")]
    program = steps[0][2] + (" -m" if "-m" in steps[0][3:] else "") if steps else command.kind
    lang = "zh" if "--lang zh" in command.text else "en"
    calibration = "outputs/calibration_files/*.yaml" if [list(s) for s in command.steps] == [FULL_CALIBRATION] else ""
    return {
        "experiments.run": ["outputs/runs/*/_COMPLETE"],
        "experiments.run -m": ["multirun/mix_comparison/policy_mix=*/seed=*/_COMPLETE"],
        "experiments.collect": ["multirun/mix_comparison/runs.parquet", "multirun/mix_comparison/heatmap.png"],
        "experiments.report": [
            f"multirun/mix_comparison/{'walkthrough' if '--walkthrough' in command.text else 'report'}_{lang}.html"
        ],
        "experiments.calibrate": [
            "outputs/calibrate/*/estimates.csv",
            calibration or "conf/calibration/shandong_2017_trial.yaml",
        ],
        "experiments.validate": ["outputs/validate/*/validation.csv"],
        "experiments.sensitivity": ["outputs/sensitivity/*/sobol.csv"],
        "experiments.backtest": ["outputs/backtest/*/backtest.csv"],
    }.get(program, ["notebooks/policy_mix_review.html"] if "nbconvert" in command.text else [])


@pytest.mark.slow
@pytest.mark.parametrize("command", RUN, ids=[c.id for c in RUN])
def test_readme_command_runs(copy, command):
    if command.kind == "python" and "ema_workbench" in command.text:
        pytest.importorskip("ema_workbench", reason="the analysis extra")
    before = {pattern: set(copy.root.glob(pattern)) for pattern in written(command)}
    result = copy.run(command)
    assert result.returncode == 0, f"{command.id} failed as written:\n{result.stderr[-3000:]}"
    for pattern, found in before.items():
        assert set(copy.root.glob(pattern)) - found, f"{command.id} wrote no {pattern}"


@pytest.mark.slow
@pytest.mark.parametrize("command", SERVERS, ids=[c.id for c in SERVERS])
def test_readme_server_starts(copy, command):
    """The explorer serves its page; started on a free port, fetched, stopped."""
    pytest.importorskip("solara", reason="the viz extra")
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    (step,) = command.steps
    argv = [t for i, t in enumerate(step) if t != "--port" and (i == 0 or step[i - 1] != "--port")]
    log = copy.root / f"explore_{port}.log"
    with log.open("w") as handle:  # the server keeps its own copy of the descriptor
        process = subprocess.Popen(
            [*argv, "--port", str(port)], cwd=copy.root, env=copy.env, stdout=handle, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.time() + 120
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=5) as page:
                    assert page.status == 200 and b"solara" in page.read().lower()
                break
            except OSError:
                assert time.time() < deadline, "the explorer did not serve its page within 120 s"
                time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("command", [_checked_param(c) for c in CHECKED])
def test_readme_command_not_run_here_is_checked(copy, command):
    """Commands that cannot run in a test: each named with its reason, and checked as far as it can be."""
    reason = not_run(command)
    assert reason
    extras = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    for step in command.steps:
        if step[:3] == ("python3.11", "-m", "venv"):
            python = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
            assert python["requires-python"] == ">=3.11,<3.12", "the README creates the environment with Python 3.11"
        elif step[:2] == (".venv/bin/pip", "install"):
            target = step[-1]
            assert target.startswith("."), step
            named = re.fullmatch(r"\.(?:\[([\w,]+)\])?", target)
            assert named, f"pip install {target}: expected . or .[extra,...]"
            for extra in (named.group(1) or "").split(","):
                assert not extra or extra in extras, f"{extra!r} is not an extra of pyproject.toml: {sorted(extras)}"
        elif step[:3] == (".venv/bin/python", "-m", "pytest"):
            result = copy._process([*step, "--collect-only", "-q", "-p", "no:cacheprovider"], 300)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        elif step[:2] == (".venv/bin/jupyter", "lab"):
            assert any(d.startswith("jupyterlab") for d in extras["notebooks"])
            assert (copy.root / step[2]).is_dir() and list((copy.root / step[2]).glob("*.ipynb"))
        elif "hydra/launcher=cluster" in step:
            # Hydra's --cfg composes one job's config, without -m (it refuses both at once)
            line = " ".join(step).replace("<your partition>", "debug")
            argv = [t for i, t in enumerate(shlex.split(line)) if not (i > 2 and t == "-m")]
            result = copy._process([*argv, "--cfg", "hydra"], 300)
            assert result.returncode == 0, result.stderr[-3000:]
            assert "SlurmLauncher" in result.stdout and "partition: debug" in result.stdout, result.stdout[-3000:]
        elif step[:3] == (".venv/bin/python", "-m", "experiments.bench_sweep"):
            result = copy._process([*step, "--help"], 120)
            assert result.returncode == 0 and "--repeats" in result.stdout, result.stderr[-3000:]
        else:  # the rest of a chain: a command the README also gives on its own, and run there
            assert " ".join(step) in {c.text for c in RUN}, f"{' '.join(step)} (in {command.id}) is not run"
