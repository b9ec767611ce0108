"""export-site: every file is the live endpoint's bytes; atomic, deterministic, careful."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from compat.matrix import shipped_matrix_path
from compat.service.export import MARKER, export_site

from ..conftest import Invoke


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("export") / "site"
    export_site(str(target))
    return target


async def _live_bodies(paths: list[str]) -> dict[str, tuple[int, bytes]]:
    """GET each path from the app in-process (ASGI, no thread per request: 1,700 requests)."""
    import httpx

    from compat.service.app import create_app

    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        found = {}
        for path in paths:
            response = await client.get(path)
            found[path] = (response.status_code, response.content)
        return found


def test_every_answer_is_the_live_endpoints_bytes(site: Path) -> None:
    import asyncio
    from urllib.parse import urlencode

    files = _tree(site)
    wanted: dict[str, str] = {
        "v1/matrix.json": "/v1/matrix",
        "v1/openapi.json": "/openapi.json",
        "v1/frameworks.json": "/v1/frameworks",
        "v1/regions.json": "/v1/regions",
        "v1/instance-types.json": "/v1/instance-types",
    }
    # Versioned asset names (page.<hash>.js): the live server serves the same names.
    wanted.update({name: "/" + name for name in files if name.startswith("static/")})
    assert len([n for n in wanted if n.startswith("static/")]) == 2
    plain = 0
    for name in files:
        if not name.startswith(("v1/resolve/", "v1/snippets/")):
            continue
        _, route, framework, version, leaf = name.split("/")
        params = {"framework": framework, "version": version}
        if leaf == "index.json":
            plain += route == "resolve"
        else:
            params["region"] = leaf.removesuffix(".json")
        wanted[name] = f"/v1/{route}?" + urlencode(params)
    assert len(wanted) > 3000
    live = asyncio.run(_live_bodies(sorted(set(wanted.values()))))
    for name, path in wanted.items():
        status, body = live[path]
        assert status == 200, name
        assert body == files[name], name
    assert plain == sum(len(f["versions"]) for f in json.loads(files["v1/frameworks.json"]))


def test_every_release_in_every_published_region_is_exported(site: Path) -> None:
    import compat

    expected = {
        f"v1/resolve/{r.framework}/{r.framework_version}/{r.region}.json"
        for region in compat.list_regions()
        for r in compat.resolve_all(None, region.name)
    }
    exported = {
        name
        for name in _tree(site)
        if name.startswith("v1/resolve/") and not name.endswith("/index.json")
    }
    assert exported == expected


def test_files_and_folders_are_readable_by_a_web_server(site: Path) -> None:
    modes = {p.stat().st_mode & 0o777 for p in site.rglob("*") if p.is_file()}
    folders = {p.stat().st_mode & 0o777 for p in [site, *site.rglob("*")] if p.is_dir()}
    assert modes == {0o644}
    assert folders == {0o755}


def test_the_page_reads_the_exported_files(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-api="static"' in html
    css = re.search(r'href="static/(page\.[0-9a-f]{12}\.css)"', html)
    js = re.search(r'src="static/(page\.[0-9a-f]{12}\.js)"', html)
    assert css
    assert (site / "static" / css.group(1)).is_file()
    assert js
    assert (site / "static" / js.group(1)).is_file()
    assert 'href="/' not in html  # every link works under any path prefix
    assert "loaded " not in html  # no load time: reproducible bytes
    # One page per region, whose tables show that region's URIs (the script only navigates).
    west = (site / "index-us-west-2.html").read_text(encoding="utf-8").replace("<wbr>", "")
    import compat

    uri = compat.resolve("pytorch", "1.13.1", "us-west-2").image_uri
    assert uri is not None
    assert uri in west
    assert uri not in html.replace("<wbr>", "")
    assert 'data-region="us-west-2"' in west


def _apply(stored: dict[str, object], patch: dict[str, list[object]]) -> dict[str, object]:
    """What page.js does with an index entry: the stored answer plus the stored difference."""
    out = dict(stored)
    for key, value in patch.items():
        if key.startswith("+"):
            before, after = value
            out[key[1:]] = [*before, *out[key[1:]], *after]  # type: ignore[misc]
        else:
            out[key] = value
    return out


def test_the_index_gives_what_v1_resolve_gives_for_every_spelling(site: Path) -> None:
    """Every spelling in the static index, in four regions and none, against the live API."""
    import asyncio
    from urllib.parse import urlencode

    files = _tree(site)
    index = json.loads(files["v1/answers/index.json"])
    assert index["frameworks"]["torch"] == "pytorch"
    assert index["frameworks"]["pytorch"] == "pytorch"
    assert index["regions"]["us-west-2"] == "us-west-2"
    sample = ["-", "us-west-2", "cn-north-1", "us-isof-east-1", "af-south-1"]
    wanted: dict[tuple[str, str, str], str] = {}
    entries: dict[tuple[str, str, str], dict[str, object]] = {}
    for framework in set(index["frameworks"].values()):
        data = json.loads(files[f"v1/answers/{framework}.json"])
        assert {"2", "latest"} <= set(data["spellings"]) or framework != "pytorch"
        for spelling, flat in data["spellings"].items():
            for region in sample:
                at = data["regions"].index(region) * 2
                stored = json.loads(files[data["files"][flat[at]]])
                key = (framework, spelling, region)
                entries[key] = _apply(stored, data["patches"][flat[at + 1]])
                params = {"framework": framework, "version": spelling}
                if region != "-":
                    params["region"] = region
                wanted[key] = "/v1/resolve?" + urlencode(params)
    assert "2.2.0+cu121" in json.loads(files["v1/answers/pytorch.json"])["spellings"]
    assert len(wanted) > 1200
    live = asyncio.run(_live_bodies(sorted(set(wanted.values()))))
    statuses = set()
    for key, path in wanted.items():
        status, body = live[path]
        answer = json.loads(body)
        for noise in ("instance", "request_id"):
            answer.pop(noise, None)
        statuses.add(status)
        assert entries[key] == answer, key
        if status != 200:
            assert entries[key]["status"] == status, key
    assert {200, 404} <= statuses


def test_same_matrix_same_bytes_and_a_rerun_replaces_the_export(site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    export_site(str(again))
    assert _tree(again) == _tree(site)
    (again / "v1" / "stale.json").write_text("{}", encoding="utf-8")
    export_site(str(again))
    assert _tree(again) == _tree(site)
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # no staging left behind


def test_a_directory_that_is_not_an_export_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(Exception, match="not written by export-site"):
        export_site(str(mine))
    assert _tree(mine) == {"notes.txt": b"keep me"}


def test_a_bad_matrix_leaves_the_old_export(site: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    shutil.copytree(site, target)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(shipped_matrix_path()).read_text(encoding="utf-8") + "\nbogus: 1\n", encoding="utf-8"
    )
    from compat.errors import MatrixError

    with pytest.raises(MatrixError):
        export_site(str(target), str(bad))
    assert _tree(target) == _tree(site)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "site"]


def test_export_site_command(run_cli: Invoke, tmp_path: Path) -> None:
    result = run_cli("export-site", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == len(_tree(tmp_path / "out"))
    assert (tmp_path / "out" / MARKER).read_text(encoding="utf-8").strip() == summary[
        "matrix_sha256"
    ]
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "x").write_text("x", encoding="utf-8")
    refused = run_cli("export-site", str(tmp_path / "plain"))
    assert refused.exit_code == 2
    assert "not written by export-site" in refused.stderr
