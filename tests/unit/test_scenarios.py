"""Scenario files: loading, validation errors a trainer can act on, and deterministic variants."""
from __future__ import annotations

import copy
import functools
import re
from pathlib import Path

import pytest
import yaml

from bot import cli
from bot.scenarios.loader import (
    DEFAULT_DIR,
    ScenarioError,
    UnknownScenario,
    get_scenario,
    load_scenario,
    scenario_files,
)
from bot.scenarios.variants import inject, make_variant, variant
from bot.taxonomy import REGISTER_TYPES, FlawType

# every register scenario of the library (the manager level has its own tests)
SCENARIO_IDS = tuple(sorted(sid for sid in (p.stem for p in scenario_files(DEFAULT_DIR))
                            if get_scenario(sid).level != "manager"))
PLACEHOLDER = re.compile(r"\{R\d{1,2}\}")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


@functools.lru_cache(maxsize=None)
def _parsed(scenario_id: str) -> dict:
    return yaml.safe_load((DEFAULT_DIR / f"{scenario_id}.yml").read_text(encoding="utf-8"))


def _raw(scenario_id: str) -> dict:
    """A shipped scenario as plain data, free to break."""
    return copy.deepcopy(_parsed(scenario_id))


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False), encoding="utf-8")
    return path


# -- the shipped scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize("path", scenario_files(DEFAULT_DIR), ids=lambda p: p.name)
def test_shipped_scenario_files_load_and_validate(path):
    """Every shipped scenario file loads into a valid Scenario with 8-12 rows and at least 3 flaws."""
    s = load_scenario(path)
    assert s.id == path.stem
    if s.artefact == "policy":
        assert 12 <= len(s.clauses) <= 16 and not s.rows
    else:
        assert 8 <= len(s.rows) <= (16 if s.level == "manager" else 12)
    assert len(s.flaws) >= 3


def test_every_scenario_is_shipped():
    """The three shipped scenarios are found by id."""
    assert {p.stem for p in scenario_files(DEFAULT_DIR)} >= set(SCENARIO_IDS)
    for sid in SCENARIO_IDS:
        assert get_scenario(sid).id == sid


def test_scenarios_together_seed_every_register_flaw_type():
    """Every register flaw type is seeded (at every seed or from a pool) by at least two scenarios,
    at three levels or more."""
    from pooled import every_flaw

    by_type = {t: {sid for sid in SCENARIO_IDS if t in {f.type for f in every_flaw(get_scenario(sid))}}
               for t in REGISTER_TYPES}
    assert all(len(sids) >= 2 for sids in by_type.values()), by_type
    assert len({get_scenario(sid).level for sid in SCENARIO_IDS}) >= 3
    opportunities = [sid for sid in SCENARIO_IDS if any(r.opportunity for r in get_scenario(sid).rows)]
    assert len(opportunities) >= 2


def test_flaw_counts_match_the_file_headers():
    """Riverside seeds 7 flaws, Northgate 10 and Ravensford 9."""
    assert len(get_scenario("riverside-wms").flaws) == 7
    assert len(get_scenario("northgate-epr").flaws) == 10
    assert len(get_scenario("ravensford-school").flaws) == 9


def test_unknown_scenario_id_is_refused_with_the_choices():
    """get_scenario('nope') raises UnknownScenario naming the id and the scenarios available."""
    with pytest.raises(UnknownScenario) as err:
        get_scenario("nope")
    assert "nope" in str(err.value)
    for sid in SCENARIO_IDS:
        assert sid in str(err.value)


# -- variants --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_same_seed_gives_the_same_register_and_flaws(sid):
    """make_variant is deterministic: the same seed gives an identical register and answer key."""
    s = get_scenario(sid)
    a, b = make_variant(s, 42), make_variant(s, 42)
    assert [r.public() for r in a.rows] == [r.public() for r in b.rows]
    assert [f.dict() for f in a.flaws] == [f.dict() for f in b.flaws]


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_different_seeds_give_different_orders(sid):
    """Different seeds shuffle the register differently."""
    s = get_scenario(sid)
    orders = {tuple(r.title for r in make_variant(s, seed).rows) for seed in (1, 2, 3)}
    assert len(orders) == 3


