"""``pabrik users`` and ``pabrik tenants``: accounts on the command line (no e-mail needed)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DEMO_CONFIG, ConfigOpt, DatabaseUrlOpt, DataDirOpt
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.credentials import new_secret
from pabrik.runtime.accounts.directory import CLI_ACTOR
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings

app = typer.Typer(help="People, their roles and API tokens.", no_args_is_help=True)
tenants_app = typer.Typer(help="Companies (tenants).", no_args_is_help=True)

RoleOpt = Annotated[Role, typer.Option(help="company_admin, engineer, operator, assessor, ...")]
TenantOpt = Annotated[str | None, typer.Option(help="Tenant id (company roles and tokens).")]


@contextmanager
def _accounts(config: Path, data_dir: Path, database_url: str) -> Iterator[Accounts]:
    settings = Settings(config=config, data_dir=data_dir, database_url=database_url)
    runtime = build_runtime(settings)
    try:
        yield build_accounts(runtime)
    finally:
        runtime.close()


def _run(config: Path, data_dir: Path, database_url: str, body: Callable[[Accounts], None]) -> None:
    def action() -> None:
        with _accounts(config, data_dir, database_url) as accounts:
            body(accounts)

    run_guarded(action)


def _password(given: bool) -> tuple[str, bool]:
    """The password from stdin when asked, else a new random one to print once."""
    if given:
        return sys.stdin.readline().rstrip("\n"), False
    return new_secret()[:20], True


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: RoleOpt = Role.OPERATOR,
    tenant: TenantOpt = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Add a person; without --password-stdin a random password is printed once."""
    password, generated = _password(password_stdin)

    def body(accounts: Accounts) -> None:
        home = tenant or (accounts.site_tenant if role in COMPANY_ROLES else None)
        accounts.create_user(
            None,
            username=username,
            password=password,
            role=role,
            tenant_id=home,
            display_name=name,
        )
        typer.echo(f"{username} ({role.value}, {home or '-'}) added")
        if generated:
            typer.echo(f"password: {password}")

    _run(config, data_dir, database_url, body)


@app.command("list")
def list_(
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Everyone who can log in, with role, tenant and status."""

    def body(accounts: Accounts) -> None:
        table = Table("user", "role", "tenant", "status", "name")
        for u in accounts.all_users():
            status = "disabled" if u.disabled else "active"
            table.add_row(u.username, u.role, u.tenant_id or "-", status, u.display_name)
        Console().print(table)

    _run(config, data_dir, database_url, body)


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="Login name.")],
    enable: Annotated[bool, typer.Option(help="Enable again instead.")] = False,
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Disable a person (their sessions end at once), or enable them again."""

    def body(accounts: Accounts) -> None:
        accounts.update_user(None, accounts.user_named(username), disabled=not enable)
        typer.echo(f"{username} {'enabled' if enable else 'disabled'}")

    _run(config, data_dir, database_url, body)


@app.command("reset")
def reset(
    username: Annotated[str, typer.Argument(help="Login name.")],
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Print a one-time password reset token (valid 24 hours) to give to the person."""

    def body(accounts: Accounts) -> None:
        token = accounts.issue_reset(CLI_ACTOR, accounts.user_named(username))
        typer.echo(f"open /reset?token={token} on the dashboard (once, within 24 hours)")

    _run(config, data_dir, database_url, body)


@app.command("token")
def token(
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    role: RoleOpt = Role.OPERATOR,
    tenant: TenantOpt = None,
    revoke: Annotated[str | None, typer.Option(help="Revoke the token with this id.")] = None,
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Make an API token for one tenant and role (printed once), or revoke one."""

    def body(accounts: Accounts) -> None:
        if revoke:
            accounts.revoke_token(None, revoke)
            typer.echo(f"token {revoke} revoked")
            return
        if not label:
            raise InvalidRequestError("give the token a --label", reason="bad_label")
        made = accounts.create_token(
            None, label=label, role=role, tenant_id=tenant or accounts.site_tenant
        )
        typer.echo(f"id: {made.record.id}")
        typer.echo(f"token: {made.secret}")

    _run(config, data_dir, database_url, body)


@app.command("assign")
def assign(
    username: Annotated[str, typer.Argument(help="An assessor's login name.")],
    tenant: Annotated[str, typer.Argument(help="The company they verify.")],
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Let an assessor verify a company's assessments."""

    def body(accounts: Accounts) -> None:
        accounts.assign(CLI_ACTOR, accounts.user_named(username), tenant)
        typer.echo(f"{username} assigned to {tenant}")

    _run(config, data_dir, database_url, body)


@tenants_app.command("add")
def tenants_add(
    tenant_id: Annotated[str, typer.Argument(help="Short id: letters, digits, - and _.")],
    name: Annotated[str, typer.Option(help="Company name.")],
    nib: Annotated[str | None, typer.Option(help="Registration number (13 digits).")] = None,
    kbli: Annotated[str | None, typer.Option(help="5-digit KBLI code.")] = None,
    province: Annotated[str | None, typer.Option(help="Province name.")] = None,
    size: Annotated[str, typer.Option(help="small, medium or large.")] = "medium",
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Add a company."""

    def body(accounts: Accounts) -> None:
        accounts.create_tenant(
            CLI_ACTOR,
            tenant_id=tenant_id,
            name=name,
            registration_no=nib,
            kbli=kbli,
            province=province,
            size=size,
        )
        typer.echo(f"{tenant_id} added")

    _run(config, data_dir, database_url, body)


@tenants_app.command("list")
def tenants_list(
    config: ConfigOpt = DEMO_CONFIG,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
) -> None:
    """Every company."""

    def body(accounts: Accounts) -> None:
        table = Table("id", "name", "NIB", "KBLI", "province", "size")
        for t in accounts.tenants():
            table.add_row(
                t.id, t.name, t.registration_no or "", t.kbli or "", t.province or "", t.size
            )
        Console().print(table)

    _run(config, data_dir, database_url, body)
