"""The documentation pages work without internet: every asset they load comes from the app."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

import api
import web

#: an attribute's URL (script, link) or a URL in Swagger UI's JS config
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|_url)\s*:\s*["']([^"']+)["']""")


def references(html: str) -> set[str]:
    """Every URL the page loads or points at (script/link tags, the JS config's URLs)."""
    return {a or b for a, b in ASSET.findall(html)}


async def test_docs_page_refers_to_no_external_host_and_its_assets_are_served(
    anonymous: httpx.AsyncClient,
) -> None:
    # Given the docs page, fetched without a token
    answer = await anonymous.get("/docs")
    assert answer.status_code == 200
    html = answer.text

    # Then it names no host at all (only paths of this app), nor a scheme-relative URL
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    urls = references(html)
    assert "/openapi.json" in urls
    assert any(url.endswith(".js") for url in urls)
    # And every asset it refers to answers 200 from the app itself
    answers = {url: (await anonymous.get(url)).status_code for url in urls}
    assert answers == dict.fromkeys(urls, 200)
    # And the browser may load nothing from elsewhere
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assert re.findall(r"https?:", policy) == []


async def test_swagger_ui_assets_are_the_vendored_release_files(
    anonymous: httpx.AsyncClient,
) -> None:
    script = await anonymous.get("/docs-assets/swagger-ui/swagger-ui-bundle.js")
    css = await anonymous.get("/docs-assets/swagger-ui/swagger-ui.css")

    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert len(script.content) > 1_000_000  # the whole bundle, not a stub
    assert css.headers["content-type"].startswith("text/css")
    # Swagger UI's OAuth2 redirect page, which FastAPI adds only beside its own /docs
    redirect = await anonymous.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text


async def test_redoc_redirects_to_the_one_docs_page(anonymous: httpx.AsyncClient) -> None:
    # ReDoc's bundle loads its footer logo from a public CDN: it is not served at all
    answer = await anonymous.get("/redoc")

    assert answer.status_code == 308
    assert answer.headers["location"] == "/docs"


def test_no_vendored_asset_loads_from_a_content_delivery_network() -> None:
    # What a page loads comes from the package: no bundle may name a CDN to fetch from
    roots = [Path(api.__file__).parent / "static", Path(web.__file__).parent / "static"]
    cdn = re.compile(rb"//(?:cdn\.|cdnjs\.|unpkg\.com|cdn\.jsdelivr|fonts\.googleapis)")
    named = {
        str(path.relative_to(root.parent))
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and cdn.search(path.read_bytes())
    }
    assert named == set()
