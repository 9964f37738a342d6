"""The committed benchmark sets are the source of truth; each ``make_<name>.py`` beside one must still write it
again byte for byte, or its docstring's claim to be the set's provenance is false."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
# make_injection_corpus writes the curator's training corpus, not a benchmark set.
MAKERS = sorted(
    p.stem for p in DATA.glob("make_*.py") if (DATA / f"{p.stem.removeprefix('make_')}.jsonl").is_file()
)


def test_every_benchmark_set_has_its_maker() -> None:
    sets = {p.stem for p in DATA.glob("*.jsonl")}
    assert sets == {m.removeprefix("make_") for m in MAKERS}


@pytest.mark.parametrize("maker", MAKERS)
def test_maker_reproduces_the_committed_set(
    maker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # benchmarks/ is run from the repository root, not installed.
    monkeypatch.syspath_prepend(str(ROOT))
    import benchmarks.data._heldout_writer as writer

    monkeypatch.setattr(writer, "DATA_DIR", tmp_path)
    runpy.run_module(f"benchmarks.data.{maker}", run_name="__main__")
    name = maker.removeprefix("make_") + ".jsonl"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes()
