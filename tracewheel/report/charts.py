"""The report's charts: matplotlib figures rendered to inline SVG (``evals.report.figure_svg``), one per function.

Each function takes the gathered rows and returns an ``<svg>`` string, or ``None`` when there is nothing to draw
yet (the page then says so). Figures are built with ``matplotlib.figure.Figure``, never ``pyplot``: no global
figure registry, no GUI backend, safe in a server thread.
"""

from __future__ import annotations

from typing import Any

from tracewheel.evals.report import figure_svg
from tracewheel.report.gather import FORMATS, CanaryRow, CycleRow, VersionRow

GREEN, RED, AMBER, BLUE, GREY = "#1a7f37", "#cf222e", "#9a6700", "#0969da", "#8c959f"
OUTCOME_COLORS = {
    "promoted": GREEN,
    "canary": BLUE,
    "rolled_back": RED,
    "rejected": RED,
    "failed": RED,
    "running": BLUE,
}
DECISION_COLORS = {"promote": GREEN, "reject": RED, "underpowered": AMBER, "rollback": RED, "stop": GREY}
FORMAT_COLORS = {"sft": BLUE, "dpo": "#8250df", "kto": "#bf3989", "rewards": "#1b7c83"}


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#eaeef2", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


def _slots(n: int, least: int) -> int:
    """Room for at least ``least`` points or bars, so that one or two do not stretch across the whole chart."""
    return max(n, least)


def _cycle_labels(cycles: list[CycleRow]) -> list[str]:
    return [f"#{c.number}\n{c.outcome.replace('_', ' ')}" for c in cycles]


def _short(version: str) -> str:
    return version.removeprefix("ds-")[:8]


def _yerr(rate: Any) -> list[list[float]] | None:
    if rate.low is None or rate.high is None:
        return None
    return [[max(rate.value - rate.low, 0.0)], [max(rate.high - rate.value, 0.0)]]


def success_chart(cycles: list[CycleRow]) -> str | None:
    """Held-out success of each cycle's baseline (the base model or the champion) and candidate, with intervals."""
    evaluated = [c for c in cycles if c.eval and (c.eval.candidate or c.eval.baseline_rate)]
    if not evaluated:
        return None
    fig, ax = _figure(11, 3.6)
    base_drawn = cand_drawn = champ_drawn = False
    for x, c in enumerate(evaluated):
        ev = c.eval
        assert ev is not None
        if ev.baseline_rate is not None:
            is_base = ev.baseline is None
            label = None
            if is_base and not base_drawn:
                label, base_drawn = "base model", True
            elif not is_base and not champ_drawn:
                label, champ_drawn = "champion before the cycle", True
            ax.errorbar(
                x - 0.12,
                ev.baseline_rate.value,
                yerr=_yerr(ev.baseline_rate),
                fmt="s" if is_base else "D",
                color=GREY if is_base else "#57606a",
                capsize=4,
                label=label,
            )
        if ev.candidate is not None:
            ax.errorbar(
                x + 0.12,
                ev.candidate.value,
                yerr=_yerr(ev.candidate),
                fmt="o",
                color=OUTCOME_COLORS.get(c.outcome, GREY),
                capsize=4,
                label=None if cand_drawn else "candidate (colour: outcome)",
            )
            cand_drawn = True
            ax.annotate(
                f"{ev.candidate.value:.0%}",
                (x + 0.12, ev.candidate.value),
                textcoords="offset points",
                xytext=(8, -3),
                fontsize=8,
            )
    ax.set_xticks(range(len(evaluated)), _cycle_labels(evaluated), fontsize=8)
    ax.set_xlim(-0.6, _slots(len(evaluated), 4) - 0.4)
    ax.set_ylim(-0.03, 1.08)
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_ylabel("held-out task success")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncols=3)
    return figure_svg(fig)


def delta_chart(cycles: list[CycleRow]) -> str | None:
    """The gate's paired interval on the success delta per cycle, against ``min_lift``."""
    evaluated = [c for c in cycles if c.eval and c.eval.delta]
    if not evaluated:
        return None
    fig, ax = _figure(11, 3.0)
    for x, c in enumerate(evaluated):
        ev = c.eval
        assert ev is not None and ev.delta is not None
        color = DECISION_COLORS.get(ev.decision or "", GREY)
        ax.errorbar(x, ev.delta.value, yerr=_yerr(ev.delta), fmt="o", color=color, capsize=5, linewidth=2)
        ax.annotate(
            f"{ev.delta.value:+.0%}",
            (x, ev.delta.value),
            textcoords="offset points",
            xytext=(8, -3),
            fontsize=8,
        )
    lifts = {c.eval.min_lift for c in evaluated if c.eval and c.eval.min_lift is not None}
    for lift in sorted(lifts):
        ax.axhline(lift, color=RED, linestyle="--", linewidth=1, label=f"min_lift {lift:g}")
    ax.axhline(0.0, color="#57606a", linewidth=0.8)
    labels = [f"#{c.number}\n{c.eval.decision if c.eval else ''}" for c in evaluated]
    ax.set_xticks(range(len(evaluated)), labels, fontsize=8)
    ax.set_xlim(-0.6, _slots(len(evaluated), 4) - 0.4)
    ax.yaxis.set_major_formatter("{x:+.0%}")
    ax.set_ylabel("success delta (candidate - baseline)")
    if lifts:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False)
    return figure_svg(fig)


