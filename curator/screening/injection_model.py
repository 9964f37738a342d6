"""The learned half of injection screening: char + word TF-IDF and logistic regression (scikit-learn).

Trained at first use from the corpus shipped in the package with a fixed seed, so the same corpus always gives the
same model. The corpus is package data in two parts: ``data/injection_train.jsonl``, generated from templates by the
build tool ``benchmarks/data/make_injection_corpus.py`` (breadth of carriers and disguises), and
``data/injection_handwritten/*.jsonl``, individually written injections, hard negatives and background text, one
file per domain (breadth of wording, which templates cannot give).

The model ships fitted: ``data/injection_model.npz``, plain arrays in a format that loading cannot turn into code
(``model_file.py``; no pickle), built from the shipped corpus by ``benchmarks/data/make_injection_model.py``
(:func:`build_shipped`). The curator loads it at startup: no training, nothing written. Its header records the
hash of every corpus file, so a test can tell a stale model from one the corpus rebuilds.

Long texts are scored in overlapping windows and the most suspicious window wins: TF-IDF vectors are length
normalized, so one injected sentence in a long page would otherwise be diluted by the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from tracewheel.curator.screening import model_file
from tracewheel.curator.screening.deobfuscate import Deobfuscated, deobfuscate
from tracewheel.curator.screening.directive_vocabulary import (
    AI_GENERIC,
    AI_OTHER_LANGUAGES,
    AI_READER,
    AI_UNSPACED,
)
from tracewheel.curator.screening.injection_rules import mask_quotations

logger = logging.getLogger(__name__)

SEED = 0
WINDOW_CHARS = 700
WINDOW_STRIDE = 350
# Bumped when the pipeline's features change in a way its parameters do not show (the directive flags' regexes),
# so a model file fitted by older code is refused rather than read by different features.
PIPELINE_VERSION = 5
# The shipped corpus: the generated file (benchmarks/data/make_injection_corpus.py writes it) and the hand-written
# files, package data of this package.
DATA_DIR = Path(__file__).parent / "data"
CORPUS_PATH = DATA_DIR / "injection_train.jsonl"
HANDWRITTEN_DIR = DATA_DIR / "injection_handwritten"
SHIPPED_MODEL_PATH = DATA_DIR / "injection_model.npz"

CorpusSource = Path | Sequence[Path]


@dataclass(frozen=True)
class TrainingRow:
    text: str
    label: int


def corpus_files() -> list[Path]:
    """The shipped corpus: the generated file, then the hand-written files in name order."""
    return [CORPUS_PATH, *sorted(HANDWRITTEN_DIR.glob("*.jsonl"))]


def _paths(source: CorpusSource | None) -> list[Path]:
    if source is None:
        return corpus_files()
    return [source] if isinstance(source, Path) else list(source)


def load_corpus(source: CorpusSource | None = None) -> list[TrainingRow]:
    """Read the training corpus (default: the shipped files); raise ``ValueError`` naming the line of a bad row."""
    return [row for path in _paths(source) for row in _read_rows(path)]


def _read_rows(path: Path) -> Iterable[TrainingRow]:
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                label = int(obj["label"])
                if label not in (0, 1):
                    raise ValueError(f"label must be 0 or 1, got {label}")
                yield TrainingRow(str(obj["text"]), label)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: bad training row ({exc})") from exc


# ---------------------------------------------------------------- sentence-level directive features
#
# TF-IDF sees words, not who they are said to. An injection is an order aimed at the model ("assistant", "the AI
# reading this") about the user or the model's tools; benign text orders people, or talks about assistants in the
# third person. These flags look at each sentence for that co-occurrence, in several languages.

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？])\s+|\n+|;\s+|(?<=[。！？])")
# Who a sentence speaks to: the rules' words for an AI reader, in every language they cover.
_AI_WORDS = re.compile(
    rf"\b(?:{AI_READER}|{AI_GENERIC}|automated|machine\s+readers?|{AI_OTHER_LANGUAGES})\b|{AI_UNSPACED}",
    re.IGNORECASE,
)
_IMPERATIVE_OPEN = re.compile(
    r"(?:^|[:,—-]\s*|\bplease\s+|\bthen\s+|\band\s+)(?:send|forward|email|e-mail|tell|inform|say|state|reply|respond|answer|include|add"
    r"|append|insert|output|print|paste|echo|reveal|list|open|visit|call|invoke|use|run|execute|transfer|wire|pay|refund"
    r"|delete|remove|approve|merge|grant|accept|decline|cancel|book|recommend|rate|rank|describe|report|mention|omit"
    r"|ignore|disregard|forget|stop|do\s+not|don'?t|never|always|make\s+sure|ensure|write|share|upload|post|ask|close|escalate)\b",
    re.IGNORECASE | re.MULTILINE,
)
_MODAL_TO_READER = re.compile(
    r"\b(?:you|the\s+(?:assistant|model|agent|AI|bot|LLM))\s+(?:must|should|will\s+now|need\s+to|have\s+to|are\s+(?:required|instructed|directed|expected)\s+to"
    r"|is\s+(?:required|instructed|directed|expected)\s+to|shall)\b|\b(?:must|should|shall)\s+(?:now\s+)?(?:send|tell|say|state|reply|respond|include|add|forward|transfer|recommend|describe|call|run)\b",
    re.IGNORECASE,
)
_USER_REF = re.compile(
    r"\b(?:the\s+(?:user|human|customer|reader|recipient|account\s+holder)(?:'s|s)?|your\s+(?:user|owner|principal|human)"
    r"|usuario|utilisateur|Nutzer\w*|Benutzer\w*|utente|usuário|gebruiker|пользовател\w*|kullanıcı\w*|pengguna|người\s+dùng|użytkownik\w*)\b"
    r"|用户|ユーザー|사용자|المستخدم|उपयोगकर्ता",
    re.IGNORECASE,
)
_TARGET = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|\b[\w-]+\.example\b|\bIBAN\b|\b(?:account|acct|card|wallet)\s*(?:number\s*)?[#:]?\s*\d"
    r"|[$€£]\s?\d|\d\s?(?:EUR|USD|GBP|CHF|JPY|BTC|Euro)\b|\b[a-z]+_[a-z_]+\(",
    re.IGNORECASE,
)
_SECRECY_WORDS = re.compile(
    r"\b(?:do\s+not|don'?t|never|without)\s+(?:tell|inform|mention|notify|alert|ask(?:ing)?|telling|informing|mentioning)\b"
    r"|\b(?:silently|quietly|secretly)\b|\bno\s+(?:need\s+to\s+)?confirm",
    re.IGNORECASE,
)
_DISCUSSION = re.compile(
    r"\b(?:attacks?|attackers?|researchers?|injection|payloads?|phishing|example|red[\s-]team|vulnerab\w+|threat|defen[cs]es?"
    r"|mitigation|study|paper|survey|according\s+to|reported|changelog|release\s+notes|tip)\b(?!\.)",
    re.IGNORECASE,
)
_QUOTE_CHARS = re.compile(r"[\"“”‘’'`«»]")
N_DIRECTIVE_FEATURES = 11


def directive_features(text: str) -> list[float]:
    """Flags and densities of orders aimed at the reading model, per sentence of ``text``."""
    sentences = [s for s in _SENTENCE_SPLIT.split(text[:4000]) if s and s.strip()]
    n = max(1, len(sentences))
    addr_imp = addr_user = imp_user = imp_target = secret_user = addr_any = imp_any = 0
    for sentence in sentences:
        addr = _AI_WORDS.search(sentence) is not None
        imp = _IMPERATIVE_OPEN.search(sentence) is not None or _MODAL_TO_READER.search(sentence) is not None
        user = _USER_REF.search(sentence) is not None
        target = _TARGET.search(sentence) is not None
        addr_any += addr
        imp_any += imp
        addr_imp += addr and imp
        addr_user += addr and (user or target)
        imp_user += imp and user
        imp_target += imp and target
        secret_user += _SECRECY_WORDS.search(sentence) is not None and (user or imp)
    quotes = len(_QUOTE_CHARS.findall(text)) / max(1.0, len(text) / 100)
    return [
        min(addr_imp, 3) / 3,
        min(addr_user, 3) / 3,
        min(imp_user, 3) / 3,
        min(imp_target, 3) / 3,
        min(secret_user, 2) / 2,
        addr_any / n,
        imp_any / n,
        float(_DISCUSSION.search(text) is not None),
        min(quotes, 5.0) / 5,
        float(addr_imp > 0 and imp_user + imp_target > 0),
        float(len(_MODAL_TO_READER.findall(text)) > 0),
    ]


class DirectiveFeatures(BaseEstimator, TransformerMixin):
    """A scikit-learn transformer of :func:`directive_features` (stateless; ``scale`` sets its weight vs TF-IDF)."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def fit(self, texts: Sequence[str], y: object = None) -> DirectiveFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows = np.array([directive_features(t) for t in texts], dtype=np.float64).reshape(
            -1, N_DIRECTIVE_FEATURES
        )
        return sparse.csr_matrix(rows * self.scale)


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            # char_wb n-grams survive inflection, typos and languages without word boundaries.
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=150_000
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 3),
                    min_df=2,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=60_000,
                ),
            ),
            # Half weight: at full weight these flags fire on library docs ("you should call the model ...").
            ("directive", DirectiveFeatures(scale=0.5)),
        ]
    )
    classifier = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000, random_state=SEED)
    return Pipeline([("features", features), ("clf", classifier)])


