"""The package version, in one place for the build backend and ``--version``."""

__version__ = "0.1.0"
