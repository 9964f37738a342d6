"""Shared fixtures for collector tests: a temp TRACEWHEEL_HOME and a real collector running as a subprocess.

Reuse from other collector tests::

    def test_x(collector):                       # a running collector with tenants "acme" and "globex"
        collector.post("/v1/traces", body, key=collector.keys["acme"], content_type="application/json")
        collector.spans("acme")                   # rows in Parquet + WAL (unflushed) for that tenant

Helpers (``CollectorProcess`` to kill/restart, ``free_port``, ``read_all``, ``SAMPLES``) live in
``_collector_harness.py``: ``from _collector_harness import CollectorProcess``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _collector_harness import CollectorProcess, running_collector

ACME_AND_GLOBEX = ("acme", "globex")


@pytest.fixture
def tw_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    return home


@pytest.fixture
def collector(tw_home: Path) -> Iterator[CollectorProcess]:
    """A running collector with tenants ``acme`` and ``globex`` (keys in ``collector.keys``)."""
    with running_collector(tw_home, ACME_AND_GLOBEX) as proc:
        yield proc


@pytest.fixture(scope="module")
def shared_collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    """One collector per test module (cheaper); tests must not depend on each other's data."""
    with running_collector(tmp_path_factory.mktemp("home"), ACME_AND_GLOBEX) as proc:
        yield proc
