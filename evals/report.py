"""The HTML page of an eval run: one self-contained file (inline CSS, charts as inline SVG from matplotlib, nothing
fetched from a CDN): the decision and its reasons, the interval drawn against ``min_lift``, probe deltas against
their tolerance, the metrics, and every example with both outputs side by side and pass/fail."""

from __future__ import annotations

import html
import io
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracewheel.evals.store import EvalRun, ExampleResult

_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d232a;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
.decision{display:inline-block;padding:.3rem .8rem;border-radius:4px;font-weight:700;color:#fff}
.promote{background:#1a7f37}.reject{background:#cf222e}.underpowered{background:#9a6700}
table{border-collapse:collapse;width:100%;font-size:.85rem}td,th{border:1px solid #ddd;padding:.3rem;
vertical-align:top;text-align:left}th{background:#f6f8fa}pre{white-space:pre-wrap;margin:0;font-size:.8rem}
.pass{color:#1a7f37;font-weight:700}.fail{color:#cf222e;font-weight:700}.mono{font-family:monospace}
tr.changed{background:#fff8c5}
"""


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as an inline ``<svg>`` element: no XML prolog, no metadata (also used by
    ``tracewheel.report``)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    # The RDF metadata block only names its vocabularies' URLs; nothing in the page may point outside it.
    return _METADATA.sub("", text[text.index("<svg") :])


def interval_svg(interval: dict[str, Any] | None, naive: dict[str, Any] | None, min_lift: float) -> str:
    """The cluster interval (and the naive one, for contrast) against min_lift and zero."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 1.8))
    ax = fig.add_subplot()
    rows = [("cluster bootstrap", interval, "#0969da"), ("naive (ignores clusters)", naive, "#8c959f")]
    for y, (_label, iv, color) in enumerate(rows):
        if iv:
            ax.plot([iv["low"], iv["high"]], [y, y], color=color, linewidth=4, solid_capstyle="butt")
            ax.plot([iv["estimate"]], [y], "o", color="black")
    ax.axvline(min_lift, color="#cf222e", linestyle="--", label=f"min_lift {min_lift:g}")
    ax.axvline(0.0, color="#57606a", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("task-success delta (candidate - baseline)")
    ax.legend(loc="lower right", fontsize=8)
    return figure_svg(fig)


def checks_svg(checks: list[Any]) -> str:
    """Each regression check's delta against its tolerance (the bad direction drawn to the right)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.6 + 0.5 * max(len(checks), 1)))
    ax = fig.add_subplot()
    for y, c in enumerate(checks):
        # A probe pass rate regresses downward; perplexity and parse errors upward: plot the harm.
        harm = -c.delta if c.name == "probe pass rate" else c.delta
        ax.barh(y, harm, color="#cf222e" if c.regressed else "#1a7f37")
        ax.plot([c.tolerance, c.tolerance], [y - 0.4, y + 0.4], color="black", linestyle="--")
    ax.set_yticks(range(len(checks)), [c.name for c in checks])
    ax.axvline(0.0, color="#57606a", linewidth=0.8)
    ax.set_xlabel("regression (dashed: tolerance)")
    return figure_svg(fig)


def _esc(value: Any) -> str:
    return html.escape(
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    )


def _output(gen: Any) -> str:
    parts = [_esc(gen.text)]
    if gen.tool_calls:
        parts.append("tool calls: " + _esc([c.get("function") for c in gen.tool_calls]))
    if gen.tool_call_parse_error:
        parts.append("<b>unparseable tool call</b>")
    return "<pre>" + "\n".join(parts) + "</pre>"


def _verdict(ok: bool) -> str:
    return '<span class="pass">pass</span>' if ok else '<span class="fail">fail</span>'


def render_report(run: EvalRun, results: list[ExampleResult]) -> str:
    g = run.gate
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>tracewheel eval {_esc(run.run_id)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Eval run <span class='mono'>{_esc(run.run_id)}</span></h1>",
        f"<p>tenant <b>{_esc(run.tenant)}</b> · candidate <span class='mono'>{_esc(run.candidate)}</span> vs "
        f"baseline <span class='mono'>{_esc(run.baseline or 'base model')}</span> ({_esc(run.against)}) · "
        f"base {_esc(run.base_model)} · {_esc(run.created_at.isoformat())}</p>",
        f"<p><span class='decision {g.decision.value}'>{g.decision.value.upper()}</span></p><ul>",
        *[f"<li>{_esc(r)}</li>" for r in g.reasons],
        "</ul><h2>Task success: paired cluster-bootstrap interval</h2>",
        interval_svg(g.interval, g.naive_interval, g.min_lift),
        "<table><tr><th>examples</th><th>clusters</th><th>candidate success</th><th>baseline success</th>"
        "<th>interval</th><th>McNemar exact p</th><th>power</th><th>needed (examples / clusters)</th></tr>",
    ]
    iv, mc, pw = g.interval or {}, g.mcnemar or {}, g.power or {}
    out.append(
        f"<tr><td>{g.examples}</td><td>{g.clusters}</td><td>{_fmt(g.candidate_success)}</td>"
        f"<td>{_fmt(g.baseline_success)}</td>"
        f"<td>{'[' + _fmt(iv.get('low')) + ', ' + _fmt(iv.get('high')) + ']' if iv else '-'}</td>"
        f"<td>{_fmt(mc.get('p_value'))} (b={mc.get('candidate_only', '-')}, c={mc.get('baseline_only', '-')})</td>"
        f"<td>{_fmt(pw.get('power'))} (design effect {_fmt(pw.get('design_effect'))})</td>"
        f"<td>{pw.get('required_examples', '-')} / {pw.get('required_clusters', '-')}</td></tr></table>"
    )
    out.append("<h2>Forgetting and formatting checks</h2>")
    out.append(checks_svg(g.checks))
    out.append(
        "<table><tr><th>check</th><th>candidate</th><th>baseline</th><th>delta</th><th>tolerance</th></tr>"
    )
    for c in g.checks:
        out.append(
            f"<tr><td>{_esc(c.name)}</td><td>{_fmt(c.candidate)}</td><td>{_fmt(c.baseline)}</td>"
            f"<td>{_fmt(c.delta)}</td><td>{_fmt(c.tolerance)}</td></tr>"
        )
    out.append("</table><table><tr><th>probe category</th><th>n</th><th>candidate</th><th>baseline</th></tr>")
    for cat, v in g.probe_categories.items():
        out.append(
            f"<tr><td>{_esc(cat)}</td><td>{int(v['n'])}</td><td>{_fmt(v['candidate'])}</td>"
            f"<td>{_fmt(v['baseline'])}</td></tr>"
        )
    out.append(
        "</table><h2>Metrics (task examples)</h2><table><tr><th>metric</th><th>candidate</th>"
        "<th>baseline</th></tr>"
    )
    for key in run.metrics.get("candidate") or {}:
        out.append(
            f"<tr><td>{_esc(key)}</td><td>{_fmt(run.metrics['candidate'].get(key))}</td>"
            f"<td>{_fmt(run.metrics['baseline'].get(key))}</td></tr>"
        )
    out.append(
        "</table><h2>Examples</h2><table><tr><th>example</th><th>prompt</th><th>reference</th>"
        "<th>candidate</th><th>baseline</th></tr>"
    )
    for r in results:
        prompt = next((m.get("content") for m in reversed(r.messages) if m.get("role") == "user"), "")
        reference = r.reference_text if r.reference_text is not None else r.reference_tool_calls
        changed = " class='changed'" if r.candidate_score.success != r.baseline_score.success else ""
        out.append(
            f"<tr{changed}><td class='mono'>{_esc(r.example_id)}<br>{_esc(r.suite)}<br>cluster "
            f"{_esc(r.cluster)[:40]}</td><td><pre>{_esc(prompt or '')}</pre></td>"
            f"<td><pre>{_esc(reference) if reference is not None else '-'}</pre></td>"
            f"<td>{_verdict(r.candidate_score.success)}{_output(r.candidate)}</td>"
            f"<td>{_verdict(r.baseline_score.success)}{_output(r.baseline)}</td></tr>"
        )
    out.append(
        f"</table><h2>Evidence</h2><pre>{_esc(json.dumps({'seeds': run.seeds, 'suites': run.suites, 'suite_fingerprint': run.suite_fingerprint, 'left_out': run.left_out, 'settings': run.settings, 'perplexity': run.perplexity}, indent=2))}</pre>"
    )
    out.append("</body></html>")
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))
