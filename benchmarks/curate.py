"""Curator benchmark: PII/secret redaction quality and speed, then injection screening if that benchmark exists.

    .venv/bin/python -m benchmarks.curate [--episodes N] [--corpus PATH]

Quality, on the labelled corpus benchmarks/data/pii_corpus.jsonl (agent-trace texts: chat, JSON tool arguments, tool
results, system prompts, final answers, with look-alikes that are not PII):
- recall per type: a value counts as caught only if no part of it survives, i.e. no token (``[A-Za-z0-9]+``) of
  length >= 4 of the value occurs in the output more often than in the text with all labelled values removed;
- precision per type: share of predicted spans that overlap a labelled value (of any type);
- word-keep rate: share of the plain words (runs of two or more letters) of the text with every labelled value
  removed that are still in the output, counted with multiplicity: what redaction costs the training text.
  Masking a whole credential-bearing token (a connection string) costs nothing here, its words are labelled.
Recall and word-keep rate come with Wilson 95% intervals (``benchmarks._stats``); words of one text are not
independent draws, so the word-keep interval is narrower than the truth.
Speed, end to end on episodes assembled from the same corpus: ``Redactor.redact_episodes`` (batched, deduplicated,
NER-only spaCy) versus a naive baseline that calls ``AnalyzerEngine.analyze`` once per field with Presidio's
standard spaCy engine (full pipeline) and the same recognizers, then ``AnonymizerEngine.anonymize``.
Then the injection-screening figures of ``benchmarks.injection_eval``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from tracewheel.collector.episode import Episode, FunctionCall, Message, ToolCall
from tracewheel.curator.redaction.redact import Redactor, build_analyzer, build_nlp_engine  # noqa: E402
from tracewheel.curator.redaction.redaction_config import RedactionConfig  # noqa: E402
from tracewheel.curator.screening.screen import Screener

from benchmarks._stats import fmt_ci, wilson
from benchmarks.data import DATA_DIR, read_jsonl
from benchmarks.injection_eval import BLIND, HELDOUT_SETS, evaluate, evaluate_heldout, pooled

CORPUS = DATA_DIR / "pii_corpus.jsonl"
# Held-out sets still blind: only their totals and per-type rates are printed.
BLIND_PII = frozenset({"pii_heldout7"})

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _tokens(value: str) -> list[str]:
    tokens = _TOKEN.findall(value)
    long = [t for t in tokens if len(t) >= 4]
    return long or tokens


def _skeleton(text: str, pii: list[dict]) -> str:
    out, last = [], 0
    for p in sorted(pii, key=lambda p: p["start"]):
        out.append(text[last : p["start"]])
        last = p["end"]
    out.append(text[last:])
    return " ".join(out)


def caught(value: str, output: str, skeleton: str) -> bool:
    """No token of ``value`` is left in ``output`` beyond what the non-PII rest of the text already had."""
    output = _PLACEHOLDER.sub(" ", output)  # "<PRIVATE_KEY_1>" must not count as "PRIVATE" surviving
    have, background = Counter(_TOKEN.findall(output)), Counter(_TOKEN.findall(skeleton))
    return all(have[t] <= background[t] for t in _tokens(value))


def words_kept(output: str, skeleton: str) -> tuple[int, int]:
    """(plain words of ``skeleton`` still in ``output``, plain words of ``skeleton``), with multiplicity."""
    have, want = Counter(_WORD.findall(_PLACEHOLDER.sub(" ", output))), Counter(_WORD.findall(skeleton))
    return sum(min(have[w], n) for w, n in want.items()), sum(want.values())


def quality(redactor: Redactor, corpus: list[dict]) -> tuple[dict, float]:
    started = time.perf_counter()
    results = redactor.redact_texts([r["text"] for r in corpus])
    elapsed = time.perf_counter() - started
    gold_n: Counter[str] = Counter()
    gold_hit: Counter[str] = Counter()
    pred_n: Counter[str] = Counter()
    pred_ok: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    false_pos: dict[str, list[str]] = defaultdict(list)
    kept = words = 0
    for record, result in zip(corpus, results, strict=True):
        skeleton = _skeleton(record["text"], record["pii"])
        k, w = words_kept(result.text, skeleton)
        kept, words = kept + k, words + w
        for p in record["pii"]:
            gold_n[p["type"]] += 1
            if caught(p["value"], result.text, skeleton):
                gold_hit[p["type"]] += 1
            else:
                misses[p["type"]].append(p["value"])
        for e in result.entities:
            pred_n[e["type"]] += 1
            if any(e["start"] < p["end"] and e["end"] > p["start"] for p in record["pii"]):
                pred_ok[e["type"]] += 1
            else:
                false_pos[e["type"]].append(record["text"][e["start"] : e["end"]])
    rows = {}
    for t in sorted(set(gold_n) | set(pred_n)):
        rows[t] = {
            "n": gold_n[t],
            "recall": gold_hit[t] / gold_n[t] if gold_n[t] else None,
            "predicted": pred_n[t],
            "precision": pred_ok[t] / pred_n[t] if pred_n[t] else None,
            "misses": misses[t],
            "false_positives": false_pos[t],
        }
    rows["ALL"] = {
        "n": sum(gold_n.values()),
        "recall": sum(gold_hit.values()) / max(1, sum(gold_n.values())),
        "recall_ci": wilson(sum(gold_hit.values()), sum(gold_n.values())),
        "words": words,
        "word_keep": kept / max(1, words),
        "word_keep_ci": wilson(kept, words),
        "predicted": sum(pred_n.values()),
        "precision": sum(pred_ok.values()) / max(1, sum(pred_n.values())),
        "misses": [],
        "false_positives": [],
    }
    return rows, elapsed


# --------------------------------------------------------------------------------------------------------------
# Episodes assembled from the corpus: a shared system prompt (agents reuse theirs), a user turn, an assistant tool
# call with JSON arguments, the tool's result, and a final answer.


def build_episodes(corpus: list[dict], n: int) -> tuple[list[Episode], list[list[dict]]]:
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in corpus:
        by_kind[r["kind"]].append(r)
    systems = by_kind["system"][:3]
    chats = by_kind["chat"][:n]
    # Final answers: the "final" records, then chat records no episode uses as its user turn, so that every text
    # but the agents' shared system prompts (and user_task, which repeats the user turn) is unique.
    finals = by_kind["final"] + by_kind["chat"][n:]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    episodes, used = [], []
    for i in range(n):
        system = systems[i % len(systems)]
        chat = chats[i % len(chats)]
        args = by_kind["tool_args"][i % len(by_kind["tool_args"])]
        result = by_kind["tool_result"][i % len(by_kind["tool_result"])]
        final = finals[i % len(finals)]
        call = ToolCall(id=f"call_{i}", function=FunctionCall(name="do_it", arguments=args["text"]))
        episodes.append(
            Episode(
                episode_id=f"{i:032x}",
                tenant="bench",
                trace_id=f"{i:032x}",
                started_at=now,
                ended_at=now,
                system_instructions=system["text"],
                user_task=chat["text"],
                messages=[
                    Message(role="system", content=system["text"]),
                    Message(role="user", content=chat["text"]),
                    Message(role="assistant", tool_calls=[call]),
                    Message(role="tool", tool_call_id=f"call_{i}", name="do_it", content=result["text"]),
                    Message(role="assistant", content=final["text"]),
                ],
                final_answer=final["text"],
            )
        )
        used.append([system, chat, args, result, final])
    return episodes, used


def _episode_texts(e: Episode) -> list[str]:
    texts = [e.system_instructions or "", e.user_task or "", e.final_answer or ""]
    for m in e.messages:
        texts.append(m.content or "")
        texts.extend(c.function.arguments for c in m.tool_calls or [])
    return [t for t in texts if t]


def episode_recall(episodes: list[Episode], used: list[list[dict]]) -> tuple[float, int]:
    """Survival recall over whole redacted episodes; JSON tool arguments are compared decoded (their leaves)."""
    hit = total = 0
    for e, records in zip(episodes, used, strict=True):
        output = "\n".join(_decoded(t) for t in _episode_texts(e))
        skeleton = "\n".join(_decoded(_skeleton(r["text"], r["pii"])) for r in records)
        for r in records:
            for p in r["pii"]:
                total += 1
                hit += caught(_decoded_value(p["value"]), output, skeleton)
    return hit / max(1, total), total


def _decoded(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False).replace("\\n", "\n")
    except ValueError:
        return text.replace("\\n", "\n")


def _decoded_value(value: str) -> str:
    return value.replace("\\n", "\n")


def naive_redact(
    analyzer, anonymizer: AnonymizerEngine, config: RedactionConfig, episodes: list[Episode]
) -> int:
    fields = 0
    for e in episodes:
        for text in _episode_texts(e):
            results = analyzer.analyze(
                text=text,
                language="en",
                entities=list(config.entities),
                score_threshold=config.score_threshold,
            )
            anonymizer.anonymize(
                text=text,
                analyzer_results=results,
                operators={"DEFAULT": OperatorConfig("replace", {"new_value": "<REDACTED>"})},
            )
            fields += 1
    return fields


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _injection_figures() -> None:
    figures = evaluate()
    screener = Screener()
    blind = pooled(
        [evaluate_heldout(path=HELDOUT_SETS[name][0], screener=screener) for name in sorted(BLIND)]
    )
    print("\ninjection screening (benchmarks.injection_eval; Wilson 95% intervals):")
    for label, f in (("benchmark set", figures), ("blind held-out sets pooled", blind)):
        print(
            f"  {label}: recall {f['recall']:.3f} {fmt_ci(f['recall_ci'])} (target >= 0.95), false-positive rate "
            f"{f['false_positive_rate']:.3f} {fmt_ci(f['false_positive_rate_ci'])} (target <= 0.03)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=80, help="episodes in the speed test")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON document")
    args = parser.parse_args(argv)

    corpus = read_jsonl(args.corpus)
    config = RedactionConfig()
    t0 = time.perf_counter()
    redactor = Redactor(config)
    build_s = time.perf_counter() - t0
    rows, texts_s = quality(redactor, corpus)
    print(f"PII corpus: {len(corpus)} texts, {rows['ALL']['n']} labelled values ({args.corpus.name})")
    print(
        f"Redactor built in {build_s:.2f}s; redact_texts on the corpus: {texts_s:.2f}s ({len(corpus) / texts_s:.0f} texts/s)"
    )
    print(f"\n{'type':<20}{'n':>5}{'recall':>9}{'pred':>6}{'precision':>11}")
    for t, r in rows.items():
        print(f"{t:<20}{r['n']:>5}{_fmt(r['recall']):>9}{r['predicted']:>6}{_fmt(r['precision']):>11}")
    for t, r in rows.items():
        if r["misses"] or r["false_positives"]:
            print(f"  {t}: missed {r['misses']} false positives {r['false_positives']}")

    heldout = read_jsonl(DATA_DIR / "pii_heldout1.jsonl")
    held, _ = quality(redactor, heldout)
    print(
        f"\nheld-out set 1 (pii_heldout1.jsonl: {len(heldout)} Faker-filled texts, {held['ALL']['n']} values, "
        "templates never used for tuning): "
        f"recall {held['ALL']['recall']:.3f}, precision {held['ALL']['precision']:.3f}"
    )
    for t, r in held.items():
        if t != "ALL" and ((r["recall"] or 1.0) < 1.0 or (r["precision"] or 1.0) < 1.0):
            print(f"  {t}: recall {_fmt(r['recall'])} precision {_fmt(r['precision'])} "
                  f"missed {r['misses'][:4]} false positives {r['false_positives'][:4]}")  # fmt: skip

    held_sets: dict[str, dict] = {}
    for label, path, note in (
        (
            "held-out set 2",
            DATA_DIR / "pii_heldout2.jsonl",
            "written before the name gazetteer; generic fixes after its first run",
        ),
        (
            "held-out set 3",
            DATA_DIR / "pii_heldout3.jsonl",
            "written after it; lowercase names and list keys added after its first run",
        ),
        (
            "held-out set 4",
            DATA_DIR / "pii_heldout4.jsonl",
            "written blind; its misses then drove the all-caps, lowercase and secret fixes",
        ),
        (
            "held-out set 5",
            DATA_DIR / "pii_heldout5.jsonl",
            "written blind; first scored after the set-4 fixes (PERSON 0.807), then its misses were worked on",
        ),
        (
            "held-out set 6",
            DATA_DIR / "pii_heldout6.jsonl",
            "written blind and never tuned on",
        ),
        (
            "held-out set 7",
            DATA_DIR / "pii_heldout7.jsonl",
            "issue 10's leak categories, written blind before the recognizers changed; tuned only on separate "
            "dev examples, never on this set",
        ),
    ):
        records = read_jsonl(path)
        figures, _ = quality(redactor, records)
        held_sets[path.stem] = figures
        person = figures.get("PERSON", {})
        print(
            f"{label} ({path.name}: {len(records)} hand-written agent-trace texts, {figures['ALL']['n']} values, "
            f"names typed by hand; {note}): recall {figures['ALL']['recall']:.3f}, precision "
            f"{figures['ALL']['precision']:.3f}; PERSON recall {_fmt(person.get('recall'))}, precision "
            f"{_fmt(person.get('precision'))}"
        )
        a = figures["ALL"]
        print(
            f"  recall {a['recall']:.3f} {fmt_ci(a['recall_ci'])} (target >= 0.98); word-keep "
            f"{a['word_keep']:.3f} {fmt_ci(a['word_keep_ci'])} of {a['words']} plain words (target >= 0.95)"
        )
        for t, r in figures.items():
            if t != "ALL" and ((r["recall"] or 1.0) < 1.0 or (r["precision"] or 1.0) < 1.0):
                # a blind set's values stay unread: its misses are counted, never printed
                shown = (
                    ""
                    if path.stem in BLIND_PII
                    else (f" missed {r['misses'][:8]} false positives {r['false_positives'][:8]}")
                )
                print(f"  {t}: recall {_fmt(r['recall'])} precision {_fmt(r['precision'])}{shown}")  # fmt: skip

    episodes, used = build_episodes(corpus, args.episodes)
    redactor.redact_episodes(episodes[:3])  # warm-up
    t0 = time.perf_counter()
    redacted = redactor.redact_episodes(episodes)
    fast_s = time.perf_counter() - t0
    invalid = sum(
        1
        for e, _ in redacted
        for m in e.messages
        for c in m.tool_calls or []
        if not _valid_json(c.function.arguments)
    )
    ep_recall, ep_values = episode_recall([e for e, _ in redacted], used)

    baseline = build_analyzer(config, build_nlp_engine(config, engine_class=SpacyNlpEngine))
    anonymizer = AnonymizerEngine()
    naive_redact(baseline, anonymizer, config, episodes[:3])  # warm-up
    t0 = time.perf_counter()
    fields = naive_redact(baseline, anonymizer, config, episodes)
    naive_s = time.perf_counter() - t0

    distinct = len({t for e in episodes for t in _episode_texts(e)})
    print(
        f"\nepisodes: {len(episodes)} ({fields} text fields, {distinct} distinct: shared system prompts, "
        "user_task repeating the user turn)"
    )
    print(f"  redact_episodes (batched):   {len(episodes) / fast_s:8.1f} episodes/s  ({fast_s:.2f}s)")
    print(f"  naive analyze() per field:   {len(episodes) / naive_s:8.1f} episodes/s  ({naive_s:.2f}s)")
    print(f"  speed-up: {naive_s / fast_s:.1f}x")
    print(
        f"  episode-level recall (survival, {ep_values} values): {ep_recall:.3f}; tool args left invalid JSON: {invalid}"
    )

    if args.json:
        print(json.dumps({"quality": rows, "heldout": held, **held_sets, "fast_eps": len(episodes) / fast_s,
                          "naive_eps": len(episodes) / naive_s, "episode_recall": ep_recall}, indent=2))  # fmt: skip
    _injection_figures()
    return 0


def _valid_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
