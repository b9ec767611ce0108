"""The registry of CLI commands, imported lazily.

Each entry names the module and attribute of a click command and its one-line
help, so that ``smddp-compat --help`` lists every command without importing
any of them, and ``smddp-compat resolve`` imports only what resolve needs.
"""

from __future__ import annotations

#: name -> (module, attribute, short help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "resolve": (
        "compat.cli.commands.resolve",
        "resolve_cmd",
        "Resolve a framework version to its smddp image URI, wheel and instance types.",
    ),
    "list": ("compat.cli.commands.listing", "list_cmd", "List the whole matrix, like AWS's page."),
    "frameworks": (
        "compat.cli.commands.listing",
        "frameworks_cmd",
        "List frameworks, their aliases and versions with smddp.",
    ),
    "regions": (
        "compat.cli.commands.listing",
        "regions_cmd",
        "List regions with their partition, DNS suffix and DLC account.",
    ),
    "instance-types": (
        "compat.cli.commands.listing",
        "instance_types_cmd",
        "List instance types and their support per smddp version.",
    ),
    "validate": (
        "compat.cli.commands.matrix_file",
        "validate_cmd",
        "Validate a matrix file and list every problem with its line.",
    ),
    "schema": (
        "compat.cli.commands.matrix_file",
        "schema_cmd",
        "Print the JSON Schema of the matrix file.",
    ),
    "serve": (
        "compat.cli.commands.serve",
        "serve_cmd",
        "Serve the HTTP API (/v1/...) and the web page (/).",
    ),
    "export-site": (
        "compat.cli.commands.export_site",
        "export_site_cmd",
        "Write the page and every API answer as static files to DIRECTORY.",
    ),
    "doctor": (
        "compat.cli.commands.doctor",
        "doctor_cmd",
        "Check this environment (Python, framework, CUDA, smddp, instance) against the matrix.",
    ),
    "byoc": (
        "compat.cli.commands.byoc",
        "byoc_cmd",
        "Print a Dockerfile fragment for a custom container with the smddp wheel.",
    ),
    "preflight": (
        "compat.cli.commands.preflight",
        "preflight_cmd",
        "Check before submitting whether a training job would start.",
    ),
    "quota": (
        "compat.cli.commands.quota",
        "quota_cmd",
        "SageMaker training quotas: show them, scan regions for room, request more.",
    ),
    "explain": (
        "compat.cli.commands.explain",
        "explain_cmd",
        "Explain a ResourceLimitExceeded message: quota, limit, usage, what to ask for.",
    ),
    "iam-policy": (
        "compat.cli.commands.iam_policy",
        "iam_policy_cmd",
        "Print the minimal IAM policy for preflight (and quota requests).",
    ),
    "import-doc": (
        "compat.cli.commands.maintain",
        "import_doc_cmd",
        "Parse AWS's smddp support page (Markdown) and merge it into the matrix.",
    ),
    "import-sdk": (
        "compat.cli.commands.sdk",
        "import_sdk_cmd",
        "Compare the matrix with the SageMaker SDK's image configs, and merge what it adds.",
    ),
    "diff": (
        "compat.cli.commands.maintain",
        "diff_cmd",
        "Compare two matrix files entry by entry, field by field.",
    ),
    "lint": (
        "compat.cli.commands.maintain",
        "lint_cmd",
        "Report smells that validation allows but a reviewer should see.",
    ),
    "verify": (
        "compat.cli.commands.maintain",
        "verify_cmd",
        "Check that every image URI and wheel URL is well formed, and (--online) exists.",
    ),
    "check": (
        "compat.cli.commands.check",
        "check_cmd",
        "Check SageMaker launch code and training scripts (.py, .ipynb) against the matrix.",
    ),
    "completion": (
        "compat.cli.commands.completion",
        "completion_cmd",
        "Print the shell completion script for bash, zsh or fish.",
    ),
}
