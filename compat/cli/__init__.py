"""The click command line: a thin layer that maps library results to output and exit codes.

``app`` holds the group, ``registry`` names every command without importing it,
``options`` the options commands share, ``report`` how an error is told, ``help``
the top-level help (shared with the click-free fast path in :mod:`compat.entry`),
and ``commands/`` one module per command or family of commands.
"""
