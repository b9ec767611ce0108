"""The README documents every rule where its help URI points, and the check's options."""

from __future__ import annotations

from compat.check import RULES

from ..conftest import REPO


def test_every_rule_has_its_anchor_and_row_in_the_readme() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        anchor = rule.help_uri.split("#", 1)[1]
        row = f'<a id="{anchor}"></a>{rule.id} | {rule.severity.value} |'
        assert row in text, rule.id


def test_the_readme_names_only_real_check_options() -> None:
    import re

    from compat.cli.commands.check import check_cmd

    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Check launch code")
    section = text[start : text.index("\n## ", start + 1)]
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", section))
    options = {o for p in check_cmd.params for o in (*p.opts, *p.secondary_opts)}
    assert named <= options, named - options
