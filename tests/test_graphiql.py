"""GraphiQL is served from Omni's own assets and keeps nothing in the browser's storage."""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import socket

import pytest

from api.app import create_app
from api.config import Settings
from api.graphiql import ASSET_PREFIX, LICENSES, STATIC_DIR, render_page

CONTENT_TYPES = {".js": "javascript", ".css": "text/css"}


async def get_page(client) -> str:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def referenced_urls(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page)


def inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.S)


async def test_browser_get_serves_omni_graphiql_page(client):
    page = await get_page(client)
    assert "<title>Omni GraphQL</title>" in page
    assert 'id="graphiql"' in page
    assert page == render_page()


async def test_page_references_no_external_host(client):
    page = await get_page(client)
    assert re.search(r"https?://", page, re.I) is None
    assert re.search(r"""(?:src|href)\s*=\s*["']?\s*//""", page, re.I) is None
    assert "googleapis" not in page and "unpkg" not in page and "jsdelivr" not in page
    urls = referenced_urls(page)
    assert urls, "the page loads no assets"
    assert all(url.startswith(ASSET_PREFIX + "/") for url in urls), urls


async def test_every_referenced_asset_is_served(client):
    page = await get_page(client)
    urls = referenced_urls(page)
    assert {url.rsplit(".", 1)[-1] for url in urls} == {"js", "css"}
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert CONTENT_TYPES[suffix] in response.headers["content-type"], (url, response.headers)
        assert len(response.content) > 1000, url
        assert "max-age" in response.headers["cache-control"]
        assert response.content == (STATIC_DIR / url.rsplit("/", 1)[-1]).read_bytes()


async def test_react_loads_before_graphiql(client):
    page = await get_page(client)
    scripts = [url.rsplit("/", 1)[-1] for url in referenced_urls(page) if url.endswith(".js")]
    assert scripts == ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"]


async def test_headers_and_tabs_stay_in_memory(client):
    page = await get_page(client)
    (script,) = inline_scripts(page)
    assert "shouldPersistHeaders: false" in script
    assert "storage: memoryStorage" in script
    for method in ("getItem", "setItem", "removeItem", "clear", "length"):
        assert method in script
    assert "localStorage" not in script
    assert "sessionStorage" not in script
    assert "indexedDB" not in script
    assert "document.cookie" not in script
    assert 'GraphiQL.createFetcher({ url: "/graphql" })' in script


def test_endpoint_cannot_break_out_of_the_script():
    page = render_page('/graphql"</script><script>alert(1)//')
    assert "</script><script>alert" not in page
    assert len(inline_scripts(page)) == 1


async def test_licences_are_next_to_the_assets(client):
    for name in LICENSES:
        path = STATIC_DIR / name
        assert path.is_file(), name
        text = path.read_text()
        assert "MIT License" in text and "Permission is hereby granted" in text
        response = await client.get(f"{ASSET_PREFIX}/{name}")
        assert response.status_code == 200
        assert response.text == text


def test_versions_pin_the_vendored_files():
    versions = (STATIC_DIR / "VERSIONS.txt").read_text()
    for package in ("graphiql@3.9.0", "react@18.3.1", "react-dom@18.3.1"):
        assert re.search(rf"^{re.escape(package)} sha512-[A-Za-z0-9+/]+=*$", versions, re.M)
    digests = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", versions, re.M)
    )
    vendored = {p.name for p in STATIC_DIR.iterdir()} - {"VERSIONS.txt"}
    assert set(digests) == vendored
    for name, digest in digests.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name


async def test_missing_asset_is_404(client):
    response = await client.get(f"{ASSET_PREFIX}/nope.js")
    assert response.status_code == 404
    response = await client.get(f"{ASSET_PREFIX}/../http.py")
    assert response.status_code == 404


CHROMIUM = next(
    (
        found
        for name in ("chromium-headless-shell", "chromium", "chromium-browser")
        if (found := shutil.which(name))
    ),
    None,
)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed")
async def test_graphiql_renders_offline_in_a_real_browser(catalog_engine, tmp_path):
    """A headless browser that can resolve no host but 127.0.0.1 still renders GraphiQL,
    and leaves nothing of GraphiQL's in the profile's web storage."""
    import uvicorn

    assert CHROMIUM is not None
    omni = create_app(Settings(database_url="unused"), engine=catalog_engine)
    seen: list[tuple[str, str, int]] = []

    async def app(scope, receive, send):  # records what the browser asked for
        async def record(message):
            if message["type"] == "http.response.start":
                seen.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await omni(scope, receive, record if scope["type"] == "http" else send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started, "uvicorn did not start"
        browser = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"http://127.0.0.1:{port}/graphql",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            out, _ = await asyncio.wait_for(browser.communicate(), timeout=30)
        except TimeoutError:
            browser.kill()
            await browser.wait()
            raise
    finally:
        server.should_exit = True
        await serving
        sock.close()
    dom = out.decode()
    assert "graphiql-container" in dom, dom[:2000]
    assert "graphiql-editor" in dom
    assert "Loading GraphiQL" not in dom
    assert ("GET", "/graphql", 200) in seen
    assert ("GET", f"{ASSET_PREFIX}/graphiql.min.js", 200) in seen
    # GraphiQL fetched the schema through the fetcher (introspection POST).
    assert ("POST", "/graphql", 200) in seen, seen
    # With GraphiQL's default storage, `graphiql:tabState` etc. land in Local Storage here.
    for store in ("Local Storage", "Session Storage", "IndexedDB"):
        for path in (tmp_path / "Default" / store).rglob("*"):
            assert not path.is_file() or b"graphiql:" not in path.read_bytes(), path
    assert all(status < 400 for _, path, status in seen if path != "/favicon.ico"), seen
