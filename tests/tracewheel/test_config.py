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
    for derived in (settings.paths.traces_dir, settings.paths.datasets_dir, settings.paths.adapters_dir, settings.paths.models_dir):
        assert derived.parent == tmp_path


def test_toml_file_then_env_override(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[collector]\nhttp_port = 5000\ngrpc_port = 5001\n')
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
