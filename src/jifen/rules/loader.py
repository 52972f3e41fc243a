"""Load rule sets from YAML files: the ones shipped in the package, or any file given."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from jifen.errors import RuleSetError
from jifen.rules.schema import RuleSet


@dataclass(frozen=True)
class LoadedRuleSet:
    rules: RuleSet
    sha256: str
    content: str = ""

    @property
    def name(self) -> str:
        return self.rules.name

    @property
    def version(self) -> int:
        return self.rules.version


@lru_cache(maxsize=1)
def shipped_names() -> list[str]:
    """The rule sets shipped with Jifen (files of the installed package: they do not change while it runs)."""
    folder = resources.files("jifen.rules") / "sets"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


@lru_cache(maxsize=16)
def load_shipped(name: str) -> LoadedRuleSet:
    resource = resources.files("jifen.rules") / "sets" / f"{name}.yaml"
    if not resource.is_file():
        known = ", ".join(shipped_names())
        raise RuleSetError(f"unknown rule set {name!r}; shipped: {known}")
    return parse(resource.read_bytes(), source=f"{name}.yaml")


def load_file(path: Path) -> LoadedRuleSet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleSetError(f"{path}: cannot read rule file ({exc.strerror})") from exc
    return parse(data, source=str(path))


def parse(data: bytes, *, source: str) -> LoadedRuleSet:
    try:
        data.decode("utf-8")
        raw = yaml.safe_load(data)
    except UnicodeDecodeError as exc:
        raise RuleSetError(f"{source}: a rule file is UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise RuleSetError(f"{source}: a rule file is a mapping with name, version, indicators and apps")
    # Top-level keys starting with "x-" hold YAML anchors shared by several entries.
    raw = {k: v for k, v in raw.items() if not str(k).startswith("x-")}
    try:
        rules = RuleSet.model_validate(raw)
    except ValidationError as exc:
        problems = [
            {"path": _path(err["loc"]), "message": err["msg"]} for err in exc.errors(include_url=False)
        ]
        first = problems[0]
        raise RuleSetError(
            f"{source}: {first['path'] or '(top)'}: {first['message']}", details=problems
        ) from exc
    return LoadedRuleSet(rules=rules, sha256=hashlib.sha256(data).hexdigest(), content=data.decode("utf-8"))


_KIND_TAGS = {"at_least", "between", "one_of", "equals", "present", "unique_content", "first_of_year",
              "all", "any"}


def _path(loc: tuple[object, ...]) -> str:
    """A readable path such as ``apps[0].actions[1].qualifies.value`` (union tags left out)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _KIND_TAGS:
            out += f".{part}" if out else str(part)
    return out
