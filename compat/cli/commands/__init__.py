"""One module per command (or family), imported only when that command runs."""
