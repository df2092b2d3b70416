"""`pmo-tutor scenarios schema`: the scenario file's JSON Schema, for editors, from the model."""
import json

import jsonschema
import pytest
import yaml

from bot.cli import main
from bot.scenarios.loader import DEFAULT_DIR, scenario_files


@pytest.fixture(scope="module")
def schema():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["scenarios", "schema"]) == 0
    return json.loads(out.getvalue())


def as_json(path) -> dict:
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))  # YAML dates -> strings


@pytest.mark.parametrize("path", scenario_files(DEFAULT_DIR), ids=lambda p: p.name)
def test_every_shipped_scenario_matches_the_schema(schema, path):
    jsonschema.validate(as_json(path), schema)


def test_the_schema_states_the_validators_rules(schema):
    path = DEFAULT_DIR / "riverside-wms.yml"
    for change, where in [
        (lambda d: d["register"][0].update(probability=7), "probability"),
        (lambda d: d["register"][0].update(response="ignore"), "response"),
        (lambda d: d.update(level="expert"), "level"),
        (lambda d: d["register"][0].update(id="Risk 1"), "id"),
        (lambda d: d.update(colour="blue"), "colour"),
    ]:
        data = as_json(path)
        change(data)
        with pytest.raises(jsonschema.ValidationError) as e:
            jsonschema.validate(data, schema)
        assert where in str(e.value)
