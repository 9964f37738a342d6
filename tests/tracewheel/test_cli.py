"""The CLI edge: one-line errors, non-zero exits, every stage's commands present."""

from pathlib import Path

from _cli_process import one_line_error, run_tracewheel


def test_every_stage_registers_its_commands(tmp_path: Path) -> None:
    out = run_tracewheel(tmp_path, "--help").stdout
    for command in (
        "tenants",
        "collector",
        "episodes",
        "traces",
        "curate",
        "datasets",
        "redact",
        "screen",
        "train",
        "adapters",
        "verify",
    ):
        assert command in out, command


def test_tracewheel_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    proc = run_tracewheel(tmp_path, "episodes", "show", "no-such-episode")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:")


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector]\nhttp_port = -3\n")
    proc = run_tracewheel(tmp_path, "tenants", "list", "--json")
    assert proc.returncode == 1
    assert "collector.http_port" in proc.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    proc = run_tracewheel(tmp_path, "no-such-command")
    assert proc.returncode == 2


def test_log_level_comes_from_settings(tmp_path: Path) -> None:
    line = one_line_error(run_tracewheel(tmp_path, "tenants", "list", env={"TRACEWHEEL_LOG_LEVEL": "chatty"}))
    assert "log_level" in line and "TRACEWHEEL_LOG_LEVEL" in line


def test_tenants_list_rows_go_to_stdout_whole(tmp_path: Path) -> None:
    long_name = "t" * 63
    assert run_tracewheel(tmp_path, "tenants", "create", long_name).returncode == 0
    assert run_tracewheel(tmp_path, "tenants", "create", "acme").returncode == 0
    proc = run_tracewheel(tmp_path, "tenants", "list", columns=None)
    assert proc.returncode == 0 and proc.stderr == ""
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == [long_name, "acme"]


def test_the_api_key_alone_goes_to_stdout(tmp_path: Path) -> None:
    proc = run_tracewheel(tmp_path, "tenants", "create", "acme")
    assert proc.returncode == 0 and proc.stdout.strip().startswith("tw_") and len(proc.stdout.split()) == 1
    assert "created tenant acme" in proc.stderr
