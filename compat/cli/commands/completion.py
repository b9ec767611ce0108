"""``smddp-compat completion``: the shell completion script, for bash, zsh or fish."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS, case_sensitive=False))
def completion_cmd(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    The same script as _SMDDP_COMPAT_COMPLETE={shell}_source smddp-compat prints.

    \b
    Set-up:
      bash: eval "$(smddp-compat completion bash)"        # in ~/.bashrc
      zsh:  eval "$(smddp-compat completion zsh)"         # in ~/.zshrc
      fish: smddp-compat completion fish > ~/.config/fish/completions/smddp-compat.fish
    """
    from click.shell_completion import get_completion_class

    from compat.cli.app import cli

    cls = get_completion_class(shell.lower())
    assert cls is not None  # click ships all three
    click.echo(cls(cli, {}, "smddp-compat", "_SMDDP_COMPAT_COMPLETE").source(), nl=False)
