"""The Dockerfiles agree with the repository: what they COPY exists and is what the package is built from, the
entrypoint is the project's script, the settings and commands they name are tracewheel's, and the Python they run at
build time imports names that exist. (No Docker engine here: the images are not built by the tests.)"""

from __future__ import annotations

import ast
import importlib
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from _deploy_files import DOCKERFILES, REPO, dockerfile, dockerfile_env, exec_form, settings_from

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _copies(path: Path) -> list[str]:
    """Sources of the COPY instructions that read the build context (not ``--from=`` another stage)."""
    sources: list[str] = []
    for word, rest in dockerfile(path):
        if word == "COPY" and "--from=" not in rest:
            *srcs, _dest = shlex.split(rest)
            sources += [s for s in srcs if not s.startswith("--")]
    return sources


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_every_copied_path_exists_and_the_package_sources_are_all_copied(path: Path) -> None:
    copied = {s.rstrip("/") for s in _copies(path)}
    for source in copied:
        assert (REPO / source).exists(), f"{path.name} copies {source}, which is not in the repository"
    # What `pip install .` reads: the package folders of [tool.setuptools.package-dir], the readme, the pins.
    needed = set(PYPROJECT["tool"]["setuptools"]["package-dir"].values())
    needed |= {"pyproject.toml", PYPROJECT["project"]["readme"], "constraints.txt"}
    assert needed <= copied, f"{path.name} does not copy {sorted(needed - copied)}"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_the_dockerignore_keeps_what_is_copied(path: Path) -> None:
    # BuildKit reads <Dockerfile>.dockerignore next to the Dockerfile; a copied path it excluded breaks the build.
    lines = [ln.strip() for ln in Path(f"{path}.dockerignore").read_text().splitlines()]
    kept = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert "*" in lines
    assert {s.rstrip("/") for s in _copies(path)} <= kept


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_entrypoint_is_the_tracewheel_script_and_the_user_is_not_root(path: Path) -> None:
    instructions = dockerfile(path)
    entrypoint = [exec_form(rest) for word, rest in instructions if word == "ENTRYPOINT"]
    assert entrypoint == [["tracewheel"]]
    assert "tracewheel" in PYPROJECT["project"]["scripts"]
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_state_lives_on_the_volume_and_every_setting_is_real(path: Path, tmp_path: Path) -> None:
    env = dockerfile_env(path)
    volumes = [exec_form(rest) for word, rest in dockerfile(path) if word == "VOLUME"]
    assert volumes == [[env["TRACEWHEEL_HOME"]]]
    # load_settings refuses an unknown TRACEWHEEL_<SECTION>__<FIELD>; the home is replaced by a writable one.
    settings = settings_from({k: v for k, v in env.items() if k != "TRACEWHEEL_HOME"}, tmp_path)
    assert str(settings.trainer.cache_dir) == env["TRACEWHEEL_TRAINER__CACHE_DIR"]
    exposed = {int(p) for word, rest in dockerfile(path) if word == "EXPOSE" for p in rest.split()}
    assert exposed == {settings.collector.http_port, settings.collector.grpc_port, settings.serving.port}


def test_the_cpu_image_pins_the_projects_torch_from_the_cpu_index() -> None:
    (torch_pin,) = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch")]
    runs = [rest for word, rest in dockerfile(DOCKERFILES[0]) if word == "RUN"]
    (torch_run,) = [r for r in runs if "torch==" in r]
    assert torch_pin in torch_run.split()
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch_run
    # torch goes in before the package, or pip would resolve the default (CUDA) wheel for it.
    assert runs.index(torch_run) < next(i for i, r in enumerate(runs) if "-c constraints.txt ." in r)


def test_the_gpu_image_points_serving_at_its_own_vllm(tmp_path: Path) -> None:
    env = dockerfile_env(DOCKERFILES[1])
    settings = settings_from({k: v for k, v in env.items() if k != "TRACEWHEEL_HOME"}, tmp_path)
    assert settings.serving.backend == "vllm"
    venv = Path(settings.serving.vllm_command).parents[1]
    runs = [rest for word, rest in dockerfile(DOCKERFILES[1]) if word == "RUN"]
    assert any(f"python -m venv {venv}" in r and f"{venv}/bin/pip install vllm==" in r for r in runs)
    copied = [
        rest.split()[-1] for word, rest in dockerfile(DOCKERFILES[1]) if word == "COPY" and "--from=" in rest
    ]
    assert str(venv) in copied


def _python_snippets(path: Path) -> list[str]:
    return [
        m.group(1)
        for word, rest in dockerfile(path)
        if word == "RUN"
        for m in re.finditer(r'python -c "([^"]+)"', rest)
    ]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_python_run_at_build_time_uses_names_that_exist(path: Path) -> None:
    snippets = _python_snippets(path)
    assert snippets, f"{path.name} bakes the embedded model with python -c"
    for snippet in snippets:
        tree = ast.parse(snippet)  # valid Python
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module}.{alias.name} (in {path.name})"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_the_baked_cache_is_the_one_tracewheel_reads(path: Path) -> None:
    (snippet,) = _python_snippets(path)
    baked = re.search(r"cache_dir=Path\('([^']+)'\)", snippet)
    assert baked is not None
    assert dockerfile_env(path)["TRACEWHEEL_TRAINER__CACHE_DIR"] == baked.group(1)
    final_copies = [
        rest.split()[-1] for word, rest in dockerfile(path) if word == "COPY" and "--from=" in rest
    ]
    assert baked.group(1) in final_copies
