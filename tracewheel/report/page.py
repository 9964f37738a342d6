"""The report page: one self-contained HTML file (inline CSS, charts as inline SVG, no script, nothing fetched), and
where it is written: ``reports_dir/<tenant>/report-<UTC timestamp>.html`` plus ``report.html``, the latest."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tracewheel.config import Settings
from tracewheel.core import ids
from tracewheel.report import charts
from tracewheel.report.gather import FORMATS, CycleRow, ReportData, gather

LATEST = "report.html"
NONE_YET = "none yet"
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;color:#1d232a;max-width:1280px;
padding:0 1rem}h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2.2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}.sub{color:#57606a;margin-top:0}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.card{border:1px solid #d0d7de;border-radius:6px;
padding:.5rem .9rem;min-width:9rem}.card b{display:block;font-size:1.3rem}.card span{color:#57606a;font-size:.8rem}
table{border-collapse:collapse;width:100%;font-size:.82rem;margin-top:.6rem}td,th{border:1px solid #ddd;
padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right}
.mono{font-family:ui-monospace,monospace;font-size:.78rem}.none{color:#57606a;font-style:italic}
.note{color:#57606a;font-size:.82rem}figure{margin:.5rem 0}figure svg{width:100%;height:auto}.id{white-space:nowrap}.wide{overflow-x:auto}
.promoted,.promote{color:#1a7f37;font-weight:600}.rejected,.reject,.rolled_back,.rollback,.failed{color:#cf222e;
font-weight:600}.underpowered{color:#9a6700;font-weight:600}.stopped,.stop{color:#57606a;font-weight:600}.canary,.running{color:#0969da;font-weight:600}
"""


class ReportFile(BaseModel):
    path: str
    latest: str | None
    tenant: str
    cycles: int
    evaluated: int
    versions: int
    canaries: int
    champion: str | None
    lift_points: float | None


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _interval(rate: Any) -> str:
    if rate is None:
        return "-"
    if rate.low is None or rate.high is None:
        return _pct(rate.value)
    return f"{_pct(rate.value)} <span class='note'>[{rate.low:.0%}, {rate.high:.0%}]</span>"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _tag(value: str | None) -> str:
    if not value:
        return "-"
    return f"<span class='{_e(value)}'>{_e(value.replace('_', ' '))}</span>"


def lift_points(data: ReportData) -> float | None:
    """Held-out success of the newest promoted candidate minus the base model's, in points (None: not measured)."""
    base = next(
        (
            c.eval.baseline_rate.value
            for c in data.cycles
            if c.eval and c.eval.baseline is None and c.eval.baseline_rate
        ),
        None,
    )
    best = next(
        (
            c.eval.candidate.value
            for c in reversed(data.cycles)
            if c.outcome == "promoted" and c.eval and c.eval.candidate
        ),
        None,
    )
    return None if base is None or best is None else round(100 * (best - base), 1)


def _section(title: str, svg: str | None, empty: str, note: str = "") -> list[str]:
    out = [f"<h2>{_e(title)}</h2>"]
    if note:
        out.append(f"<p class='note'>{note}</p>")
    out.append(f"<figure>{svg}</figure>" if svg else f"<p class='none'>{_e(NONE_YET)}: {_e(empty)}</p>")
    return out


def _cycle_table(cycles: list[CycleRow]) -> list[str]:
    if not cycles:
        return [
            f"<p class='none'>{NONE_YET}: no cycle has run (<span class='mono'>tracewheel run</span>)</p>"
        ]
    out = [
        "<div class='wide'><table><tr><th>#</th><th>cycle</th><th>trigger</th><th>method</th><th>init from</th>"
        "<th>candidate</th><th>candidate success</th><th>baseline success</th><th>gate</th>"
        "<th>canary</th><th>outcome</th><th>duration</th></tr>"
    ]
    for c in cycles:
        ev = c.eval
        notes = [c.started_at.strftime("%Y-%m-%d %H:%M UTC")]
        if c.dataset_version:
            notes.append(f"dataset {c.dataset_version}")
        if c.sampling:
            notes.append(
                f"rejection sampling kept {c.sampling.get('kept', '-')} of {c.sampling.get('samples', '-')}"
            )
        notes += [n for n in (c.note, c.error) if n]
        note = "".join(f"<br><span class='note'>{_e(n)}</span>" for n in notes)
        init = (
            f"<span title='{_e(c.init_adapter)}'>{_e(c.init_from)}</span>"
            if c.init_adapter
            else _e(c.init_from)
        )
        base = " (base)" if ev and ev.baseline is None and ev.baseline_rate else ""
        out.append(
            f"<tr><td class='n'>{c.number}</td><td><span class='mono id'>{_e(c.cycle_id)}</span>{note}</td>"
            f"<td>{_e(c.trigger)}</td><td>{_e(c.method or '-')}</td><td>{init}</td>"
            f"<td class='mono'>{_e(c.candidate or '-')}</td>"
            f"<td>{_interval(ev.candidate if ev else None)}</td>"
            f"<td>{_interval(ev.baseline_rate if ev else None)}{base}</td>"
            f"<td>{_tag(c.gate_decision)}</td><td>{_tag(c.canary_decision)}</td><td>{_tag(c.outcome)}</td>"
            f"<td class='id'>{_duration(c.seconds)}</td></tr>"
        )
    out.append("</table></div>")
    return out