@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_seed_zero_is_the_register_as_written(sid):
    """Seed 0 keeps the file's order and ids."""
    s = inject(get_scenario(sid), 0)  # with a flaw pool: the file's register, its first picks injected
    v = make_variant(get_scenario(sid), 0)
    assert [r.title for r in v.rows] == [r.title for r in s.rows]
    ids = {r.id: f"R{n}" for n, r in enumerate(s.rows, start=1)}  # closed up where a row was dropped
    if len(s.rows) == len(get_scenario(sid).rows):  # no row dropped as a missing risk: the file's ids
        assert all(old == new for old, new in ids.items())
    assert [(f.risk_id, f.other_risk_id) for f in v.flaws] == [
        (ids.get(f.risk_id), ids.get(f.other_risk_id)) for f in s.flaws]


@pytest.mark.parametrize("seed", [0, 7, 1234])
@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_variant_rows_are_numbered_in_order_and_flaws_follow_their_rows(sid, seed):
    """A variant numbers its rows R1..Rn and each flaw still points at the same row (by title)."""
    s, v = get_scenario(sid), variant(sid, seed)
    assert [r.id for r in v.rows] == [f"R{n}" for n in range(1, len(v.rows) + 1)]
    for original, renumbered in zip(s.flaws, v.flaws):
        for key in ("risk_id", "other_risk_id"):
            old, new = getattr(original, key), getattr(renumbered, key)
            assert (old is None) == (new is None)
            if old:
                assert s.row(old).title == v.row(new).title


@pytest.mark.parametrize("seed", [0, 7, 1234])
@pytest.mark.parametrize("sid", SCENARIO_IDS)
def test_placeholders_are_rendered_with_the_variant_ids(sid, seed):
    """No {R3} placeholder survives in a variant; evidence names the flaw's renumbered risk."""
    v = variant(sid, seed)
    leftover = [t for t in _strings(v.dict(by_alias=True)) if PLACEHOLDER.search(t)]
    assert leftover == []
    for flaw in v.flaws:
        if flaw.risk_id:
            assert re.search(rf"\b{flaw.risk_id}\b", flaw.evidence), (flaw.id, flaw.evidence)


def test_shuffled_variant_renames_placeholders_consistently():
    """A hint written as {R6} in the file names the variant's new id for that row."""
    s, v = get_scenario("riverside-wms"), variant("riverside-wms", 7)
    flaw = next(f for f in s.flaws if f.type == FlawType.WRONG_OWNER)
    new_id = v.flaw(flaw.id).risk_id
    assert new_id != flaw.risk_id  # the seed really does renumber this row
    assert "{" + flaw.risk_id + "}" in flaw.hints[1]
    assert new_id in v.flaw(flaw.id).hints[1]


# -- errors a trainer can act on ---------------------------------------------------------------------


