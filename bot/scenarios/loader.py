"""Loading scenario files, with errors a trainer can act on (file, field, what is wrong)."""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Iterable

import yaml
from pydantic import ValidationError

from bot.scenarios.model import Scenario

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "scenarios"


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names the file and the fields."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems))


class UnknownScenario(KeyError):
    def __init__(self, scenario_id: str, known: Iterable[str]):
        self.scenario_id = scenario_id
        self.known = sorted(known)
        super().__init__(scenario_id)

    def __str__(self) -> str:
        return f"no scenario '{self.scenario_id}'; available: {', '.join(self.known)}"


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if part == "__root__":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except OSError as e:
        raise ScenarioError(path, [f"cannot read: {e.strerror}"]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError(path, [f"not UTF-8 text (byte {e.start})"]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioError(path, [f"not valid YAML{where}: {getattr(e, 'problem', e)}"]) from None
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as e:
        # PyYAML's own constructors fail so on some tagged values ("!!timestamp 0000-0-0")
        raise ScenarioError(path, [f"not valid YAML: a value cannot be read ({e})"]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(path, ["expected a mapping of scenario fields at the top level"])
    odd = [k for k in raw if not isinstance(k, str)]
    if odd:
        raise ScenarioError(path, [f"field names must be text, not {odd[0]!r}"])
    try:
        return Scenario.parse_obj(raw)
    except ValidationError as e:
        raise ScenarioError(
            path, [f"{_field_path(err['loc'])}: {err['msg']}" for err in e.errors()]
        ) from None
    except (TypeError, KeyError, AttributeError, IndexError, RecursionError) as e:
        # a shape no validator expected (a list where a mapping goes, deep in the file)
        raise ScenarioError(path, [f"the file's structure cannot be read ({type(e).__name__}: {e})"]) from None


def scenario_files(directory: Path | str | None = None) -> list[Path]:
    directory = Path(directory or os.environ.get("PMO_TUTOR_SCENARIOS", DEFAULT_DIR))
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


@functools.lru_cache(maxsize=4)
def _library(directory: str) -> dict[str, Scenario]:
    scenarios: dict[str, Scenario] = {}
    for path in scenario_files(directory):
        s = load_scenario(path)
        if s.id in scenarios:
            raise ScenarioError(path, [f"id: '{s.id}' is already used by another file"])
        scenarios[s.id] = s
    return scenarios


# Where imported scenarios come from (the progress store sets it): a function giving them by id.
_imported: list = [None]


def use_imported(source) -> None:
    """Scenarios made from trainers' own registers join the library; the file scenarios win a clash."""
    _imported[0] = source


def library(directory: Path | str | None = None) -> dict[str, Scenario]:
    """All scenarios by id: the files, loaded once per process (they are read-only at run time),
    and, for the default folder, those imported from registers."""
    files = _library(str(directory or os.environ.get("PMO_TUTOR_SCENARIOS", DEFAULT_DIR)))
    if directory is not None or _imported[0] is None:
        return files
    imported = _imported[0]()
    return files | {k: v for k, v in imported.items() if k not in files} if imported else files


def get_scenario(scenario_id: str, directory: Path | str | None = None) -> Scenario:
    scenarios = library(directory)
    if scenario_id not in scenarios:
        # a deleted import is off the menu, but the sessions played on it still read it
        gone = _imported[0](include_deleted=True) if directory is None and _imported[0] else {}
        if scenario_id in gone:
            return gone[scenario_id]
        raise UnknownScenario(scenario_id, scenarios)
    return scenarios[scenario_id]
