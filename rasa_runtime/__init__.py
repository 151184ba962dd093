"""What the Rasa server process needs beyond Rasa itself: ``python -m rasa_runtime run ...``.

Runs Rasa's own command line (``rasa run``, ``rasa test``, ...) after ``apply()``, which fixes
Rasa 3.6 costs that do not change what it does:

- **The action server's reply is checked against a schema compiled once.** Rasa validates every
  custom action's response with ``jsonschema.validate``, which first checks the (constant)
  schema itself against the JSON Schema meta-schema, on every call; with slot extraction that is
  two custom actions per turn. Measured with py-spy on the running server (60 ticket-status turns,
  2026-11-23): 44.6% of the Rasa process's time was in that check. ``apply()`` builds the
  validator once (the schema is checked once, at that moment) and validates each response with
  it: the same ``ValidationError`` (the best match, with Rasa's added explanation) for a bad
  response, nothing for a good one.
"""

from __future__ import annotations

from typing import Any

_applied = False


def apply() -> None:
    """Install the fixes (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
    _applied = True


_validator: Any = None


def action_response_validator() -> Any:
    """The jsonschema validator of Rasa's action response format, built (and checked) once."""
    global _validator
    if _validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True
