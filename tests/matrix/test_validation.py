"""Validation: every problem as file:line: path: message; hostile files refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.errors import MatrixError
from compat.matrix import load_matrix, shipped_matrix_path
from compat.matrix.validate import parse_document

from ..conftest import REPO, Invoke
from ..maintain.pages import CURRENT_PAGE

SHIPPED = Path(shipped_matrix_path()).read_text(encoding="utf-8")


def line_of(text: str, needle: str, start: int = 0) -> int:
    """The 1-based line of the first ``needle`` in ``text`` at or after line ``start``."""
    lines = text.splitlines()
    for number, line in enumerate(lines[start:], start + 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def problems_of(text: str, name: str = "m.yaml") -> list[str]:
    with pytest.raises(MatrixError) as info:
        parse_document(text.encode("utf-8"), name)
    return list(info.value.problems)


def test_the_shipped_matrix_is_valid(run_cli: Invoke) -> None:
    result = run_cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["valid"] is True
    assert data["releases"] == {
        "pytorch": 21,
        "tensorflow": 13,
        "pytorch-lightning": 9,
        "huggingface": 6,
    }
    assert data["regions"] == 42


def test_a_bad_version_is_reported_with_file_line_and_path() -> None:
    start = line_of(SHIPPED, "\npytorch:".strip()) - 1
    target = line_of(SHIPPED, 'smddp: "1.4.0"', start)
    text = SHIPPED.replace('smddp: "1.4.0"', 'smddp: "1.4x"', 1)
    index = sum(1 for line in SHIPPED.splitlines()[start:target] if line.startswith("  - version:"))
    assert problems_of(text, "data/matrix.yaml") == [
        f"data/matrix.yaml:{target}: pytorch[{index - 1}].smddp: '1.4x' is not a valid version"
    ]


def test_every_problem_is_listed_at_once() -> None:
    text = (
        SHIPPED.replace('smddp: "1.4.0"', 'smddp: "1.4x"', 1)
        .replace("confidence: shipped", "confidence: maybe", 1)
        .replace("schema_version: 1", "schema_version: 1\nextra_section: {}")
    )
    found = problems_of(text)
    assert len(found) == 3
    assert any("unknown field 'extra_section'" in p for p in found)
    assert any(".confidence: input should be 'documented'" in p for p in found)


def test_duplicate_keys_are_errors_not_silently_merged() -> None:
    text = SHIPPED.replace(
        '  - version: "1.13.1"\n', '  - version: "1.13.1"\n    version: "1.13.2"\n', 1
    )
    first = line_of(SHIPPED, '  - version: "1.13.1"')
    with pytest.raises(MatrixError) as info:
        parse_document(text.encode(), "m.yaml")
    assert info.value.problems[0].startswith(f"m.yaml:{first + 1}: pytorch[")
    assert f"duplicate key (first defined on line {first})" in info.value.problems[0]


def test_a_tag_that_contradicts_its_row_is_caught() -> None:
    text = SHIPPED.replace(
        'tag: "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"',
        'tag: "1.13.1-gpu-py38-cu117-ubuntu20.04-sagemaker"',
    )
    (problem,) = problems_of(text)
    line = line_of(SHIPPED, 'tag: "1.13.1-gpu-py39-cu117')
    assert problem.startswith(f"m.yaml:{line}: pytorch[")
    assert "the tag's py38 does not match the row's Python 3.9 [check tag-python" in problem


def test_a_wheel_of_another_smddp_version_is_caught() -> None:
    text = SHIPPED.replace(
        "2023-01-09/smdistributed_dataparallel-1.7.0-cp39",
        "2023-01-09/smdistributed_dataparallel-1.7.1-cp39",
    )
    (problem,) = problems_of(text)
    assert "the wheel file's smddp version 1.7.1 is not the row's 1.7.0" in problem


def test_an_exception_that_is_no_longer_needed_is_reported() -> None:
    # The PyTorch 1.9.1 row (before 1.9.0's, which has the same wheel and needs no exception).
    text = SHIPPED.replace("pytorch/1.9.0/cu111/2021-08-13", "pytorch/1.9.1/cu111/2021-08-13", 1)
    (problem,) = problems_of(text)
    assert "lists an exception for 'wheel-framework-version' but passes that check" in problem


def test_unknown_source_and_region_references() -> None:
    text = SHIPPED.replace("sources: [DLC]", "sources: [DLCX]", 1).replace(
        "region_set: all-but-iso-f", "region_set: nowhere", 1
    )
    found = problems_of(text)
    assert any("unknown source 'DLCX'" in p for p in found)
    assert any("unknown region set 'nowhere'" in p for p in found)


def test_validate_command_exit_code_and_message(run_cli: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SHIPPED.replace('smddp: "1.4.0"', 'smddp: "1.4x"', 1), encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.exit_code == 7
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {bad} is not a valid matrix: 1 problem(s)\n  {bad}:")
    assert "'1.4x' is not a valid version" in result.stderr


BOMB = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)}]\n"
    for i in range(8)
)


#: Pathological files well under the 16 MiB limit: each is refused by the parse budget
#: (benchmarks/parse_budget.py times them at full size).
MANY_KEYS = b"".join(b"k%d: v\n" % i for i in range(150_000))
LONG_FLOW_LIST = b"a: [" + b"1," * 120_000 + b"1]\n"
LONG_STRING = b'a: "' + b"x" * 100_000 + b'"\n'
MANY_DOCUMENTS = b"---\na: 1\n" * 10_000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BOMB.encode(), "YAML aliases (*name) and merge keys are not allowed"),
        (
            b"x" * (50 * 1024 * 1024),
            "the file is 52,428,800 bytes (50.00 MiB); a matrix file may be at most "
            "16,777,216 bytes (16 MiB)",
        ),
        (bytes(range(256)) * 64, "binary data (a NUL byte)"),
        ("sources: caf\u00e9\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 12)"),
        (b"- a\n- b\n", "the top level must be a mapping"),
        (b"just a string\n", "the top level must be a mapping"),
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"a: [1, 2\n", "not valid YAML"),
        (b"[" * 5000 + b"]" * 5000, "nesting depth"),
        (b"base: &b {x: 1}\nother:\n  <<: *b\n", "not allowed"),
        (MANY_KEYS, "more than 100,000 YAML values"),
        (LONG_FLOW_LIST, "more than 100,000 YAML values"),
        (LONG_STRING, "a value of 100,000 characters; a matrix value may hold at most 65,536"),
        (MANY_DOCUMENTS, "a matrix file holds one YAML document, not several"),
    ],
    ids=[
        "alias-bomb",
        "50MB",
        "binary",
        "non-utf8",
        "list",
        "scalar",
        "empty",
        "blank",
        "syntax",
        "deep",
        "merge-key",
        "many-keys",
        "long-flow-list",
        "long-string",
        "many-documents",
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(
    run_cli: Invoke, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    result = run_cli("validate", str(path))
    assert result.exit_code == 7
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_load_keeps_the_old_file_and_matrix(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(SHIPPED, encoding="utf-8")
    good = load_matrix(path)
    path.write_text(SHIPPED.replace('smddp: "1.7.0"', 'smddp: "1.7.0x"', 1), encoding="utf-8")
    with pytest.raises(MatrixError):
        load_matrix(path)
    assert good.releases("pytorch")[0]["version"] == "2.5.1"
    path.write_text(SHIPPED, encoding="utf-8")
    assert load_matrix(path) is good


def test_missing_matrix_file(run_cli: Invoke, tmp_path: Path) -> None:
    result = run_cli("resolve", "-f", "pt", "--matrix", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 7
    assert "no such matrix file" in result.stderr


def test_schema_is_json_schema_of_the_whole_file(run_cli: Invoke, tmp_path: Path) -> None:
    result = run_cli("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) >= {"pytorch", "tensorflow", "regions", "sources"}
    assert schema["additionalProperties"] is False
    out = tmp_path / "schema.json"
    assert run_cli("schema", "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema


def test_runnable_statuses_are_support_statuses() -> None:
    """The compiled layout's RUNNABLE names statuses the schema defines, and not the refusals."""
    from compat.matrix.layout import RUNNABLE, runnable_instance_types
    from compat.matrix.schema import SupportStatus

    assert set(RUNNABLE) == {SupportStatus.SUPPORTED.value, SupportStatus.LIMITED.value}
    release = {
        "instance_support": {
            "ml.a": ["supported", None, None],
            "ml.b": ["deprecated", "old", "ml.a"],
            "ml.c": ["limited", "fewer collectives", None],
            "ml.d": ["unsupported", None, None],
        }
    }
    assert runnable_instance_types(release) == ["ml.a", "ml.c"]


