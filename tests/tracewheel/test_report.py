"""``tracewheel report``: the page's content from a home with five cycles of history, what it does with missing or
damaged records, and (when Debian's Chromium is installed) that a real browser renders every chart offline."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from _report_home import EXAMPLES, PLANS, TENANT, add_running_canary, build_home, chromium_path
from tracewheel.evals.store import load_run
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import load_settings

SECTIONS = [
    "Held-out success per cycle",
    "Eval deltas per cycle",
    "Cycles",
    "Dataset sizes by format",
    "Redactions and quarantines",
    "Canary outcomes",
    "Canary and promotion decisions",
]
CHARTS = 5  # success, deltas, dataset sizes, redactions, canaries


def _settings(home: Path):
    return load_settings({**os.environ, "TRACEWHEEL_HOME": str(home)})


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    home = tmp_path_factory.mktemp("report") / "home"
    cycles = build_home(_settings(home))
    return home, cycles


@pytest.fixture(scope="module")
def written(history):
    """The report of the history, written the default way (once: the browser test opens the same file)."""
    return _report(history[0])


def _report(home: Path, *args: str) -> dict:
    result = CliRunner().invoke(
        app, ["report", "--tenant", TENANT, "--json", *args], env={"TRACEWHEEL_HOME": str(home)}
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _without_namespaces(page: str) -> str:
    # SVG's xmlns declarations name their vocabularies by URL; they are identifiers, never fetched.
    return re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", page)


def test_report_shows_every_cycle_version_and_canary(history, written):
    home, cycles = history
    path, latest = Path(written["path"]), Path(written["latest"])
    assert path.parent == home / "reports" / TENANT and re.fullmatch(r"report-\d{8}T\d{12}Z\.html", path.name)
    assert latest.name == "report.html" and latest.read_text() == path.read_text()
    assert written | {"path": None, "latest": None} == {
        "path": None,
        "latest": None,
        "tenant": TENANT,
        "cycles": 5,
        "evaluated": 4,
        "versions": 6,  # four curated, two with rejection-sampled rows
        "canaries": 3,
        "champion": cycles[3].candidate,
        "lift_points": 90.0,  # cycle 4's 95% against the base model's 5%
    }
    page = path.read_text()
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    assert page.count("<figure><svg") == CHARTS
    assert "none yet" not in page
    for c in cycles:
        assert c.cycle_id in page and c.trigger in page
        if c.candidate:
            assert c.candidate in page
    # Each arm's held-out success as the eval run measured it, with its interval.
    for plan in PLANS:
        if plan.candidate_rate is not None:
            assert f"{round(plan.candidate_rate * EXAMPLES) / EXAMPLES:.1%}" in page
    assert "5.0% <span class='note'>[0%, " in page and "(base)" in page
    assert "<span class='rollback'>rollback</span>" in page  # cycle 2's canary lost on live traffic
    assert "rejection sampling kept 24 of 128" in page
    # Versions: rows by format and what their curation run redacted and quarantined.
    assert "<td class='n'>96</td><td class='n'>6</td><td class='n'>18</td><td class='n'>110</td>" in page
    assert "<td class='n'>34</td><td class='n'>17</td><td class='n'>2</td>" in page  # 11+17+6 PII values
    # Self-contained: no script, no stylesheet link, nothing addressed outside the file.
    bare = _without_namespaces(page)
    assert not re.search(r"https?:", bare)
    assert not re.search(r"<script|<link|<iframe|<img|@import|url\((?!#)", bare, re.I)
    assert not re.search(r"(src|href)\s*=\s*(?![\"']?#)", bare, re.I)  # only in-page references (#glyph ids)


def test_intervals_are_the_eval_runs(history):
    from tracewheel.report.gather import gather

    home, cycles = history
    data = gather(_settings(home), TENANT)
    for row, cycle in zip(data.cycles, cycles, strict=True):
        if cycle.eval_run is None:
            assert row.eval is None and row.outcome == "no_data"
            continue
        run = load_run(home / "evals", cycle.eval_run, TENANT)
        assert row.eval.delta.value == pytest.approx(run.gate.interval["estimate"])
        assert (row.eval.delta.low, row.eval.delta.high) == (
            run.gate.interval["low"],
            run.gate.interval["high"],
        )
        assert row.eval.candidate.value == pytest.approx(run.gate.candidate_success)
        assert row.eval.candidate.low <= row.eval.candidate.value <= row.eval.candidate.high
        assert row.eval.baseline == cycle.champion_before
    assert [c.decision for c in data.canaries] == ["promote", "rollback", "promote"]
    assert [c.cycle for c in data.canaries] == [1, 2, 4]


def test_output_file_and_missing_or_damaged_records(history, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(history[0], home)
    cycles = history[1]
    shutil.rmtree(home / "evals" / TENANT / cycles[0].eval_run)  # as `tracewheel forget` removes a run
    damaged = home / "cycles" / TENANT / "cyc-20261130030000-abcdef.json"
    damaged.write_text('{"cycle_id": "cyc-20261130030000-abcdef"')
    out = tmp_path / "out" / "r.html"
    written = _report(home, "-o", str(out))
    assert written["path"] == str(out) and written["latest"] is None and written["cycles"] == 5
    page = out.read_text()
    assert f"eval run {cycles[0].eval_run} no longer exists (numbers from the cycle record)" in page
    assert "60.0%" in page  # cycle 1's candidate, from the record the cycle kept
    assert "Records that could not be read" in page and damaged.name in page
    assert page.count("<figure><svg") == CHARTS


def test_a_running_canary_and_a_cycle_that_waited_on_it(history, tmp_path):
    from tracewheel.report.gather import gather

    home = tmp_path / "home"
    shutil.copytree(history[0], home)
    running, waiting = add_running_canary(_settings(home), history[1])
    data = gather(_settings(home), TENANT)
    assert [c.cycle_id for c in data.cycles[-2:]] == [running.cycle_id, waiting.cycle_id]
    assert data.cycles[-2].canary_decision == "running" and data.cycles[-2].outcome == "canary"
    # The waiting cycle did not start that canary: its row says so, and the canary belongs to the cycle before.
    assert data.cycles[-1].canary_decision is None
    assert data.cycles[-1].note == f"waited on canary {running.canary['canary_id']} of an earlier cycle"
    assert data.canaries[-1].decision == "running" and data.canaries[-1].cycle == 6
    page = Path(_report(home)["path"]).read_text()
    assert f"<span class='mono'>{running.candidate}</span> is <span class='running'>running</span>" in page
    assert "waited on canary" in page


def test_empty_home_says_none_yet(tmp_path):
    written = _report(tmp_path / "home")
    assert written["cycles"] == written["versions"] == written["canaries"] == 0
    assert written["lift_points"] is None
    page = Path(written["path"]).read_text()
    assert "<svg" not in page
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    assert page.count("none yet") == 7  # five charts, the cycle table, the decisions


def test_report_renders_in_headless_chromium(written):
    """Debian's Chromium opens the report with the network cut: no request leaves the file, no console error, and
    every chart is drawn at a visible size."""
    binary = chromium_path()
    if binary is None:
        pytest.skip("no chromium binary (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    page_file = Path(written["path"])

    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        # As root (CI) Chromium runs only without its sandbox; a container's small /dev/shm would crash it.
        browser = p.chromium.launch(
            executable_path=binary, chromium_sandbox=False, args=["--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            # Anything but the file itself is recorded and refused.
            context.route(
                re.compile(r"^(?!file:).*"), lambda route: (requests.append(route.request.url), route.abort())
            )
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri(), wait_until="load")
            titles = page.locator("h2").all_inner_texts()
            charts = page.locator("figure > svg")
            boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
            drawn = [charts.nth(i).locator("path").count() for i in range(charts.count())]
            png = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert requests == [] and errors == []
    assert titles == SECTIONS
    assert len(boxes) == CHARTS
    for box, paths in zip(boxes, drawn, strict=True):
        assert box is not None and box["width"] > 600 and box["height"] > 150, box
        assert paths > 10
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
