"""GraphiQL from assets packaged with Omni, so it works on a store network with no internet.

Strawberry's own page loads GraphiQL, React and plugins from a CDN and stays blank offline.
Here the browser builds are vendored in `static/` (versions, integrity and licences in
`static/VERSIONS.txt`) and served under ASSET_PREFIX. The page keeps everything GraphiQL
would store (tabs, queries and pasted tokens in the headers editor) in memory only: nothing
survives a reload and nothing is written to the browser's storage.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

ASSET_PREFIX = "/graphql/assets"
STATIC_DIR = Path(__file__).parent / "static"

STYLESHEETS = ("graphiql.min.css",)
# In load order: GraphiQL's UMD build expects the React and ReactDOM globals.
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
LICENSES = ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom")

# The vendored files only change with an Omni release; a day's caching, then revalidation.
CACHE_CONTROL = "public, max-age=86400"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Omni GraphQL</title>
{stylesheets}
<style>
html, body {{ height: 100%; margin: 0; }}
#graphiql {{ height: 100vh; }}
</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
{scripts}
<script>
(function () {{
  // Tabs, queries and headers (tokens) live in this object only, gone on reload.
  var items = {{}};
  var memoryStorage = {{
    getItem: function (key) {{
      return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null;
    }},
    setItem: function (key, value) {{ items[key] = String(value); }},
    removeItem: function (key) {{ delete items[key]; }},
    clear: function () {{ items = {{}}; }},
    get length() {{ return Object.keys(items).length; }}
  }};
  var fetcher = GraphiQL.createFetcher({{ url: {endpoint} }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{
      fetcher: fetcher,
      storage: memoryStorage,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true
    }})
  );
}})();
</script>
</body>
</html>
"""


def asset_url(name: str) -> str:
    return f"{ASSET_PREFIX}/{name}"


def _js_string(value: str) -> str:
    """A JavaScript string literal that is safe inside an inline <script>."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


def render_page(endpoint: str = "/graphql") -> str:
    """The GraphiQL HTML page; every asset it loads comes from this server."""
    stylesheets = "\n".join(f'<link rel="stylesheet" href="{asset_url(n)}">' for n in STYLESHEETS)
    scripts = "\n".join(f'<script src="{asset_url(n)}"></script>' for n in SCRIPTS)
    return _PAGE.format(stylesheets=stylesheets, scripts=scripts, endpoint=_js_string(endpoint))


class _CachedStaticFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = list(message.get("headers", []))
                headers.append((b"cache-control", CACHE_CONTROL.encode()))
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, send_with_cache)


def asset_routes() -> list[BaseRoute]:
    """The route serving the vendored GraphiQL files under ASSET_PREFIX."""
    return [Mount(ASSET_PREFIX, app=_CachedStaticFiles(directory=STATIC_DIR), name="graphiql")]
