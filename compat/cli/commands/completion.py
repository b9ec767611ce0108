"""``smddp-compat completion``: the shell completion script, for bash, zsh or fish."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS, case_sensitive=False))
@click.pass_context
def completion_cmd(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    The same script as _SMDDP_COMPAT_COMPLETE={shell}_source smddp-compat prints.

    \b
    Set-up:
      bash: eval "$(smddp-compat completion bash)"        # in ~/.bashrc
      zsh:  eval "$(smddp-compat completion zsh)"         # in ~/.zshrc
      fish: smddp-compat completion fish > ~/.config/fish/completions/smddp-compat.fish
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell.lower())
    assert cls is not None  # click ships all three
    # The group this command runs under completes: no import of compat.cli.app.
    group = ctx.find_root().command
    click.echo(cls(group, {}, "smddp-compat", "_SMDDP_COMPAT_COMPLETE").source(), nl=False)
