"""Stage 5c: decontamination against eval suites (curator/decontaminate.py)."""

import json

from tracewheel.curator.decontaminate import (
    Decontaminator,
    decontaminate,
    eval_suite_paths,
    load_eval_prompts,
)
from tracewheel.curator.versions import DatasetRow

EVAL = (
    "Translate the following sentence into French: the quick brown fox jumps over the lazy dog by the river"
)


def row(user: str, system: str = "You are helpful.") -> DatasetRow:
    return DatasetRow(
        "sft",
        {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
                {"role": "assistant", "content": "ok"},
            ],
            "tools": [],
        },
    )


def test_suite_files_and_formats(tmp_path):
    suite = tmp_path / "evals" / "acme"
    suite.mkdir(parents=True)
    (suite / "a.jsonl").write_text(
        json.dumps({"prompt": EVAL})
        + "\n"
        + json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "sys"},
                    {"role": "user", "content": "Name three rivers."},
                ]
            }
        )
        + "\n\n{broken\n"
        + json.dumps({"answer": "no prompt"})
        + "\n"
    )
    extra = tmp_path / "more.jsonl"
    extra.write_text(
        json.dumps({"prompt": [{"role": "user", "content": "What is the capital of Peru?"}]}) + "\n"
    )
    paths = eval_suite_paths(tmp_path, "acme", [extra, tmp_path / "missing.jsonl"])
    assert paths == [suite / "a.jsonl", extra]
    loaded = load_eval_prompts(paths)
    assert loaded.prompts == [EVAL, "Name three rivers.", "What is the capital of Peru?"]
    assert loaded.bad_lines == 2


def test_ngram_overlap_is_dropped_and_system_text_is_ignored():
    decon = Decontaminator([EVAL, "Name three rivers."], n=8)
    hit = row("Please help: " + EVAL.upper() + " Thanks!")
    partial = row("the quick brown fox jumps over the lazy dog")  # 9 words in a row: an 8-gram match
    short_exact = row("name three RIVERS")
    short_inside = row("Name three rivers in Africa and their lengths.")
    system_only = row("Hello there", system=EVAL)
    clean, dropped = decontaminate([hit, partial, short_exact, short_inside, system_only], decon)
    assert clean == [short_inside, system_only]
    assert [p for _, p in dropped] == [EVAL, EVAL, "Name three rivers."]


def test_rows_of_every_kind_are_checked_on_user_turns():
    decon = Decontaminator([EVAL], n=8)
    dpo = DatasetRow("dpo", {"prompt": [{"role": "user", "content": EVAL}], "chosen": [], "rejected": []})
    rewards = DatasetRow(
        "rewards",
        {
            "prompt": [{"role": "user", "content": "Compute 2+2"}],
            "verifier": {"type": "exact", "answer": EVAL},
        },
    )
    assert decon.match(dpo) == EVAL
    assert decon.match(rewards) is None
