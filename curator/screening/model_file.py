"""The fitted injection classifier as a file of plain arrays: no pickle, so loading it runs no code.

A pickle (or joblib) file is a program: whoever can write the model file can run code in every ``curate``. This
format stores only what the fitted pipeline learned, as NumPy arrays in one ``.npz`` read with
``allow_pickle=False``: each TF-IDF vectorizer's terms (newline-joined UTF-8; no term holds a newline, because both
analyzers split on whitespace) and idf weights, the logistic regression's coefficients and intercept, and a JSON
header. Loading puts those arrays back into the objects :func:`build_pipeline` makes, so the hyper-parameters live in
one place (the code); the header records them and loading refuses a file whose parameters differ from the code's,
since the arrays would then be read by a different featurizer.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

FORMAT = "tracewheel-injection-model"
FORMAT_VERSION = 1
# The FeatureUnion's TF-IDF parts, by name, in the order build_pipeline() lists them.
_VECTORIZERS = ("char", "word")
# The vectorizer parameters that decide which column a text's n-gram lands in and its weight: a file is refused when
# one differs from the code's. Others (min_df, max_features: fitting only; parameters a newer scikit-learn adds)
# are recorded but not compared, so an upgrade does not refuse a model it reads the same way.
_FEATURE_PARAMS = (
    "analyzer", "binary", "lowercase", "ngram_range", "norm", "smooth_idf", "stop_words", "strip_accents",
    "sublinear_tf", "token_pattern", "use_idf",
)  # fmt: skip


class ModelFileError(ValueError):
    """The model file is missing, malformed, or was written for other features than this code builds."""


def _parts(pipeline: Pipeline) -> tuple[dict[str, Any], LogisticRegression]:
    union = pipeline.named_steps["features"]
    return dict(union.transformer_list), pipeline.named_steps["clf"]


def _vectorizer_params(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    # Only JSON-able parameters: dtype (a class) and callables are the code's business, not the file's.
    return {
        k: v
        for k, v in sorted(vectorizer.get_params().items())
        if isinstance(v, (str, int, float, bool, type(None), tuple, list))
    }


def pipeline_header(pipeline: Pipeline) -> dict[str, Any]:
    """What a file records about the featurizer: every part's parameters (JSON-normalized)."""
    parts, clf = _parts(pipeline)
    header = {name: _vectorizer_params(parts[name]) for name in _VECTORIZERS}
    header["directive"] = {"scale": parts["directive"].scale}
    header["clf"] = {"classes": [int(c) for c in getattr(clf, "classes_", [0, 1])]}
    return json.loads(json.dumps(header))


def save(pipeline: Pipeline, path: Path, meta: dict[str, Any]) -> None:
    """Write a fitted pipeline's arrays and ``meta`` (corpus hash, versions) to ``path``."""
    parts, clf = _parts(pipeline)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **meta,
        "pipeline": pipeline_header(pipeline),
    }
    arrays: dict[str, np.ndarray] = {
        "header": np.frombuffer(json.dumps(header, sort_keys=True).encode(), dtype=np.uint8),
        "coef": np.asarray(clf.coef_, dtype=np.float64),
        "intercept": np.asarray(clf.intercept_, dtype=np.float64),
    }
    for name in _VECTORIZERS:
        vectorizer: TfidfVectorizer = parts[name]
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        if any("\n" in t for t in terms):
            raise ValueError(f"{name}: a term holds a newline, which this format uses as separator")
        arrays[f"{name}_terms"] = np.frombuffer("\n".join(terms).encode(), dtype=np.uint8)
        arrays[f"{name}_idf"] = np.asarray(vectorizer.idf_, dtype=np.float64)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of a model file (without loading its arrays)."""
    with _open(path) as data:
        return _header(data)


def load(path: Path, blank: Pipeline, dense_features: int) -> tuple[Pipeline, dict[str, Any]]:
    """Fill ``blank`` (an unfitted :func:`build_pipeline`) with the arrays of ``path``; return it and the header.

    ``dense_features``: how many columns the union's stateless part adds after the TF-IDF ones.
    """
    with _open(path) as data:
        header = _header(data)
        expected = pipeline_header(blank)
        if _features(header.get("pipeline") or {}) != _features(expected):
            raise ModelFileError(
                f"{path}: written for other features than this code builds; rebuild it "
                "(python -m benchmarks.data.make_injection_model)"
            )
        parts, clf = _parts(blank)
        n_features = 0
        for name in _VECTORIZERS:
            terms = bytes(data[f"{name}_terms"]).decode()
            idf = data[f"{name}_idf"]
            vocabulary = {term: i for i, term in enumerate(terms.split("\n"))} if terms else {}
            if len(vocabulary) != len(idf):
                raise ModelFileError(f"{path}: {name} has {len(vocabulary)} terms but {len(idf)} idf weights")
            vectorizer: TfidfVectorizer = parts[name]
            vectorizer.vocabulary_ = vocabulary
            vectorizer.fixed_vocabulary_ = False
            vectorizer.idf_ = idf
            n_features += len(vocabulary)
        n_features += dense_features
        coef, intercept = data["coef"], data["intercept"]
        if coef.shape != (1, n_features) or intercept.shape != (1,):
            raise ModelFileError(f"{path}: coefficients of shape {coef.shape}, expected (1, {n_features})")
        clf.coef_ = coef
        clf.intercept_ = intercept
        clf.classes_ = np.array(expected["clf"]["classes"])
        clf.n_features_in_ = n_features
        return blank, header


def _features(pipeline: dict[str, Any]) -> dict[str, Any]:
    """The parts of a pipeline header that must match for the arrays to mean the same features."""
    out: dict[str, Any] = {
        n: {k: (pipeline.get(n) or {}).get(k) for k in _FEATURE_PARAMS} for n in _VECTORIZERS
    }
    return {**out, "directive": pipeline.get("directive"), "clf": pipeline.get("clf")}


def _open(path: Path) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError as exc:
        raise ModelFileError(f"{path}: no injection model file") from exc
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a readable injection model file ({exc})") from exc


def _header(data: Any) -> dict[str, Any]:
    try:
        header = json.loads(bytes(data["header"]).decode())
    except (KeyError, ValueError) as exc:
        raise ModelFileError(f"unreadable model header ({exc})") from exc
    if header.get("format") != FORMAT or header.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"not a {FORMAT} v{FORMAT_VERSION} file: {header.get('format')!r}")
    return header
