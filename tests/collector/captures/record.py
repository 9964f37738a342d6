"""Record framework captures: ``python tests/collector/captures/record.py <scenario module> [instrumentation ...]``.

For each instrumentation the scenario module lists (or the ones named), builds a throwaway venv under
``/tmp/tracewheel-captures/<module>-<instrumentation>`` with the module's PINNED packages plus the OTel SDK,
runs every scenario there (with the repository root on the path for ``tracewheel.instrument``, which needs only
the OTel API) against the fake LLM (tests/_fake_llm.py) and writes
``tests/collector/captures/<framework>-<instrumentation>-<version>-<scenario>.json``. Needs only PyPI.

Example::

    python tests/collector/captures/record.py pydantic_ai_scenario builtin-v2
    python tests/collector/captures/record.py --list

Runs with any Python 3.11+ (it imports neither tracewheel nor the frameworks, only the scenario modules' constants). After recording, regenerate the
compatibility table: ``.venv/bin/python tests/collector/captures/compat_table.py --write``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent.parent
SCENARIOS = ("weather", "pii", "injection", "parallel")
# Always installed next to the framework: the SDK the harness records with and the OTLP encoders.
HARNESS_PACKAGES = ["opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-common"]
VENV_ROOT = Path(os.environ.get("TRACEWHEEL_CAPTURE_VENVS", "/tmp/tracewheel-captures"))


def _constants(module: str) -> dict[str, object]:
    """The scenario module's constants (it imports its framework only inside functions, so it loads anywhere)."""
    spec = importlib.util.spec_from_file_location(module, HERE / "scenarios" / f"{module}.py")
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return {k: v for k, v in vars(loaded).items() if k.isupper()}


def _venv(module: str, packages: list[str]) -> Path:
    # Keyed by the package set: instrumentations that need nothing extra share one venv.
    digest = hashlib.sha256("\n".join(sorted(packages)).encode()).hexdigest()[:10]
    venv = VENV_ROOT / f"{module}-{digest}"
    python = venv / "bin" / "python"
    wanted = "\n".join(sorted(packages))
    stamp = venv / "tracewheel-packages.txt"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    stamp.write_text(wanted)
    return python


def record(module: str, instrumentations: list[str], scenarios: list[str]) -> list[str]:
    consts = _constants(module)
    available = consts["INSTRUMENTATIONS"]
    assert isinstance(available, dict)
    written = []
    for instrumentation in instrumentations or list(available):
        if instrumentation not in available:
            raise SystemExit(f"{module} has no instrumentation {instrumentation!r}: {sorted(available)}")
        packages = list(consts["PACKAGES"]) + list(available[instrumentation]) + HARNESS_PACKAGES  # type: ignore[arg-type]
        python = _venv(module, packages)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(TESTS.parent), str(TESTS), str(TESTS / "collector"), str(HERE / "scenarios")]
            ),
            "OTEL_SDK_DISABLED": "false",
            "OPENAI_API_KEY": "sk-fake",
        }
        for scenario in scenarios:
            out = subprocess.run(
                [str(python), "-W", "ignore", str(TESTS / "collector" / "_framework_capture.py"), "run"]
                + [module, instrumentation, scenario, "--out", str(HERE)],
                env=env,
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                sys.stderr.write(out.stdout + out.stderr)
                raise SystemExit(f"{module} {instrumentation} {scenario}: the scenario failed (above)")
            written.append(out.stdout.strip().splitlines()[-1])
            print(written[-1])
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", help="scenario module, e.g. pydantic_ai_scenario")
    parser.add_argument("instrumentations", nargs="*", help="default: all the module lists")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, help="default: all")
    parser.add_argument("--list", action="store_true", help="list scenario modules and instrumentations")
    args = parser.parse_args()
    if args.list or not args.module:
        for path in sorted((HERE / "scenarios").glob("*_scenario.py")):
            print(path.stem, sorted(_constants(path.stem).get("INSTRUMENTATIONS", {})))  # type: ignore[arg-type]
        return
    record(args.module, args.instrumentations, args.scenario or list(SCENARIOS))


if __name__ == "__main__":
    main()