def windows(text: str, size: int = WINDOW_CHARS, stride: int = WINDOW_STRIDE) -> list[str]:
    """Overlapping windows covering ``text`` (the text itself when short)."""
    if len(text) <= size:
        return [text]
    starts = range(0, len(text) - size + stride, stride)
    return [text[s : s + size] for s in starts]


class InjectionModel:
    """A fitted pipeline that scores texts with P(injection)."""

    def __init__(self, pipeline: Pipeline, corpus_hash: str) -> None:
        self.pipeline = pipeline
        self.corpus_hash = corpus_hash

    @classmethod
    def train(cls, rows: Sequence[TrainingRow], corpus_hash: str = "") -> InjectionModel:
        if not rows or len({r.label for r in rows}) < 2:
            raise ValueError("rows: need training rows of both labels")
        texts = [_prepare(r.text) for r in rows]
        pipeline = build_pipeline()
        pipeline.fit(texts, np.array([r.label for r in rows]))
        return cls(pipeline, corpus_hash)

    def save(self, path: Path) -> None:
        """Write the fitted model to ``path`` (``model_file`` format: arrays and a JSON header, no pickle)."""
        meta = {
            "corpus_hash": self.corpus_hash,
            "pipeline_version": PIPELINE_VERSION,
            "sklearn_version": sklearn.__version__,
        }
        model_file.save(self.pipeline, path, meta)

    @classmethod
    def load(cls, path: Path) -> InjectionModel:
        """A model written by :meth:`save`; ``model_file.ModelFileError`` if it is not one this code can read."""
        header = model_file.read_header(path)
        if header.get("pipeline_version") != PIPELINE_VERSION:
            raise model_file.ModelFileError(
                f"{path}: fitted by pipeline v{header.get('pipeline_version')}, this code is v{PIPELINE_VERSION}; "
                "rebuild it (python -m benchmarks.data.make_injection_model)"
            )
        pipeline, header = model_file.load(path, build_pipeline(), N_DIRECTIVE_FEATURES)
        return cls(pipeline, str(header.get("corpus_hash", "")))

    def predict_proba(self, texts: Sequence[str], *, prepared: bool = False) -> list[float]:
        """P(injection) of each text: the maximum over its windows.

        ``prepared=True`` says the texts are already deobfuscated views (as ``screen.py`` passes them).
        """
        if not texts:
            return []
        owners: list[int] = []
        chunks: list[str] = []
        for i, text in enumerate(texts):
            for chunk in windows(text if prepared else _prepare(text)):
                owners.append(i)
                chunks.append(chunk)
        probs = self.pipeline.predict_proba(chunks)[:, 1]
        best = [0.0] * len(texts)
        for owner, p in zip(owners, probs, strict=True):
            best[owner] = max(best[owner], float(p))
        return best


