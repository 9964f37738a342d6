"""`tracewheel schedule` as a user runs it: clear one-line errors, and the real service running a real cycle when
new episodes arrived, then stopping cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

import pytest
from _cli_process import one_line_error, run_tracewheel
from _schedule_home import write_episodes
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import Settings
from tracewheel.core.errors import TracewheelError
from tracewheel.loop import store
from tracewheel.loop.triggers import watermark_file
from tracewheel.schedule.records import Event, read_records


def test_bad_cron_is_a_one_line_error_naming_it(tmp_path):
    proc = run_tracewheel(tmp_path, "schedule", "--cron", "0 3 * *")
    assert one_line_error(proc) == (
        "error: invalid cron expression '0 3 * *' (--cron): expected 5 fields (minute hour day month weekday), "
        "got 4"
    )


def test_no_trigger_is_an_error(tmp_path):
    result = CliRunner().invoke(
        app, ["schedule", "--poll-seconds", "5"], env={"TRACEWHEEL_HOME": str(tmp_path)}
    )
    assert isinstance(result.exception, TracewheelError)
    assert str(result.exception).startswith("nothing to schedule: give --cron and/or --min-new-episodes")
    result = CliRunner().invoke(
        app,
        ["schedule", "--min-new-episodes", "1", "--tenant", "../etc"],
        env={"TRACEWHEEL_HOME": str(tmp_path)},
    )
    assert isinstance(result.exception, TracewheelError) and "--tenant" in str(result.exception)


def start_service(home, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TRACEWHEEL_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "tracewheel", "schedule", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_record(service: subprocess.Popen, home, event: Event, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not any(r.event is event for r in read_records(home / "cycles")):
        assert service.poll() is None, service.communicate()
        assert time.monotonic() < deadline, f"no {event} record"
        time.sleep(0.1)


def test_an_idle_service_stops_on_ctrl_c_with_exit_0(tmp_path):
    service = start_service(tmp_path, "--cron", "0 3 * * *", "--tenant", "acme")
    try:
        wait_for_record(service, tmp_path, Event.SERVICE_STARTED, 60)
        service.send_signal(signal.SIGINT)
        _, stderr = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, stderr
    started, stopped = read_records(tmp_path / "cycles")
    assert "cron '0 3 * * *'; tenants acme; next cron run " in started.detail
    assert (stopped.event, stopped.detail) == (Event.SERVICE_STOPPED, "stopped by SIGINT; 0 cycles run")
    assert "SIGINT: stopping" in stderr and "Traceback" not in stderr


@pytest.mark.slow  # the cycle's curate step loads the redaction engines in a fresh process
def test_the_service_runs_a_real_cycle_on_new_episodes_and_stops_on_sigterm(tmp_path):
    write_episodes(tmp_path, "acme", 2)
    service = start_service(tmp_path, "--min-new-episodes", "1", "--poll-seconds", "0.5")
    settings = Settings(home=tmp_path)
    try:
        wait_for_record(service, tmp_path, Event.FINISHED, 240)
        time.sleep(1.5)  # three more checks: the cycle's curation moved the watermark, nothing is new
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, stderr
    records = read_records(settings.paths.cycles_dir)
    assert [r.event for r in records] == [
        Event.SERVICE_STARTED,
        Event.STARTED,
        Event.FINISHED,
        Event.SERVICE_STOPPED,
    ]
    done = records[2]
    assert (done.tenant, done.trigger, done.outcome) == ("acme", "new_episodes", "no_data")
    cycle = store.load_cycle(settings.paths.cycles_dir, "acme", done.cycle_id)
    assert (cycle.trigger, cycle.outcome) == ("new_episodes", "no_data")
    assert watermark_file(
        settings.paths.datasets_dir, "acme"
    ).exists()  # where the count reads the curator's mark
    assert records[3].detail == "stopped by SIGTERM; 1 cycles run"
    assert f"finished  acme  new_episodes  {done.cycle_id}  no_data" in stderr
    assert "Traceback" not in stderr
