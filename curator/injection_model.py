"""The learned half of injection screening: char + word TF-IDF and logistic regression (scikit-learn).

Trained at first use from the corpus shipped in the package (``curator/data/injection_train.jsonl``, made by
``curator/injection_corpus.py``) with a fixed seed, so the same corpus always gives the same model. The fitted
pipeline is cached with joblib under ``<models_dir>/injection/``, keyed by the corpus hash and the scikit-learn
version, so a new corpus or a scikit-learn upgrade retrains instead of loading a stale or incompatible pickle.

Long texts are scored in overlapping windows and the most suspicious window wins: TF-IDF vectors are length
normalized, so one injected sentence in a long page would otherwise be diluted by the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from curator.deobfuscate import Deobfuscated, deobfuscate
from curator.injection_corpus import CORPUS_PATH
from curator.injection_rules import mask_quotations

logger = logging.getLogger(__name__)

SEED = 0
WINDOW_CHARS = 700
WINDOW_STRIDE = 350


@dataclass(frozen=True)
class TrainingRow:
    text: str
    label: int


def load_corpus(path: Path = CORPUS_PATH) -> list[TrainingRow]:
    """Read the training corpus; raise ``ValueError`` naming the line if a row is malformed."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                rows.append(TrainingRow(str(obj["text"]), int(obj["label"])))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: bad training row ({exc})") from exc
    return rows


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            # char_wb n-grams survive inflection, typos and languages without word boundaries.
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=150_000
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    max_features=60_000,
                ),
            ),
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

    def predict_proba(self, texts: Sequence[str], *, prepared: bool = False) -> list[float]:
        """P(injection) of each text: the maximum over its windows.

        ``prepared=True`` says the texts are already deobfuscated views (as ``curator/screen.py`` passes them).
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


def corpus_hash(path: Path = CORPUS_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def cache_path(models_dir: Path, digest: str) -> Path:
    return models_dir / "injection" / f"tfidf-lr-{digest}-sklearn{sklearn.__version__}.joblib"


def load_or_train(models_dir: Path | None, corpus: Path = CORPUS_PATH) -> InjectionModel:
    """The cached model for this corpus, training (and caching, if ``models_dir`` is given) when there is none."""
    digest = corpus_hash(corpus)
    path = cache_path(models_dir, digest) if models_dir is not None else None
    if path is not None and path.exists():
        try:
            pipeline = joblib.load(path)
            return InjectionModel(pipeline, digest)
        except Exception as exc:  # a truncated or foreign file: retrain rather than fail screening
            logger.warning("ignoring unreadable injection model cache %s: %s", path, exc)
    logger.info("training the injection classifier from %s", corpus)
    model = InjectionModel.train(load_corpus(corpus), digest)
    if path is not None:
        _save_atomically(model.pipeline, path)
    return model


def _save_atomically(pipeline: Pipeline, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
        os.close(fd)
        joblib.dump(pipeline, tmp)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home still screens, it just retrains next time
        logger.warning("could not cache the injection model at %s: %s", path, exc)
