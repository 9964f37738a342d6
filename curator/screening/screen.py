"""Screen tool results for indirect prompt injection before a trace becomes training data.

A poisoned tool result (a web page, an email, a search result that tells the model what to do) turns into poisoned
training data the moment it is fine-tuned on. The screener combines two kinds of evidence in log-odds:

- the learned classifier (``injection_model.py``): P(injection) from char + word TF-IDF;
- pattern rules (``injection_rules.py``) run on deobfuscated views (``deobfuscate.py``), each
  adding its weight; strong rules decide alone, weak ones only tip a borderline classifier score.

``score = sigmoid(logit(p_classifier) + sum(rule weights))`` and a result is an injection when the score reaches
``ScreeningConfig.threshold``. Long results (a 5 MB page, a binary dump) are cut to a head and a tail window plus
windows around suspicious markers found by a cheap scan of the whole text, so the cost is bounded and an attacker
cannot simply push the payload past a cap.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass

from tracewheel.collector.episode import Episode
from tracewheel.curator.screening.deobfuscate import Deobfuscated, deobfuscate
from tracewheel.curator.screening.injection_model import InjectionModel, classifier_input, load_shipped
from tracewheel.curator.screening.injection_rules import RuleHit, find_rule_hits
from tracewheel.curator.screening.screening_config import ScreeningConfig

logger = logging.getLogger(__name__)

# Cheap markers for the whole-text scan of long results. Literal substrings (searched in the lowercased text, at
# C speed) and one character class: a big alternation in ``re`` costs a second per 5 MB, these cost milliseconds.
# Windows around them then get the full rules and the classifier.
_MARKER_WORDS = (
    "ignor",
    "disregard",
    "forget",
    "instruction",
    "directive",
    "system",
    "prompt",
    "assistant",
    " ai ",
    "llm",
    "<|",
    "[inst",
    "<<sys",
    "<!--",
    "![",
    "<img",
    "display:none",
    "you are now",
    "from now on",
    "忽略",
    "無視",
    "무시",
    "anweisung",
    "instrucci",
    "istruzion",
    "инструкц",
    "base64",
)
_MARKER_CHARS = re.compile("[\u200b-\u200f\u2060\ufeff\uff01-\uff5e]+|[\u0400-\u04ff]+")
_MAX_MARKERS_PER_KIND = 5_000
# Binary-looking results (a file dump, a decoded image) are screened through their printable runs, as `strings`
# does: an instruction embedded in a blob is still found, and the noise around it is neither scanned nor scored.
_PRINTABLE_RUN = re.compile(r"[\t\n\r -~]{8,}")
_BINARY_SAMPLE = 8_000
_BINARY_MIN_TEXT_RATIO = 0.85
_SEPARATOR = "\n[…]\n"
_P_FLOOR = 1e-3
# With the classifier off, rules alone decide: at this prior a medium rule (weight 3) reaches the default threshold
# on its own and a weak one (1) does not.
_RULES_ONLY_PRIOR = 0.15
# Lowest classifier probability counted once a rule has fired: a strong rule (weight 5) flags whatever the classifier
# says; a medium one (3) flags unless the classifier is sure the text is benign (quoted attacks in articles, which
# the hand-written corpus taught it to recognize); a weak one (1) only tips a borderline score.
_VETO_FLOOR = 0.1


@dataclass
class ScreenResult:
    injection: bool
    score: float
    reasons: list[str]


@dataclass
class ScreenFlag:
    """A tool result of an episode judged to be an injection."""

    span_id: str | None
    tool: str | None
    message_index: int
    score: float
    reasons: list[str]
    excerpt: str


def _logit(p: float) -> float:
    p = min(max(p, _P_FLOOR), 1 - _P_FLOOR)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


class Screener:
    """Scores tool results; the classifier is loaded once, at construction (never trained, nothing written)."""

    def __init__(self, config: ScreeningConfig | None = None, *, model: InjectionModel | None = None) -> None:
        """``model``: a classifier already fitted (an experiment's); default: the one shipped in the package."""
        self.config = config or ScreeningConfig()
        self.model: InjectionModel | None = model
        if self.model is None and self.config.use_classifier:
            self.model = load_shipped()

    # ------------------------------------------------------------------ public API

    def screen(self, text: str, tool: str | None = None) -> ScreenResult:
        return self.screen_many([(text, tool)])[0]

    def screen_many(self, items: list[tuple[str, str | None]]) -> list[ScreenResult]:
        """Screen many tool results with one classifier call."""
        return [result for result, _ in self._screen_all(items)]

    def screen_episode(self, episode: Episode) -> list[ScreenFlag]:
        """Flags for the episode's tool results (``role == "tool"`` messages) judged to be injections."""
        indexed = [(i, m) for i, m in enumerate(episode.messages) if m.role == "tool" and m.content]
        screened = self._screen_all([(m.content or "", m.name) for _, m in indexed])
        flags = []
        for (index, message), (result, hits) in zip(indexed, screened, strict=True):
            if result.injection:
                flags.append(
                    ScreenFlag(
                        span_id=message.span_id,
                        tool=message.name,
                        message_index=index,
                        score=result.score,
                        reasons=result.reasons,
                        excerpt=self._excerpt(message.content or "", hits),
                    )
                )
        return flags

    # ------------------------------------------------------------------ internals

    def _screen_all(self, items: list[tuple[str, str | None]]) -> list[tuple[ScreenResult, list[RuleHit]]]:
        prepared: list[tuple[Deobfuscated, list[RuleHit], str | None]] = []
        for text, _tool in items:
            if not isinstance(text, str):
                raise TypeError(f"items: text must be a str, got {type(text).__name__}")
            clipped, note = self._clip(text)
            deob = deobfuscate(clipped)
            prepared.append((deob, find_rule_hits(deob), note))
        probs: list[float | None] = [None] * len(prepared)
        if self.model is not None:
            inputs = [classifier_input(deob) for deob, _, _ in prepared]
            probs = list(self.model.predict_proba(inputs, prepared=True))
        return [
            (self._combine(hits, p, note), hits) for (_, hits, note), p in zip(prepared, probs, strict=True)
        ]

    def _combine(self, hits: list[RuleHit], p: float | None, note: str | None) -> ScreenResult:
        base = _logit(p) if p is not None else _logit(_RULES_ONLY_PRIOR)
        if hits:
            # The classifier may support a rule hit but not veto it: a specific pattern (a role token, a note
            # to the AI) is better evidence than a bag of n-grams that has never seen this kind of page.
            base = max(base, _logit(_VETO_FLOOR))
        score = _sigmoid(base + sum(h.weight for h in hits))
        reasons = [
            f"{h.reason}: {h.excerpt!r}" if h.excerpt else h.reason
            for h in sorted(hits, key=lambda h: -h.weight)
        ]
        if p is not None:
            reasons.append(f"classifier: {p:.3f}")
        if note:
            reasons.append(note)
        return ScreenResult(injection=score >= self.config.threshold, score=round(score, 4), reasons=reasons)

    def _clip(self, text: str) -> tuple[str, str | None]:
        """The part of a long text worth screening: head, tail, and windows around suspicious markers."""
        cfg = self.config
        binary_note = None
        if _looks_binary(text):
            runs = _PRINTABLE_RUN.findall(text)
            binary_note = (
                f"binary-looking result ({len(text)} chars): screened its {len(runs)} printable runs"
            )
            text = "\n".join(runs)
        if len(text) <= cfg.head_chars + cfg.tail_chars:
            return text, binary_note
        head_end, tail_start = cfg.head_chars, len(text) - cfg.tail_chars
        half = cfg.hotspot_chars // 2
        # Count markers per window-sized bucket of the unscreened middle; the densest buckets are screened.
        buckets: dict[int, int] = {}
        for position in _marker_positions(text, head_end, tail_start):
            bucket = position // cfg.hotspot_chars
            buckets[bucket] = buckets.get(bucket, 0) + 1
        chosen = sorted(sorted(buckets, key=lambda b: -buckets[b])[: cfg.hotspot_windows])
        parts = [text[:head_end]]
        for bucket in chosen:
            centre = bucket * cfg.hotspot_chars + half
            parts.append(
                text[max(head_end, centre - cfg.hotspot_chars) : min(tail_start, centre + cfg.hotspot_chars)]
            )
        parts.append(text[tail_start:])
        note = f"long result ({len(text)} chars): screened head, tail and {len(chosen)} marker windows"
        return _SEPARATOR.join(parts), "; ".join(n for n in (binary_note, note) if n)

    def _excerpt(self, text: str, hits: list[RuleHit]) -> str:
        """A verbatim slice of the tool result for review: its start, or the window around the strongest hit.

        Verbatim (no whitespace folding) so a reviewer's screen can find and highlight it in the message.
        """
        limit = self.config.excerpt_chars
        for hit in sorted(hits, key=lambda h: -h.weight):
            at = text.find(hit.matched) if hit.matched else -1
            if at >= 0:
                if at + len(hit.matched) <= limit:
                    break  # the start of the result already shows it
                start = max(0, at - limit // 4)
                return text[start : start + limit].strip()
        return text[:limit].strip()


def _marker_positions(text: str, start: int, end: int) -> list[int]:
    """Where suspicious markers occur in ``text[start:end]`` (capped per kind, so a flood costs little)."""
    lowered = text[start:end].lower()
    positions: list[int] = []
    for word in _MARKER_WORDS:
        found, at = 0, lowered.find(word)
        while at != -1 and found < _MAX_MARKERS_PER_KIND:
            positions.append(start + at)
            found += 1
            at = lowered.find(word, at + len(word))
    for found, match in enumerate(_MARKER_CHARS.finditer(text, start, end)):
        if found >= _MAX_MARKERS_PER_KIND:
            break
        positions.append(match.start())
    return positions


def _looks_binary(text: str) -> bool:
    """True when a sample of the text is mostly control or undecodable characters rather than writing."""
    sample = text[:_BINARY_SAMPLE] + text[len(text) // 2 : len(text) // 2 + _BINARY_SAMPLE]
    if not sample:
        return False
    # Invisible format characters (zero-width joiners, bidi marks) are text in disguise, not binary.
    texty = sum(
        1
        for c in sample
        if (c.isprintable() and c != "\ufffd") or c.isspace() or unicodedata.category(c) == "Cf"
    )
    return texty / len(sample) < _BINARY_MIN_TEXT_RATIO
