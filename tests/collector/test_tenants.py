"""collector/tenants.py and the ``tenants`` CLI."""

from __future__ import annotations

import json
import os
import time

import pytest
from tracewheel.collector.tenants import (
    TenantResolver,
    create_tenant,
    hash_key,
    list_tenants,
    remove_tenant,
    revoke_key,
)
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


def test_revoked_and_removed_keys_stop_resolving_on_the_next_call(tw_home):
    path = tw_home / "tenants.json"
    acme = create_tenant(path, "acme").api_key
    globex = create_tenant(path, "globex").api_key
    resolver = TenantResolver(path)
    assert resolver.resolve(acme) == "acme"
    # No sleep: the replaced file is a new inode, seen by the very next resolve even within one mtime tick.
    new = revoke_key(path, "acme").api_key
    assert resolver.resolve(acme) is None
    assert resolver.resolve(new) == "acme"
    assert remove_tenant(path, "globex") and not remove_tenant(path, "globex")
    assert resolver.resolve(globex) is None
    assert [t.name for t in list_tenants(path)] == ["acme"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(TracewheelError, match="no tenant"):
        revoke_key(path, "globex")


def test_revoke_key_cli_prints_only_the_new_key(tw_home):
    old = runner.invoke(app, ["tenants", "create", "acme"]).stdout.strip()
    result = runner.invoke(app, ["tenants", "revoke-key", "acme"])
    assert result.exit_code == 0
    new = result.stdout.strip()
    assert new.startswith("tw_") and new != old
    stored = json.loads((tw_home / "tenants.json").read_text())["tenants"][0]
    assert stored["key_sha256"] == hash_key(new)
