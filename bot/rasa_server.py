"""`rasa` with one measured fix, used by `make run` for the Rasa server.

Profiling the server under load (py-spy) showed 44% of its time in `jsonschema.validate`,
called for every custom-action response: `validate()` re-checks the *schema itself* against
the JSON Schema meta-schema on every call before checking the response. Here the schema is
checked once and a ready validator is reused; responses are validated exactly as before.
"""
from __future__ import annotations

import sys

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_spec = RemoteAction.action_response_format_spec()
_cls = validator_for(_spec)
_cls.check_schema(_spec)
_validator = _cls(_spec)
_original = RemoteAction._validate_action_result


def _validate_action_result(self, result) -> bool:
    try:
        _validator.validate(result)
        return True
    except ValidationError:
        return _original(self, result)  # Rasa's own path builds the explanatory message


RemoteAction._validate_action_result = _validate_action_result


def main() -> None:
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