def classifier_input(deob: Deobfuscated) -> str:
    """What the classifier reads: the normalized text (quotations masked in attack discussions) and payloads."""
    return "\n".join([mask_quotations(deob.text), *deob.decoded])


def _prepare(text: str) -> str:
    return classifier_input(deobfuscate(text))


def corpus_hash(source: CorpusSource | None = None) -> str:
    """One digest of every corpus file's name and bytes: editing, adding or removing a file changes it."""
    digest = hashlib.sha256()
    for path in _paths(source):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_shipped(path: Path = SHIPPED_MODEL_PATH) -> InjectionModel:
    """The fitted model shipped with the package (or another file in the same format): loaded, never trained."""
    model = InjectionModel.load(path)
    if path == SHIPPED_MODEL_PATH and model.corpus_hash != corpus_hash():
        # Screening still works with the older fit; the packaging test fails on it so a release never ships it.
        logger.warning(
            "%s was fitted on another corpus than the one shipped (%s != %s): rebuild it with "
            "python -m benchmarks.data.make_injection_model",
            path,
            model.corpus_hash,
            corpus_hash(),
        )
    return model


def build_shipped(
    path: Path | None = SHIPPED_MODEL_PATH, corpus: CorpusSource | None = None
) -> InjectionModel:
    """Train on the corpus (default: the shipped one) and write the model file to ``path`` (None: don't write)."""
    logger.info("training the injection classifier from %s", ", ".join(str(p) for p in _paths(corpus)))
    model = InjectionModel.train(load_corpus(corpus), corpus_hash(corpus))
    if path is not None:
        model.save(path)
    return model
