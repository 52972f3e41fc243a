"""Opening the runtime for a command, and reporting errors the same way everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy.exc
import typer
from pydantic import ValidationError
from rich.console import Console

from jifen.config import Settings
from jifen.errors import JifenError
from jifen.reports.error_sentences import sentence_for
from jifen.runtime import Runtime

P = ParamSpec("P")
R = TypeVar("R")

# soft_wrap: long lines (paths, tokens, messages) stay whole when the output is a pipe or a file; so do tables,
# laid out that wide there (a terminal's own width otherwise): Rich would take 80 columns and cut their cells.
PIPED_WIDTH = 200
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def opened(*, upgrade: bool = True) -> Iterator[Runtime]:
    runtime = Runtime.open(Settings(), upgrade=upgrade)
    try:
        yield runtime
    finally:
        runtime.close()


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a JifenError into a message on stderr and exit status 1 (2 for bad input)."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except JifenError as exc:
            print(f"错误 error: {exc.message}", file=sys.stderr)
            sentence = sentence_for(exc.message)
            if sentence:
                print(f"  {sentence}", file=sys.stderr)
            for detail in exc.details[1:20]:
                text = str(detail.get("message", detail))
                if text not in exc.message:
                    where = detail.get("path")
                    said = f"{where}: {text}" if where and not text.startswith(str(where)) else text
                    print(f"  - {said}", file=sys.stderr)
            raise typer.Exit(2 if exc.status in {400, 413, 422} else 1) from None
        except ValidationError as exc:
            if exc.title != Settings.__name__:
                raise
            for error in exc.errors():  # a setting from the environment (JIFEN_*) or .env
                name = "JIFEN_" + "_".join(str(part) for part in error["loc"]).upper()
                message = error["msg"].removeprefix("Value error, ")
                print(f"错误 error: setting {name}: {message}", file=sys.stderr)
            raise typer.Exit(2) from None
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as exc:  # the store cannot be used
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            print(f"错误 error: the database cannot be used ({reason}); JIFEN_DATABASE_URL names it", file=sys.stderr)
            raise typer.Exit(1) from None
        except sqlalchemy.exc.ArgumentError as exc:
            print(f"错误 error: JIFEN_DATABASE_URL is not a database URL ({exc})", file=sys.stderr)
            raise typer.Exit(2) from None
        except OSError as exc:  # a file or folder named on the command line or in a setting
            where = f" {exc.filename}" if exc.filename else ""
            print(f"错误 error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
            raise typer.Exit(1) from None

    return wrapper
