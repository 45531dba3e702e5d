from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app

runner = CliRunner()


def _run(tmp_path: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_users_are_added_listed_disabled_reset_and_given_tokens(tmp_path: Path) -> None:
    added = _run(tmp_path, "users", "add", "budi", "--role", "operator")
    assert "budi (operator, default) added" in added
    assert "password: " in added
    assert "budi" in _run(tmp_path, "users", "list")
    token = _run(tmp_path, "users", "token", "--label", "PLC", "--role", "engineer")
    token_id = token.split("id: ")[1].split()[0]
    assert "token: pbk_" in token
    assert "revoked" in _run(tmp_path, "users", "token", "--revoke", token_id)
    assert "/reset?token=" in _run(tmp_path, "users", "reset", "budi")
    assert "disabled" in _run(tmp_path, "users", "disable", "budi")
    assert "disabled" in _run(tmp_path, "users", "list")


def test_tenants_are_added_with_checked_attributes(tmp_path: Path) -> None:
    _run(
        tmp_path,
        "tenants",
        "add",
        "pt-baru",
        "--name",
        "PT Baru",
        "--kbli",
        "22220",
        "--province",
        "jawa tengah",
        "--size",
        "small",
    )
    assert "Jawa Tengah" in _run(tmp_path, "tenants", "list")
    bad = runner.invoke(
        app, ["tenants", "add", "x", "--name", "X", "--kbli", "99999", "--data-dir", str(tmp_path)]
    )
    assert bad.exit_code == 1
    assert "KBLI" in bad.output


def test_a_role_without_a_company_refuses_a_tenant(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "add",
            "ana",
            "--role",
            "analyst",
            "--tenant",
            "default",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
