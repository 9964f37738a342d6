"""Build curator/screening/data/injection_model.npz: the injection classifier, fitted on the shipped corpus.

The corpus files beside it are the source of truth; the model file is derived from them and committed so that no
``curate`` trains (about a minute and 1 GB) or writes a cache. Training is deterministic (fixed seed, lbfgs), so
``python -m benchmarks.data.make_injection_model`` rebuilds the same model from the same corpus, which
``tests/curator/screening/test_shipped_model.py`` checks. Run it after any change to the corpus or the features.
"""

from __future__ import annotations

import time

from tracewheel.curator.screening.injection_model import SHIPPED_MODEL_PATH, build_shipped


def main() -> None:
    t0 = time.perf_counter()
    model = build_shipped(SHIPPED_MODEL_PATH)
    size = SHIPPED_MODEL_PATH.stat().st_size
    print(
        f"wrote {SHIPPED_MODEL_PATH} ({size / 1e6:.2f} MB, corpus {model.corpus_hash}) "
        f"in {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
