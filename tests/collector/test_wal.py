"""collector/wal.py: framing, torn tails, group commit, backpressure, write failures."""

from __future__ import annotations

import errno
import os
import threading
import time

import pytest
from tracewheel.collector import wal
from tracewheel.collector.wal import QueueFull, Signal, WalWriteError, WalWriter


def test_records_round_trip_and_a_torn_tail_is_truncated(tmp_path):
    directory = wal.wal_dir(tmp_path)
    directory.mkdir(parents=True)
    records = [
        (Signal.TRACES, "acme", 1, b"a" * 100),
        (Signal.LOGS, "globex", 2, b""),
        (Signal.FEEDBACK, "acme", 3, b"{}"),
    ]
    data = b"".join(wal.encode_record(*r) for r in records)
    path = wal.segment_path(directory, 1)
    path.write_bytes(data + wal.encode_record(Signal.TRACES, "acme", 4, b"x" * 50)[:-7])

    decoded, valid, size = wal.read_segment(path)
    assert [(r.signal, r.tenant, r.received_at_unix_nano, r.payload) for r in decoded] == records
    assert valid == len(data) < size

    assert wal.recover(directory) == 2
    assert path.stat().st_size == len(data)


def test_short_writes_are_completed(tmp_path, monkeypatch):
    real_writev = os.writev
    monkeypatch.setattr(wal.os, "writev", lambda fd, bufs: real_writev(fd, [bytes(bufs[0])[:3]]))
    path = tmp_path / "f"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    wal._write_all(fd, [b"hello", b"", b"world" * 100])
    os.close(fd)
    assert path.read_bytes() == b"hello" + b"world" * 100


def test_a_corrupted_record_ends_the_segment(tmp_path):
    first = wal.encode_record(Signal.TRACES, "acme", 1, b"one")
    second = bytearray(wal.encode_record(Signal.TRACES, "acme", 2, b"two"))
    second[-1] ^= 0xFF
    records, valid = wal.scan(first + bytes(second) + wal.encode_record(Signal.TRACES, "acme", 3, b"three"))
    assert [r.payload for r in records] == [b"one"] and valid == len(first)


def test_group_commit_one_fsync_covers_many_requests(tmp_path, monkeypatch):
    real_fsync = os.fsync
    fsyncs = []

    def counting_fsync(fd):
        fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(wal.os, "fsync", counting_fsync)
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    fsyncs.clear()
    futures = []
    barrier = threading.Barrier(16)

    def submit(i):
        barrier.wait()
        for j in range(25):
            futures.append(writer.submit(Signal.TRACES, "acme", i * 100 + j, f"{i}-{j}".encode()))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futures:
        f.result(timeout=10)
    writer.close()
    assert len(futures) == 400
    assert len(fsyncs) < 400  # groups, not one fsync per request
    payloads = {r[2] for r in wal.unflushed(tmp_path)["traces"]}
    assert payloads == {f"{i}-{j}".encode() for i in range(16) for j in range(25)}


def test_queue_bound_refuses_instead_of_buffering(tmp_path):
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=2048)
    writer.submit(Signal.TRACES, "acme", 1, b"x" * 1500).result(timeout=5)
    with pytest.raises(QueueFull):
        writer.submit(Signal.TRACES, "acme", 2, b"x" * 1500)
    # The flusher catches up: it says so only through the checkpoint file.
    wal.write_checkpoint(writer.directory, writer.seal())
    time.sleep(0.06)
    writer.submit(Signal.TRACES, "acme", 3, b"x" * 1500).result(timeout=5)
    writer.close()


def test_check_room_refuses_what_would_not_fit_without_queueing_anything(tmp_path):
    # What a receiver asks before decoding a body: a full WAL refuses before any work on the request.
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=2048)
    writer.check_room(1500)
    writer.submit(Signal.TRACES, "acme", 1, b"x" * 1000).result(timeout=5)
    writer.check_room(900)
    with pytest.raises(QueueFull):
        writer.check_room(1500)
    assert writer.unflushed_bytes < 1100  # asking queued nothing
    wal.write_checkpoint(writer.directory, writer.seal())
    time.sleep(0.06)
    writer.check_room(1500)
    writer.close()


def test_one_writer_per_wal(tmp_path):
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    with pytest.raises(wal.WalLocked):
        WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    writer.close()
    WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30).close()


def test_segments_are_sealed_by_size_and_age(tmp_path):
    writer = WalWriter(tmp_path, segment_bytes=4096, max_queue_bytes=1 << 30, rotate_after_s=0.1)
    first = writer.current_seq
    writer.submit(Signal.TRACES, "acme", 1, b"x" * 5000).result(timeout=5)
    time.sleep(0.05)
    assert writer.current_seq == first + 1  # over segment_bytes: sealed at once
    writer.submit(Signal.TRACES, "acme", 2, b"small").result(timeout=5)
    time.sleep(0.3)
    assert writer.current_seq == first + 2  # sealed by age
    writer.close()


def test_a_failed_write_fails_its_requests_and_leaves_no_garbage(tmp_path, monkeypatch):
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    writer.submit(Signal.TRACES, "acme", 1, b"kept").result(timeout=5)
    real_writev = os.writev
    state = {"fail": True}

    def disk_full(fd, buffers):
        if state["fail"]:
            os.write(fd, bytes(buffers[0])[:5])  # a partial write, as a filling disk does
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_writev(fd, buffers)

    monkeypatch.setattr(wal.os, "writev", disk_full)
    with pytest.raises(WalWriteError, match="No space"):
        writer.submit(Signal.TRACES, "acme", 2, b"lost").result(timeout=5)
    state["fail"] = False
    writer.submit(Signal.TRACES, "acme", 3, b"after").result(timeout=5)
    writer.close()
    assert [r[2] for r in wal.unflushed(tmp_path)["traces"]] == [b"kept", b"after"]


def test_checkpoint_hides_flushed_segments_and_recover_drops_them(tmp_path):
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    writer.submit(Signal.TRACES, "acme", 1, b"old").result(timeout=5)
    sealed = writer.seal()
    writer.submit(Signal.TRACES, "acme", 2, b"new").result(timeout=5)
    wal.write_checkpoint(writer.directory, sealed)
    assert [r[2] for r in wal.unflushed(tmp_path)["traces"]] == [b"new"]
    writer.close()
    wal.recover(wal.wal_dir(tmp_path))
    assert sealed not in wal.list_segments(wal.wal_dir(tmp_path))
