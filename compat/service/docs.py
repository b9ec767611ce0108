"""An API reference page rendered on the server from the app's own OpenAPI schema.

FastAPI's Swagger UI loads its JavaScript from a CDN; this page needs nothing
from outside, so the docs work offline and under the strict CSP.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_text(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {_schema_text(schema.get('items', {}))}"
    limits = [
        f"{key} {schema[key]}"
        for key in ("minLength", "maxLength", "minimum", "maximum", "default")
        if key in schema
    ]
    return kind + (f" ({', '.join(limits)})" if limits else "")


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    params = "".join(
        f"<tr><th scope='row'><code>{escape(p['name'])}</code></th><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td>{escape(_schema_text(p.get('schema', {})))}</td>"
        f"<td>{escape(p.get('description', '') or p.get('schema', {}).get('description', ''))}"
        "</td></tr>"
        for p in op.get("parameters", [])
    )
    table = (
        "<table><thead><tr><th scope='col'>parameter</th><th scope='col'>in</th>"
        "<th scope='col'>required</th><th scope='col'>type</th><th scope='col'>description</th>"
        f"</tr></thead><tbody>{params}</tbody></table>"
        if params
        else ""
    )
    body = op.get("requestBody", {}).get("content", {})
    body_text = f"<p>Request body: {escape(', '.join(body))}</p>" if body else ""
    responses = "".join(
        f"<li><code>{escape(code)}</code> {escape(resp.get('description', ''))}"
        f" <small>{escape(', '.join(resp.get('content', {})))}</small></li>"
        for code, resp in op.get("responses", {}).items()
    )
    anchor = escape(f"{method}-{path}".replace("/", "-").strip("-"), quote=True)
    return (
        f"<section id='{anchor}'><h2><code>{method.upper()} {escape(path)}</code></h2>"
        f"<p><strong>{escape(op.get('summary', ''))}</strong></p>"
        f"<p>{escape(op.get('description', ''))}</p>{table}{body_text}"
        f"<p>Responses:</p><ul>{responses}</ul></section>"
    )


def render_docs(openapi: dict[str, Any]) -> bytes:
    """The reference page for every operation of ``openapi``, as UTF-8 bytes."""
    info = openapi.get("info", {})
    sections = "".join(
        _operation(path, method, item[method])
        for path, item in openapi.get("paths", {}).items()
        for method in _METHODS
        if method in item
    )
    schemas = ", ".join(
        f"<code>{escape(name)}</code>" for name in openapi.get("components", {}).get("schemas", {})
    )
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(info.get("title", "API"))} API</title>
<link rel="stylesheet" href="/static/page.css">
</head>
<body>
<header><h1>{escape(info.get("title", "API"))} {escape(info.get("version", ""))}</h1>
<p>{escape(info.get("description", ""))}</p>
<p>The machine-readable schema: <a href="/openapi.json">/openapi.json</a>
({len(json.dumps(openapi))} bytes). Errors are RFC 9457 <code>application/problem+json</code>.
<a href="/">Back to the matrix</a>.</p></header>
<main>{sections}<section><h2>Schemas</h2><p>{schemas}</p></section></main>
</body>
</html>
"""
    return page.encode("utf-8")
