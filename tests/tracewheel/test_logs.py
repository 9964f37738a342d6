"""tracewheel.core.logs: one set-up for every process; ours at the configured level, others at WARNING."""

import logging
from collections.abc import Iterator

import pytest

from tracewheel.core.logs import current_level, level_number, setup_logging


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root, ours = logging.getLogger(), logging.getLogger("tracewheel")
    saved = (list(root.handlers), root.level, ours.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    ours.setLevel(saved[2])


def test_our_debug_records_pass_and_library_debug_does_not(restore_logging: None) -> None:
    handler = _Collect()
    setup_logging("debug", handler)
    logging.getLogger("tracewheel.collector.server").debug("ours")
    logging.getLogger("urllib3").debug("theirs")
    logging.getLogger("urllib3").warning("their warning")
    assert [r.getMessage() for r in handler.records] == ["ours", "their warning"]
    assert current_level() == "DEBUG"


def test_setting_up_again_replaces_the_handler(restore_logging: None) -> None:
    first, second = _Collect(), _Collect()
    setup_logging("INFO", first)
    setup_logging("ERROR", second)
    logging.getLogger("tracewheel.x").warning("quiet")
    logging.getLogger("tracewheel.x").error("loud")
    assert first.records == [] and [r.getMessage() for r in second.records] == ["loud"]
    assert current_level() == "ERROR"


def test_level_names() -> None:
    assert level_number("warning") == logging.WARNING and level_number(10) == 10
    with pytest.raises(ValueError, match="unknown log level"):
        level_number("chatty")


def test_the_flusher_process_is_told_the_level_of_its_parent(restore_logging: None, tmp_path) -> None:
    from tracewheel.collector import flusher
    from tracewheel.collector.segments import FlushConfig

    setup_logging("INFO", _Collect())
    config = FlushConfig(
        flush_interval_s=0.05,
        retention_hours=0,
        compaction_min_files=8,
        compaction_small_file_bytes=1 << 20,
        compaction_settle_s=60,
    )
    proc = flusher.spawn(tmp_path, config)
    try:
        assert proc.args[-1] == "INFO"
    finally:
        flusher.stop(proc, timeout=30)
    assert proc.returncode == 0