def test_schema_describes_every_definition(run_cli: Invoke) -> None:
    schema = json.loads(run_cli("schema").stdout)
    definitions = schema["$defs"]
    assert {"FrameworkRelease", "Region", "Quotas", "Wheel"} <= set(definitions)
    undescribed = sorted(name for name, d in definitions.items() if not d.get("description"))
    assert undescribed == []
    assert schema["description"]


def test_release_for_is_exactly_the_resolved_release_or_an_error() -> None:
    """Preflight, SDK arguments and doctor read a resolution's row; never another release's."""
    import compat

    m = load_matrix()
    for framework, version in (
        ("pytorch", "1.13.1"),
        ("pytorch", "2.3.1"),
        ("tensorflow", "2.11.0"),
    ):
        res = compat.resolve(framework, version, "us-west-2", matrix=m)
        assert m.release_for(res.framework, res.framework_version)["version"] == version
    with pytest.raises(LookupError, match=r"pytorch 9\.9\.9 is not a release of the matrix"):
        m.release_for("pytorch", "9.9.9")


def test_every_instance_type_has_its_three_quotas_recorded() -> None:
    """A quota of a listed type with neither a sourced code nor 'unconfirmed' is an error."""
    entry = '    - {name: "ml.p5.48xlarge for training warm pool usage", code: null'
    start = SHIPPED.index(entry)
    end = SHIPPED.index("\n", SHIPPED.index("\n", start) + 1) + 1
    dropped = problems_of(SHIPPED[:start] + SHIPPED[end:])
    assert any(
        "quotas.known_codes" in p and "'ml.p5.48xlarge for training warm pool usage'" in p
        for p in dropped
    ), dropped
    unsourced = SHIPPED.replace(
        'code: null, sources: [SQ], confidence: unconfirmed,\n       note: "no public source',
        'code: null, sources: [SQ],\n       note: "no public source',
        1,
    )
    assert any("must say confidence: unconfirmed" in p for p in problems_of(unsourced))


