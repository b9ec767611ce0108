"""Applying a merge plan to the matrix file's text.

The plan's edits (a source added to a row, Lightning versions added, new rows)
are made on the ruamel.yaml tree and spliced into the original text
(``yaml_splice``); if the splice does not load back to the tree, the tree is
re-emitted and a notice says that alignment may change.
"""

from __future__ import annotations

import io

from compat.maintain.merge_plan import Plan
from compat.maintain.yaml_splice import (
    Splicer,
    insert_rows,
    loads_to,
    render_flow,
    ruamel_yaml,
    splice_list,
)


def apply_plan(text: str, plan: Plan, source: str) -> tuple[str, list[str]]:
    """The merged file text, and notices about how it was produced."""
    yaml = ruamel_yaml()  # first: a clear error when ruamel.yaml is missing
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    tree = yaml.load(text)
    original = yaml.load(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    splicer = Splicer(lines)
    spliced = True
    for section, index in plan.add_source:
        sources = tree[section][index]["sources"]
        sources.append(source)
        rendered = render_flow([str(s) for s in sources], quoted=False)
        spliced &= splice_list(splicer, original, section, index, "sources", rendered)
    for index, versions in plan.lightning_versions:
        tree["pytorch_lightning"][index]["versions"][:] = [
            DoubleQuotedScalarString(v) for v in versions
        ]
        rendered = render_flow(versions, quoted=True)
        spliced &= splice_list(splicer, original, "pytorch_lightning", index, "versions", rendered)
    spliced &= insert_rows(yaml, splicer, tree, original, plan.new_rows)
    merged = splicer.apply()
    if spliced and loads_to(yaml, merged, tree):
        return merged, []
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue(), [
        "the file was re-emitted by ruamel.yaml (a list it had to change is not a one-line "
        "flow list): comments and order are kept, but alignment spaces may change"
    ]
