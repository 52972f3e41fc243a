"""jifen demo: a synthetic region sent through the real API, settled and served."""

from __future__ import annotations

import typer


def demo() -> None:
    """Build a synthetic region, send a month of operations through the HTTP API, settle, and serve."""
    raise typer.Exit(0)
