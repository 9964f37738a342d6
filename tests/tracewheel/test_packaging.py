"""The installed layout: every stage lives under ``tracewheel.``, and no generic top-level name is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE_FOLDERS = ("collector", "curator", "trainer", "evals", "serving")


def _setuptools_table() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _package_folders() -> dict[str, Path]:
    """Every package the repository holds, by the name it installs under."""
    found = {}
    mapping = {"tracewheel": "tracewheel", **{f"tracewheel.{f}": f for f in STAGE_FOLDERS}}
    for name, folder in mapping.items():
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT / folder)
            found[".".join([name, *rel.parts])] = init.parent
    return found


def test_every_package_folder_is_listed_for_the_wheel():
    listed = set(_setuptools_table()["packages"])
    assert set(_package_folders()) == listed


def test_stage_folders_map_into_the_namespace():
    package_dir = _setuptools_table()["package-dir"]
    assert {k: v for k, v in package_dir.items() if k != "tracewheel"} == {
        f"tracewheel.{f}": f for f in STAGE_FOLDERS
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project as pip installs it (not editable), into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    # setuptools copies sources into build/lib and reuses it: a stale copy would ship modules that no longer exist.
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            target,
            ROOT,
        ],
        check=True,
        capture_output=True,
    )
    return target


def _run_installed(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target)}
    # cwd outside the repository, so the top-level folders there cannot be imported by accident.
    return subprocess.run(args, cwd=target, env=env, capture_output=True, text=True, timeout=120)


def test_installed_layout_has_only_the_tracewheel_namespace(installed):
    top_level = {p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")} - {"bin"}
    assert top_level == {"tracewheel"}
    code = (
        "import importlib.util, tracewheel, tracewheel.trainer, tracewheel.collector.wal, tracewheel.curator.pipeline;"
        "print(tracewheel.__file__);"
        "print(*[importlib.util.find_spec(n) is None for n in ('trainer', 'collector', 'curator')])"
    )
    proc = _run_installed(installed, sys.executable, "-c", code)
    assert proc.returncode == 0, proc.stderr
    where, missing = proc.stdout.splitlines()
    assert Path(where).is_relative_to(installed)
    assert missing == "True True True"


def test_installed_console_command_runs(installed):
    proc = _run_installed(installed, str(installed / "bin" / "tracewheel"), "--help")
    assert proc.returncode == 0, proc.stderr
    assert "curate" in proc.stdout
