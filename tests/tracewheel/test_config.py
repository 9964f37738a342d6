"""Settings: defaults, TOML file, TRACEWHEEL_* overrides, and clear errors."""

from pathlib import Path

import pytest

from tracewheel.config import load_settings
from tracewheel.core.errors import TracewheelError


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    settings = load_settings({"TRACEWHEEL_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.collector.http_port == 4318
    assert settings.collector.grpc_port == 4317
    for derived in (
        settings.paths.traces_dir,
        settings.paths.datasets_dir,
        settings.paths.adapters_dir,
        settings.paths.models_dir,
    ):
        assert derived.parent == tmp_path


def test_toml_file_then_env_override(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector]\nhttp_port = 5000\ngrpc_port = 5001\n")
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_COLLECTOR__GRPC_PORT": "6001"}
    settings = load_settings(env)
    assert settings.collector.http_port == 5000
    assert settings.collector.grpc_port == 6001


def test_explicit_config_path(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[collector]\nhost = "0.0.0.0"\n')
    settings = load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_CONFIG": str(cfg)})
    assert settings.collector.host == "0.0.0.0"


def test_invalid_value_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(TracewheelError, match="collector.http_port"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_COLLECTOR__HTTP_PORT": "not-a-port"})


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector\n")
    with pytest.raises(TracewheelError, match="not valid TOML"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})


def test_precedence_is_env_then_toml_then_default(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[collector]\nhost = "0.0.0.0"\nhttp_port = 5000\n')
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_COLLECTOR__HTTP_PORT": "6000"}
    settings = load_settings(env)
    assert settings.collector.http_port == 6000  # env beats the file
    assert settings.collector.host == "0.0.0.0"  # the file beats the default
    assert settings.collector.grpc_port == 4317  # the default where neither says


def test_nested_env_override_reaches_a_sub_section(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[curator.screening]\nthreshold = 0.4\n")
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_CURATOR__SCREENING__THRESHOLD": "0.25"}
    settings = load_settings(env)
    assert settings.curator.screening.threshold == 0.25
    assert settings.curator.redaction == load_settings({"TRACEWHEEL_HOME": str(tmp_path)}).curator.redaction


def test_given_environ_is_used_instead_of_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEWHEEL_COLLECTOR__HTTP_PORT", "7000")
    monkeypatch.setenv("TRACEWHEEL_LOG_LEVEL", "DEBUG")
    settings = load_settings({"TRACEWHEEL_HOME": str(tmp_path)})
    assert settings.collector.http_port == 4318 and settings.log_level == "WARNING"
    assert load_settings().collector.http_port == 7000


def test_log_level_is_a_setting(tmp_path: Path) -> None:
    assert (
        load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_LOG_LEVEL": "debug"}).log_level
        == "DEBUG"
    )
    (tmp_path / "config.toml").write_text('log_level = "info"\n')
    assert load_settings({"TRACEWHEEL_HOME": str(tmp_path)}).log_level == "INFO"
    with pytest.raises(TracewheelError, match=r"log_level.*from TRACEWHEEL_LOG_LEVEL"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_LOG_LEVEL": "chatty"})


def test_unknown_key_in_a_toml_section_is_named_with_its_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[collector]\nretention_hour = 24\n")
    with pytest.raises(TracewheelError, match=rf"unknown setting collector\.retention_hour \(in {config}\)"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})


def test_unknown_top_level_and_deeply_nested_toml_keys_are_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("retention_hours = 24\n")
    with pytest.raises(TracewheelError, match=r"unknown setting retention_hours "):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})
    config.write_text("[curator.screening]\nthreshhold = 0.5\n")
    with pytest.raises(TracewheelError, match=r"unknown setting curator\.screening\.threshhold"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})


def test_unknown_key_in_env_is_named_with_its_variable(tmp_path: Path) -> None:
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_COLLECTOR__RETENTION_HOUR": "24"}
    with pytest.raises(
        TracewheelError,
        match=r"unknown setting collector\.retention_hour \(from TRACEWHEEL_COLLECTOR__RETENTION_HOUR\)",
    ):
        load_settings(env)


def test_other_tracewheel_variables_are_not_settings(tmp_path: Path) -> None:
    # TRACEWHEEL_TENANT (a CLI option's envvar) and TRACEWHEEL_CONFIG share the prefix without being fields.
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_TENANT": "acme", "TRACEWHEEL_DEMO_STEPS": "3"}
    assert load_settings(env).home == tmp_path


def test_missing_config_file_named_by_env_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(TracewheelError, match=rf"{missing} \(from TRACEWHEEL_CONFIG\) does not exist"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_CONFIG": str(missing)})
    with pytest.raises(TracewheelError, match="does not exist"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)}, config_file=missing)


def test_missing_default_config_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings({"TRACEWHEEL_HOME": str(tmp_path / "fresh")}).collector.http_port == 4318


def test_non_utf8_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_bytes(b'[collector]\nhost = "caf\xe9"\n')
    with pytest.raises(TracewheelError, match="not UTF-8"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})


def test_directory_as_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TracewheelError, match="is a directory"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_CONFIG": str(tmp_path)})
    (tmp_path / "config.toml").mkdir()
    with pytest.raises(TracewheelError, match="is a directory"):
        load_settings({"TRACEWHEEL_HOME": str(tmp_path)})


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_settings({"TRACEWHEEL_HOME": "~/tw"}).home == tmp_path / "tw"