def _version_table(data: ReportData) -> list[str]:
    if not data.versions:
        return []
    head = "".join(f"<th>{k}</th>" for k in FORMATS)
    out = [
        f"<table><tr><th>version</th><th>created</th><th>written by</th><th>parent</th>{head}"
        "<th>PII values redacted</th><th>runs redacted</th><th>runs quarantined</th><th>quarantine rows</th></tr>"
    ]
    for v in data.versions:
        cells = "".join(f"<td class='n'>{v.rows.get(k, 0)}</td>" for k in FORMATS)
        out.append(
            f"<tr><td class='mono'>{_e(v.version)}</td><td>{_e(v.created_at[:16].replace('T', ' '))}</td>"
            f"<td>{_e(v.source)}</td><td class='mono'>{_e(v.parent or '-')}</td>{cells}"
            f"<td class='n'>{_e(v.redacted_values if v.redacted_values is not None else '-')}</td>"
            f"<td class='n'>{_e(v.redacted_episodes if v.redacted_episodes is not None else '-')}</td>"
            f"<td class='n'>{_e(v.quarantined if v.quarantined is not None else '-')}</td>"
            f"<td class='n'>{v.quarantine_rows}</td></tr>"
        )
    out.append("</table>")
    return out


def _decision_table(data: ReportData) -> list[str]:
    if not data.decisions:
        return [f"<p class='none'>{NONE_YET}: no canary, promotion or rollback recorded</p>"]
    out = [
        "<table><tr><th>when</th><th>event</th><th>by</th><th>canary</th><th>candidate</th><th>champion</th>"
        "<th>reason</th><th>evidence</th></tr>"
    ]
    for d in data.decisions:
        ev = d.get("evidence") or {}
        evidence = "-"
        if ev:
            evidence = (
                f"{_e(ev.get('n_pairs'))} pairs, lift {_e(_signed(ev.get('lift')))} "
                f"[{_e(_signed(ev.get('lower')))}, {_e(_signed(ev.get('upper')))}], {_e(ev.get('rule', ''))}"
            )
        out.append(
            f"<tr><td>{_e(str(d.get('at', ''))[:19].replace('T', ' '))}</td><td>{_tag(d.get('event'))}</td>"
            f"<td>{_e(d.get('by'))}</td><td class='mono'>{_e(d.get('canary_id') or '-')}</td>"
            f"<td class='mono'>{_e(d.get('candidate') or d.get('adapter') or '-')}</td>"
            f"<td class='mono'>{_e(d.get('champion') or ('base' if d.get('canary_id') else '-'))}</td>"
            f"<td>{_e(d.get('reason'))}</td><td>{evidence}</td></tr>"
        )
    out.append("</table>")
    return out


def _signed(value: Any) -> str:
    return "-" if value is None else f"{float(value):+.3f}"


