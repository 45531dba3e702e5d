"""Map pabrik errors to one red line and an exit code."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from pabrik.model.errors import ConfigError, PabrikError, PortInUseError

EXIT_CODES = {ConfigError: 2, PortInUseError: 3}


def run_guarded(action: Callable[[], None], *, debug: bool = False) -> None:
    """Run a command body; print pabrik errors plainly and exit with their code."""
    console = Console(stderr=True, highlight=False)
    try:
        action()
    except ConfigError as err:
        if debug:
            console.print_exception()
        console.print(
            f"[red]{escape(err.source)}: {len(err.issues)} problem(s)[/red]", soft_wrap=True
        )
        for issue in err.issues:
            console.print(f"  [red]✗[/red] {escape(str(issue))}", soft_wrap=True)
        raise typer.Exit(2) from err
    except PabrikError as err:
        if debug:
            console.print_exception()
        console.print(f"[red]{escape(err.message)}[/red]", soft_wrap=True)
        raise typer.Exit(EXIT_CODES.get(type(err), 1)) from err
