"""Tools that keep data/matrix.yaml true: import AWS's page, diff, lint, verify.

They serve the maintainers, not the users, so nothing here is imported by
``resolve``; each module imports its heavy dependencies inside the functions
that need them.
"""
