"""The bulletin as one self-contained HTML page (styles inline, no links out): the preview in a browser."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

MEDIA_TYPE = "text/html; charset=utf-8"
TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(blocks: list[dict[str, Any]]) -> str:
    """The page for ``bulletin_text.blocks``: one paragraph per block, classed by its kind."""
    head = {b["kind"]: b["text"] for b in blocks if b["kind"] in ("head", "title")}
    template = _environment().get_template("bulletin.html.j2")
    return template.render(blocks=blocks, issuer=head.get("head", ""), title=head.get("title", ""))