def _cards(data: ReportData, lift: float | None) -> list[str]:
    evaluated = [c for c in data.cycles if c.eval and c.eval.candidate]
    latest = evaluated[-1].eval.candidate.value if evaluated and evaluated[-1].eval else None  # type: ignore[union-attr]
    promoted = sum(1 for c in data.cycles if c.outcome == "promoted")
    cards = [
        ("cycles", str(len(data.cycles))),
        ("promoted", str(promoted)),
        ("champion", data.champion or "base model"),
        ("latest candidate success", _pct(latest)),
        ("lift over the base model", "-" if lift is None else f"{lift:+.1f} points"),
        ("dataset versions", str(len(data.versions))),
    ]
    return [
        "<div class='cards'>",
        *[f"<div class='card'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in cards],
        "</div>",
    ]


def _no_canary_decided(data: ReportData) -> str:
    if any(c.decision == "running" for c in data.canaries):
        return "no canary has decided (one is running, below)"
    if data.canaries:
        return "no canary has decided on evidence (each ended by hand, without the test's evidence)"
    return "no canary has run"


def render(data: ReportData) -> str:
    lift = lift_points(data)
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>tracewheel report: {_e(data.tenant)}</title><style>{_CSS}</style></head><body>",
        f"<h1>tracewheel report: tenant {_e(data.tenant)}</h1>",
        f"<p class='sub'>generated {_e(data.generated_at.strftime('%Y-%m-%d %H:%M UTC'))} · base model "
        f"<span class='mono'>{_e(data.base_model)}</span></p>",
        *_cards(data, lift),
    ]
    out += _section(
        "Held-out success per cycle",
        charts.success_chart(data.cycles),
        "no cycle has been evaluated",
        "Task success on the tenant's held-out split, measured by the evals stage for each cycle's candidate and "
        "its baseline (the base model, or the champion before the cycle). Bars: 95% cluster-bootstrap intervals.",
    )
    out += _section(
        "Eval deltas per cycle",
        charts.delta_chart(data.cycles),
        "no gate interval recorded",
        "The gate's paired cluster-bootstrap interval on candidate minus baseline; it promotes only when the "
        "lower end clears min_lift.",
    )
    out.append("<h2>Cycles</h2>")
    out += _cycle_table(data.cycles)
    out += _section(
        "Dataset sizes by format",
        charts.dataset_chart(data.versions),
        "no dataset version (tracewheel curate)",
        "Rows of each training format in every dataset version (new and carried from its parent).",
    )
    out += _section(
        "Redactions and quarantines",
        charts.safety_chart(data.versions),
        "no dataset version",
        "What the curation run that wrote each version redacted (PII values, runs) and quarantined "
        "(runs with an injection in a tool result, kept out of training until a reviewer releases them).",
    )
    out += _version_table(data)
    out += _section(
        "Canary outcomes",
        charts.canary_chart(data.canaries),
        _no_canary_decided(data),
        "The always-valid confidence sequence on the live lift when each canary decided: promote when it is "
        "above 0, roll back when below 0, and at the cap promote only above -margin.",
    )
    running = [c for c in data.canaries if c.decision == "running"]
    for c in running:
        arms = ", ".join(f"{k}: {v}" for k, v in sorted(c.outcomes.items())) or "no outcomes yet"
        out.append(
            f"<p>canary <span class='mono'>{_e(c.canary_id)}</span> of <span class='mono'>{_e(c.candidate)}</span>"
            f" is <span class='running'>running</span> ({_e(arms)})</p>"
        )
    out.append("<h2>Canary and promotion decisions</h2>")
    out += _decision_table(data)
    if data.problems:
        out.append("<h2>Records that could not be read</h2><ul>")
        out += [f"<li>{_e(p)}</li>" for p in data.problems]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(settings: Settings, tenant: str, out: Path | None = None) -> ReportFile:
    """Gather, render and write the tenant's report: to ``out`` if given, else a timestamped file in
    ``reports_dir/<tenant>/`` and ``report.html`` beside it (the latest)."""
    data = gather(settings, tenant)
    text = render(data)
    latest: Path | None = None
    if out is None:
        directory = settings.paths.reports_dir / ids.tenant_name(tenant)
        stamp = data.generated_at.strftime("%Y%m%dT%H%M%S%fZ")
        out = directory / f"report-{stamp}.html"
        latest = directory / LATEST
    _write_atomic(out, text)
    if latest is not None:
        _write_atomic(latest, text)
    return ReportFile(
        path=str(out),
        latest=str(latest) if latest else None,
        tenant=tenant,
        cycles=len(data.cycles),
        evaluated=sum(1 for c in data.cycles if c.eval),
        versions=len(data.versions),
        canaries=len(data.canaries),
        champion=data.champion,
        lift_points=lift_points(data),
    )
