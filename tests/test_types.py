"""The model's code passes mypy (configured in pyproject.toml: model/ and agents/)."""

import pytest

from model.data import PROJECT_ROOT

mypy_api = pytest.importorskip("mypy.api", reason="mypy is installed with the test extras")


@pytest.mark.slow
def test_mypy(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)  # the configured files, and the report's paths, are relative to the root
    stdout, stderr, status = mypy_api.run(["--config-file", "pyproject.toml"])
    assert status == 0, stdout + stderr
