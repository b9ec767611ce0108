"""Query parameters read through one pydantic model: validated in one call, documented by it.

FastAPI validates declared query parameters one by one with a lot of Python
per field on every request (about half the cost of a cached ``/v1/resolve``).
A hot route can instead take the ``Request``, validate its query string with a
single ``model_validate`` (pydantic-core, the same limits and messages), and
publish the model's schema as its OpenAPI parameters with ``openapi_extra``.
Errors are raised as FastAPI's ``RequestValidationError`` with the same
``("query", name)`` locations, so they become the same 422 problem documents.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from compat.query import Query

Model = TypeVar("Model", bound=BaseModel)


def read_query(model: type[Model], request: Request) -> Model:
    """The request's query parameters as ``model``; a repeated name counts by its last value.

    Raises RequestValidationError (located in the query, without the input
    echoed) when a value breaks the model's limits.
    """
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError(
            [{**err, "loc": ("query", *err["loc"])} for err in errors]
        ) from None


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI ``parameters`` for ``model``'s fields, as FastAPI writes declared query params."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field,
            "description": field.get("description", ""),
        }
        for name, field in schema["properties"].items()
    ]


def text_param(description: str, example: str) -> Any:
    """A declared text query parameter with the service's length limits."""
    from fastapi import Query

    from compat.service.security import MAX_PARAM_LENGTH

    return Query(
        min_length=1, max_length=MAX_PARAM_LENGTH, description=description, examples=[example]
    )


#: GET /v1/resolve's parameters: the Query's fields a resolve takes, as they are spelled.
RESOLVE_PARAMETERS = (
    "framework",
    "version",
    "region",
    "smddp_version",
    "instance_type",
    "want",
    "format",
)
#: Parameters allowed and ignored: ``_`` is the cache-buster jQuery and others append.
IGNORED_PARAMETERS = frozenset({"_"})


def resolve_query(request: Request) -> Query:
    """GET /v1/resolve's query string as the one :class:`~compat.query.Query`.

    Stricter than FastAPI's reading, because a typo must not become an answer to
    another question: an unknown parameter (``versoin=``, ``smddp-version=``) or a
    repeated one is a 400 naming it and the closest known parameter; an empty value
    is the parser's 400 naming the parameter.
    """
    from compat.query import HTTP_NAMES, parse_query

    return parse_query(read_parameters(request, RESOLVE_PARAMETERS), environ=None, names=HTTP_NAMES)


def read_parameters(request: Request, known: tuple[str, ...]) -> dict[str, str]:
    """The request's query parameters by name; unknown or repeated ones raise UsageError."""
    from compat.errors import UsageError
    from compat.matrix.suggest import closest

    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in IGNORED_PARAMETERS:
            continue
        if name not in known:
            guess = closest(name.replace("-", "_"), list(known))
            did_you_mean = f"did you mean {guess}=? " if guess else ""
            raise UsageError(
                f"unknown parameter {name!r}",
                hint=f"{did_you_mean}parameters: {', '.join(known)} (and _ as a cache-buster)",
            )
        if name in values:
            raise UsageError(
                f"parameter {name!r} is given more than once",
                hint=f"give {name}= once: which of {values[name]!r} and {value!r} did you mean?",
            )
        values[name] = value
    return values
