"""What the page shows in its answer panel, read from the DOM, and what it should show.

Reusable by any test that drives the page (the browser tests, a differential test
across faces): :func:`shown` reads the panel the script rendered (``data-done``)
into plain data, :func:`expected` turns a ``/v1/resolve`` status and JSON body
into the same shape, so that ``shown(page) == expected(status, body)`` says the
page shows exactly what the API answered: every labelled field of an answer
(alternatives, sources and notes included), or a problem's status, detail, hint
and alternatives.
"""

from __future__ import annotations

from typing import Any

#: The answer fields the panel shows, in order (compat.service.page.LABELS).
ANSWER_FIELDS = (
    "image_uri",
    "smp_image_uri",
    "binary_url",
    "python_version",
    "cuda_version",
    "os",
    "instance_types",
    "requirements",
    "released",
    "confidence",
    "alternatives",
    "notes",
    "corrections",
    "sources",
)

_READ = """() => {
  const box = document.querySelector('#resolve-result[data-done] > [data-status]');
  if (!box) { return null; }
  const text = (node) => {
    const copy = node.cloneNode(true);
    copy.querySelectorAll('button').forEach((b) => b.remove());
    return copy.textContent.replace(/\\s+/g, ' ').trim();
  };
  const fields = {};
  box.querySelectorAll('[data-field]').forEach((node) => {
    const items = node.querySelectorAll(':scope > ul > li');
    fields[node.getAttribute('data-field')] = node.querySelector(':scope > ul') ?
      Array.from(items).map(text) : text(node);
  });
  const title = box.querySelector('h3');
  return { status: Number(box.getAttribute('data-status')),
           title: title ? text(title) : null, fields: fields };
}"""


def shown(page: Any, timeout: float = 10_000) -> dict[str, Any]:
    """The answer or problem the page's script has rendered (waits for it)."""
    page.wait_for_selector("#resolve-result[data-done] > [data-status]", timeout=timeout)
    found: dict[str, Any] = page.evaluate(_READ)
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())


def _value(key: str, value: Any) -> Any:
    if value is None or value in ("", []):
        return "-"
    if isinstance(value, list):
        out = []
        for item in value:
            if key == "sources":
                out.append(_squash(f"{item['id']} {item['title']}"))
            elif key == "alternatives":
                out.append(_squash(item["text"]))
            elif key == "corrections":
                out.append(
                    _squash(
                        f"AWS documents {item['field']} as {item['documented']}: {item['note']}"
                    )
                )
            else:
                out.append(_squash(str(item)))
        return out
    return _squash(str(value))


def expected(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """What the panel must show for ``/v1/resolve``'s ``status`` and JSON ``body``."""
    if status == 200:
        title = (
            f"{body['framework']} {body['framework_version']} with smddp {body['smddp_version']}"
            + (f" in {body['region']}" if body.get("region") else "")
        )
        return {
            "status": 200,
            "title": title,
            "fields": {key: _value(key, body.get(key)) for key in ANSWER_FIELDS},
        }
    fields: dict[str, Any] = {"detail": _squash(body.get("detail") or body.get("message") or "")}
    if body.get("hint"):
        fields["hint"] = _squash(f"Hint: {body['hint']}")
    if body.get("alternatives"):
        fields["alternatives"] = _value("alternatives", body["alternatives"])
    return {"status": status, "title": None, "fields": fields}