@pytest.mark.parametrize("data", [MANY_KEYS, LONG_FLOW_LIST, LONG_STRING, MANY_DOCUMENTS])
def test_every_command_that_reads_a_matrix_applies_the_parse_budget(
    run_cli: Invoke, tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    page = tmp_path / "page.md"
    page.write_text(CURRENT_PAGE, encoding="utf-8")
    good = str(REPO / "data" / "matrix.yaml")
    runs = {
        "validate": run_cli("validate", str(path)),
        "lint": run_cli("lint", str(path)),
        "diff": run_cli("diff", good, str(path)),
        "--matrix": run_cli("--matrix", str(path), "resolve", "-f", "pt", "--version", "1.13.1"),
        "import-doc": run_cli("import-doc", str(page), "--merge", str(path), "--dry-run"),
    }
    for command, result in runs.items():
        assert result.exit_code == 7, (command, result.stderr)
        assert "parse budget" in result.stderr or "one YAML document" in result.stderr, command
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == data  # import-doc --merge left it alone


def test_a_derived_row_must_run_on_a_pytorch_row_with_its_smddp() -> None:
    """Lightning and Hugging Face rows name the PyTorch row they run on: it must exist, and
    its smddp must be theirs."""
    lightning = '  - {versions: ["2.2.5"], pytorch: "2.3.0", smddp: "2.3.0",'
    hf = '    pytorch: "2.5.1"\n    python: "3.11"\n    cuda: "12.4"\n    os: ubuntu22.04\n'
    hf += '    smddp: "2.6.0"\n'
    assert lightning in SHIPPED
    assert hf in SHIPPED
    text = SHIPPED.replace(lightning, lightning.replace('pytorch: "2.3.0"', 'pytorch: "2.3.9"'))
    text = text.replace(hf, hf.replace('smddp: "2.6.0"', 'smddp: "2.5.0"'))
    found = problems_of(text)
    line = line_of(text, lightning[:30])
    assert f"m.yaml:{line}: pytorch_lightning[0].pytorch: no pytorch row for 2.3.9" in found
    [smddp] = [p for p in found if p.endswith("differs from the PyTorch 2.5.1 row's 2.6.0")]
    assert smddp.split(": ", 2)[1:] == [
        "huggingface[0].smddp",
        "smddp 2.5.0 differs from the PyTorch 2.5.1 row's 2.6.0",
    ]
