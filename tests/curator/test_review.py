"""``tracewheel datasets review`` in a real terminal (pexpect): accept, release, reject, edit through $EDITOR (with an
invalid edit first), skip, quit, and resume at the first undecided row (curator/review.py)."""

import io
import json
import os
import sys
from pathlib import Path

import pexpect
import pytest
from _episode_fixtures import ListSource, batch, engines, write_eval_suite
from tracewheel.curator import versions
from tracewheel.curator.pipeline import curate
from tracewheel.curator.review import validate_edit

from tracewheel.config import load_settings

TRACEWHEEL = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tracewheel")

# An editor that, on its first run, leaves broken JSON behind and, on later runs, fixes the text and edits the row.
EDITOR = """
import json, sys
from pathlib import Path
path, count = Path(sys.argv[1]), Path(sys.argv[2])
n = int(count.read_text()) if count.exists() else 0
count.write_text(str(n + 1))
text = path.read_text()
if n == 0:
    path.write_text(text[: len(text) // 2])
else:
    assert text.count("{") != text.count("}"), "the broken draft is reopened, not the original row"
    row = json.loads(Path(sys.argv[3]).read_text())
    row["messages"][-1]["content"] = "EDITED BY REVIEWER"
    path.write_text(json.dumps(row))
"""


@pytest.fixture
def version(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    write_eval_suite(tmp_path)
    settings = load_settings()
    (result,) = curate(settings.curator, settings.paths, ListSource(batch()), engines())
    return settings, result.version


def spawn(home: Path, version: str, editor: str = "true") -> pexpect.spawn:
    env = {
        **os.environ,
        "TRACEWHEEL_HOME": str(home),
        "EDITOR": editor,
        "TERM": "xterm-256color",
        "COLUMNS": "160",
    }
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        TRACEWHEEL,
        ["datasets", "review", version],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(60, 160),
    )


PROMPT = r"\(r\)eject \(e\)dit \(s\)kip \(q\)uit >"


def test_review_in_a_terminal_then_resume(version, tmp_path):
    settings, v = version
    d = settings.paths.datasets_dir
    q_row = versions.read_rows(d, "acme", v, "quarantine")[0]
    sft = versions.read_rows(d, "acme", v, "sft")
    dpo = versions.read_rows(d, "acme", v, "dpo")
    total = sum(versions.read_manifest(d, "acme", v)["rows"].values())

    editor_py = tmp_path / "editor.py"
    editor_py.write_text(EDITOR)
    original = tmp_path / "row.json"
    original.write_text(json.dumps(sft[1].data))
    # $EDITOR is called with the row file; the script also needs its run counter and the original row
    wrapper = tmp_path / "edit.sh"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {editor_py} "$1" {tmp_path / "count"} {original}\n')
    wrapper.chmod(0o755)

    child = spawn(settings.home, v, str(wrapper))
    child.logfile_read = screen = io.StringIO()
    child.expect(f"{total} row\\(s\\) to review")
    # 1. the quarantine row comes first, its flag and the injected excerpt highlighted
    child.expect("injection suspected in tool fetch_url")
    child.expect("\x1b\\[1;37;41mCustomer reviews for the TrailLite")  # the flagged excerpt, white on red
    child.expect(r"\(a\) release " + PROMPT)
    child.sendline("a")
    # 2. first SFT row: accept; redaction placeholders are highlighted
    child.expect(f"sft row {sft[0].row_id}")
    child.expect(PROMPT)
    child.sendline("a")
    # 3. second SFT row: edit, the editor leaves invalid JSON, a clear message, edit again
    child.expect(f"sft row {sft[1].row_id}")
    child.expect(PROMPT)
    child.sendline("e")
    child.expect("not valid JSON")
    child.expect(PROMPT)
    child.sendline("e")
    child.expect(r"recorded edited row \(edit\)")
    # the other SFT rows (the corrected run's, ending in the correction): accept
    for row in sft[2:]:
        child.expect(f"sft row {row.row_id}")
        child.expect(PROMPT)
        child.sendline("a")
    decided = 4 + len(sft[2:])
    # 4. first DPO row: reject, then quit
    child.expect(f"dpo row {dpo[0].row_id}")
    child.expect(PROMPT)
    child.sendline("r")
    child.expect(PROMPT)
    child.sendline("q")
    child.expect(f"stopped; {total - decided} row\\(s\\) left undecided")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    assert any("<PERSON_1>" in json.dumps(r.data) for r in sft), "the weather run's SFT row is redacted"
    assert "\x1b[1;35m<PERSON_1>" in screen.getvalue()  # placeholders highlighted (bold magenta)

    chosen = versions.decisions(d, "acme", v)
    assert chosen[q_row.row_id]["decision"] == "release"
    assert chosen[sft[0].row_id]["decision"] == "accept"
    assert chosen[sft[1].row_id]["decision"] == "edit"
    assert chosen[sft[1].row_id]["edited"]["messages"][-1]["content"] == "EDITED BY REVIEWER"
    assert chosen[dpo[0].row_id]["decision"] == "reject"
    assert len(chosen) == decided

    taken = versions.training_rows(d, "acme", v, "sft")
    assert sft[0].data in taken
    assert any(r["messages"][-1]["content"] == "EDITED BY REVIEWER" for r in taken)
    assert any("TrailLite" in json.dumps(r) for r in taken)  # the released quarantine candidate
    assert versions.training_rows(d, "acme", v, "dpo") == []

    # resume: starts at the first undecided row (the second DPO row), skip leaves it undecided
    child = spawn(settings.home, v)
    child.expect(f"{total - decided} row\\(s\\) to review")
    child.expect(f"dpo row {dpo[1].row_id}")
    child.expect(PROMPT)
    child.sendline("s")
    child.expect(PROMPT)
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert dpo[1].row_id not in versions.decisions(d, "acme", v)


def test_edits_are_checked_for_the_rows_shape():
    assert validate_edit("sft", '{"messages": []}') == {"messages": []}
    with pytest.raises(ValueError, match="line 1, column"):
        validate_edit("sft", '{"messages": [')
    with pytest.raises(ValueError, match="lacks chosen, rejected"):
        validate_edit("dpo", '{"prompt": []}')
    with pytest.raises(ValueError, match="JSON object"):
        validate_edit("kto", "[1, 2]")