def dataset_chart(versions: list[VersionRow]) -> str | None:
    """Rows per format in each dataset version (stacked)."""
    if not versions:
        return None
    fig, ax = _figure(11, 3.0)
    xs = range(len(versions))
    bottom = [0] * len(versions)
    for kind in FORMATS:
        heights = [v.rows.get(kind, 0) for v in versions]
        ax.bar(xs, heights, bottom=bottom, color=FORMAT_COLORS[kind], label=kind, width=0.6)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for x, total in enumerate(bottom):
        ax.annotate(
            str(total), (x, total), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8
        )
    labels = [
        f"{_short(v.version)}\n{'sampled' if v.source == 'rejection sampling' else v.source}"
        for v in versions
    ]
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_xlim(-0.6, _slots(len(versions), 6) - 0.4)
    ax.set_ylim(0, max(max(bottom), 1) * 1.15)
    ax.set_ylabel("rows")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncols=4)
    return figure_svg(fig)


def safety_chart(versions: list[VersionRow]) -> str | None:
    """What each curation run redacted and quarantined (grouped bars per version)."""
    if not versions:
        return None
    fig, ax = _figure(11, 3.0)
    series = [
        ("PII values redacted", [v.redacted_values or 0 for v in versions], "#8250df"),
        ("runs with PII redacted", [v.redacted_episodes or 0 for v in versions], "#c297ff"),
        ("runs quarantined (injection)", [v.quarantined or 0 for v in versions], RED),
    ]
    width = 0.26
    for i, (label, values, color) in enumerate(series):
        xs = [x + (i - 1) * width for x in range(len(versions))]
        bars = ax.bar(xs, values, width=width, color=color, label=label)
        ax.bar_label(bars, fontsize=7, padding=1)
    ax.set_xticks(range(len(versions)), [_short(v.version) for v in versions], fontsize=8)
    ax.set_xlim(-0.6, _slots(len(versions), 6) - 0.4)
    top = max((max(values) for _, values, _ in series), default=0)
    ax.set_ylim(0, max(top, 1) * 1.2)
    ax.set_ylabel("count (new in the version)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncols=3)
    return figure_svg(fig)


def canary_chart(canaries: list[CanaryRow]) -> str | None:
    """Each decided canary's confidence sequence on the live lift when it ended, against 0 and ``-margin``."""
    decided = [c for c in canaries if c.evidence and c.evidence.get("lower") is not None]
    if not decided:
        return None
    fig, ax = _figure(11, 1.0 + 0.5 * len(decided))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#eaeef2", linewidth=0.8)
    margins = set()
    for y, c in enumerate(decided):
        ev = c.evidence or {}
        color = DECISION_COLORS.get(c.decision, GREY)
        ax.plot([ev["lower"], ev["upper"]], [y, y], color=color, linewidth=5, solid_capstyle="butt")
        if ev.get("lift") is not None:
            ax.plot([ev["lift"]], [y], "o", color="black", markersize=5)
        ax.annotate(
            f"{c.decision} · {ev.get('n_pairs', 0)} pairs",
            (ev["upper"], y),
            textcoords="offset points",
            xytext=(6, -3),
            fontsize=8,
        )
        if ev.get("margin") is not None:
            margins.add(float(ev["margin"]))
    ax.axvline(0.0, color="#57606a", linewidth=0.8)
    for m in sorted(margins):
        ax.axvline(-m, color=AMBER, linestyle="--", linewidth=1, label=f"-margin {m:g}")
    labels = [f"cycle #{c.cycle}" if c.cycle else c.canary_id for c in decided]
    ax.set_yticks(range(len(decided)), labels, fontsize=8)
    ax.set_ylim(-0.7, len(decided) - 0.3)
    low = min([-m for m in margins] + [float((c.evidence or {})["lower"]) for c in decided] + [0.0])
    high = max([float((c.evidence or {})["upper"]) for c in decided] + [0.0])
    ax.set_xlim(max(low - 0.1, -1.05), min(high + 0.1, 1.0) + 0.35)  # room for the labels on the right
    ax.set_xlabel("live lift (candidate - champion), confidence sequence at the decision")
    if margins:
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return figure_svg(fig)
