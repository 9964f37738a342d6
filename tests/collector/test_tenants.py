"""collector/tenants.py and the ``tenants`` CLI."""

from __future__ import annotations

import json
import os
import time

import pytest
from tracewheel.collector.tenants import TenantResolver, create_tenant, hash_key, list_tenants
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError

runner = CliRunner()


def test_create_and_list_with_json(tw_home):
    result = runner.invoke(app, ["tenants", "create", "acme", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["name"] == "acme" and created["api_key"].startswith("tw_") and len(created["api_key"]) > 30

    result = runner.invoke(app, ["tenants", "list", "--json"])
    assert result.exit_code == 0
    assert [t["name"] for t in json.loads(result.stdout)] == ["acme"]

    stored = (tw_home / "tenants.json").read_text()
    assert created["api_key"] not in stored
    assert hash_key(created["api_key"]) in stored


def test_duplicate_and_invalid_names_are_refused(tw_home):
    path = tw_home / "tenants.json"
    create_tenant(path, "acme")
    with pytest.raises(TracewheelError, match="already exists"):
        create_tenant(path, "acme")
    for bad in ["", "Acme", "-acme", "a" * 64, "ac me", "../x", "ac/me"]:
        with pytest.raises(TracewheelError, match="invalid tenant name"):
            create_tenant(path, bad)
    assert [t.name for t in list_tenants(path)] == ["acme"]


def test_cli_error_is_one_line_and_exit_1(tw_home):
    import subprocess
    import sys

    env = {**os.environ, "TRACEWHEEL_HOME": str(tw_home)}
    cmd = [sys.executable, "-m", "tracewheel", "tenants", "create", "acme"]
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 1
    assert "already exists" in again.stderr and len(again.stderr.strip().splitlines()) == 1


def test_resolver_picks_up_tenants_created_later(tw_home):
    path = tw_home / "tenants.json"
    acme = create_tenant(path, "acme").api_key
    resolver = TenantResolver(path, recheck_s=3600)
    assert resolver.resolve(acme) == "acme"
    assert resolver.resolve_header(f"Bearer {acme}") == "acme"
    assert resolver.resolve_header(f"Basic {acme}") is None
    assert resolver.resolve("tw_nope") is None and resolver.resolve(None) is None
    time.sleep(0.01)  # a distinct mtime
    globex = create_tenant(path, "globex").api_key
    # An unknown key forces a re-read, so the new tenant works without waiting for the recheck interval.
    assert resolver.resolve(globex) == "globex"
    assert resolver.resolve(acme) == "acme"