def test_invalid_yaml_names_the_file_and_the_line(tmp_path):
    """Broken YAML syntax is a ScenarioError naming the file and the line."""
    path = _write(tmp_path, "broken-syntax.yml", "id: broken\ntitle: [unclosed\nlevel: foundation\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "broken-syntax.yml" in str(err.value)
    assert "not valid YAML" in str(err.value) and "line" in str(err.value)


def test_probability_out_of_range_names_the_row_and_field(tmp_path):
    """A row with probability 7 is refused, naming register[n].probability and the limit."""
    data = _raw("riverside-wms")
    data["register"][2]["probability"] = 7
    path = _write(tmp_path, "bad-probability.yml", data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "bad-probability.yml" in message
    assert "register[2].probability" in message
    assert "less than or equal to 5" in message


def test_flaw_naming_an_unknown_risk_is_refused(tmp_path):
    """A flaw whose risk_id is not in the register is refused, naming the flaw and the id."""
    data = _raw("riverside-wms")
    data["flaws"][0]["risk_id"] = "R42"
    path = _write(tmp_path, "bad-reference.yml", data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "bad-reference.yml" in message
    assert "flaws" in message and data["flaws"][0]["id"] in message
    assert "R42" in message and "not in the register" in message


@pytest.mark.parametrize(
    "path_to_field",
    [("title",), ("persona", "closing"), ("register", 0, "owner"), ("flaws", 1, "fix", "model_answer")],
    ids=["title", "persona.closing", "register[0].owner", "flaws[1].fix.model_answer"],
)
def test_missing_required_field_names_its_path(tmp_path, path_to_field):
    """A missing required field is refused with its full path and 'field required'."""
    data = _raw("northgate-epr")
    parent = data
    for key in path_to_field[:-1]:
        parent = parent[key]
    del parent[path_to_field[-1]]
    path = _write(tmp_path, "missing-field.yml", data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    expected = ""
    for part in path_to_field:
        expected += f"[{part}]" if isinstance(part, int) else (f".{part}" if expected else part)
    assert "missing-field.yml" in message
    assert f"{expected}: field required" in message


def test_unknown_field_is_refused(tmp_path):
    """A misspelt field is refused rather than silently ignored."""
    data = _raw("riverside-wms")
    data["register"][0]["ownr"] = data["register"][0]["owner"]
    path = _write(tmp_path, "typo.yml", data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "register[0].ownr" in str(err.value)


def test_non_mapping_file_is_refused(tmp_path):
    """A YAML file that is not a mapping of fields is refused with a clear message."""
    path = _write(tmp_path, "a-list.yml", "- just\n- a list\n")
    with pytest.raises(ScenarioError, match="a-list.yml.*mapping"):
        load_scenario(path)


def test_missing_file_is_a_scenario_error(tmp_path):
    """A file that cannot be read is a ScenarioError naming it."""
    with pytest.raises(ScenarioError, match="nowhere.yml"):
        load_scenario(tmp_path / "nowhere.yml")


# -- the command line ------------------------------------------------------------------------------


def test_cli_validate_accepts_the_shipped_folder(capsys):
    """`pmo-tutor scenarios validate data/scenarios` exits 0 and lists each scenario as ok."""
    assert cli.main(["scenarios", "validate", str(DEFAULT_DIR)]) == 0
    out = capsys.readouterr().out
    for sid in SCENARIO_IDS:
        assert sid in out
    assert "INVALID" not in out


def test_cli_validate_rejects_a_broken_file(tmp_path, capsys):
    """`pmo-tutor scenarios validate FILE` exits 1 for a broken file and prints the problem."""
    data = _raw("riverside-wms")
    data["register"][2]["probability"] = 7
    path = _write(tmp_path, "broken.yml", data)
    assert cli.main(["scenarios", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "INVALID" in out and "broken.yml" in out and "register[2].probability" in out


def test_cli_validate_rejects_a_folder_with_one_broken_file(tmp_path, capsys):
    """One broken file among good ones makes the whole folder fail."""
    (tmp_path / "riverside-wms.yml").write_text((DEFAULT_DIR / "riverside-wms.yml").read_text(encoding="utf-8"), encoding="utf-8")
    _write(tmp_path, "zz-broken.yml", "id: [oops\n")
    assert cli.main(["scenarios", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ok" in out and "zz-broken.yml" in out


def test_cli_validate_rejects_two_files_with_the_same_id(tmp_path, capsys):
    """Two files claiming the same scenario id fail validation."""
    text = (DEFAULT_DIR / "riverside-wms.yml").read_text(encoding="utf-8")
    (tmp_path / "a.yml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yml").write_text(text, encoding="utf-8")
    assert cli.main(["scenarios", "validate", str(tmp_path)]) == 1
    assert "already used" in capsys.readouterr().out


def test_cli_validate_rejects_an_empty_folder(tmp_path, capsys):
    """A folder with no scenario files is an error, not a silent success."""
    assert cli.main(["scenarios", "validate", str(tmp_path)]) == 1
