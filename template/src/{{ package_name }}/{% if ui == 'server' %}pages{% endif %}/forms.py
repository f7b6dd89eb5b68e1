"""Forms: fields posted by a browser, and their mistakes explained in sentences for people
rather than in the API's words. A form with mistakes is shown again with 422."""

from typing import Annotated, Any

from fastapi import Form
from pydantic import ValidationError

FormField = Annotated[str, Form()]
# Starlette renamed its constant; the number is stable.
UNPROCESSABLE = 422

# pydantic's error types, and what to tell a person; {name} takes the error's context.
SENTENCES = {
    "missing": "Enter a value.",
    "string_too_long": "Use at most {max_length} characters.",
    "int_parsing": "Enter a whole number, such as 3.",
    "int_from_float": "Enter a whole number, such as 3.",
    "float_parsing": "Enter a number, such as 2.5.",
    "greater_than_equal": "Enter a number of at least {ge}.",
    "greater_than": "Enter a number greater than {gt}.",
    "less_than_equal": "Enter a number of at most {le}.",
    "less_than": "Enter a number less than {lt}.",
}


def sentence(problem: Any) -> str:
    """One pydantic error as a sentence: what to do, not what the validator saw."""
    kind = str(problem["type"])
    context: dict[str, Any] = problem.get("ctx") or {}
    if kind == "string_too_short":
        if context.get("min_length") == 1:
            return "Enter a value."
        return "Use at least {min_length} characters.".format(**context)
    if kind == "value_error" and "error" in context:
        # The schema's own words (ValueError messages): made a sentence.
        words = str(context["error"]).rstrip(".")
        return f"{words[:1].upper()}{words[1:]}."
    template = SENTENCES.get(kind)
    if template is None:
        return "Enter a valid value."
    return template.format(**context)


def field_errors(error: ValidationError) -> dict[str, str]:
    """One sentence per form field: the first of its mistakes."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        errors.setdefault(str(problem["loc"][0]), sentence(problem))
    return errors
