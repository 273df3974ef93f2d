"""How the gateway serves the console's files: content types, validators and caching, gzip, and
refusal of paths outside the console folder. Plain HTTP, no browser."""

from __future__ import annotations

import gzip
import http.client
import re
from pathlib import Path
from urllib.parse import urlparse

import requests


def get(gateway, path: str, **headers: str) -> requests.Response:
    return requests.get(f"{gateway.url}{path}", headers=headers, timeout=30)


def raw_status(gateway, path: str) -> int:
    """Sends `path` exactly as written (requests would normalise `..`)."""
    address = urlparse(gateway.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status


def asset_urls(gateway) -> list[str]:
    html = get(gateway, "/").text
    return re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)


def test_index_is_html_revalidated_each_time_with_security_headers(gateway):
    response = get(gateway, "/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"].startswith('"')
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Assets are named under a content version, so they can be cached for a long time.
    urls = asset_urls(gateway)
    assert urls and all(re.match(r"^/assets/v-[0-9a-f]{12}/", url) for url in urls), urls


def test_conditional_requests_answer_304(gateway):
    first = get(gateway, "/", **{"Accept-Encoding": "identity"})
    again = get(gateway, "/", **{"If-None-Match": first.headers["ETag"], "Accept-Encoding": "identity"})
    assert again.status_code == 304 and not again.content
    since = get(gateway, "/", **{"If-Modified-Since": first.headers["Last-Modified"], "Accept-Encoding": "identity"})
    assert since.status_code == 304
    changed = get(gateway, "/", **{"If-None-Match": '"something-else"', "Accept-Encoding": "identity"})
    assert changed.status_code == 200


def test_versioned_assets_are_immutable_and_typed(gateway):
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
    for url in asset_urls(gateway):
        response = get(gateway, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert response.headers["Content-Type"] == types[url[url.rindex("."):]], url
    version = asset_urls(gateway)[0].split("/")[2]
    catalogue = get(gateway, f"/assets/{version}/i18n/zh-CN.json")
    assert catalogue.headers["Content-Type"] == "application/json; charset=utf-8"
    assert catalogue.json()["nav.dashboard"] == "仪表盘"
    # Without the version (or with an old one) the file is served but must be revalidated.
    assert get(gateway, "/assets/js/main.js").headers["Cache-Control"] == "no-cache"
    assert get(gateway, "/assets/v-000000000000/js/main.js").headers["Cache-Control"] == "no-cache"


def test_text_files_are_gzipped_for_clients_that_accept_it(gateway):
    url = next(url for url in asset_urls(gateway) if url.endswith("components.css"))
    plain = requests.get(f"{gateway.url}{url}", headers={"Accept-Encoding": "identity"}, stream=True, timeout=30)
    body = plain.raw.read()
    assert "Content-Encoding" not in plain.headers
    packed = requests.get(f"{gateway.url}{url}", headers={"Accept-Encoding": "gzip, deflate, br"}, stream=True, timeout=30)
    compressed = packed.raw.read()
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert gzip.decompress(compressed) == body
    assert len(compressed) < len(body) / 2, (len(compressed), len(body))
    refused = requests.get(f"{gateway.url}{url}", headers={"Accept-Encoding": "gzip;q=0, identity"}, stream=True, timeout=30)
    assert "Content-Encoding" not in refused.headers


def test_paths_outside_the_console_are_refused(gateway):
    for path in ("/assets/../../../etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc%2fpasswd",
                 "/assets/.hidden", "/assets/js/../../index.html", "/assets/no-such-file.js", "/assets/",
                 "/assets/v-000000000000/../../Package.swift"):
        status = raw_status(gateway, path)
        assert status in (400, 404), f"{path} -> {status}"


def test_head_and_console_redirect(gateway):
    head = requests.head(f"{gateway.url}/", timeout=30)
    assert head.status_code == 200 and not head.content
    assert head.headers["Content-Type"].startswith("text/html")
    moved = requests.get(f"{gateway.url}/console", allow_redirects=False, timeout=30)
    assert moved.status_code == 301 and moved.headers["Location"] == "/"


def test_a_configured_frontend_path_is_served_and_reread_when_it_changes(binaries, tmp_path):
    """`server.frontend_path`: the gateway serves that folder, and an edit shows up with a new asset version."""
    import shutil
    import time

    from e2e_support import GatewayProcess

    folder = tmp_path / "console"
    shutil.copytree(Path(__file__).resolve().parents[2] / "Sources" / "Host" / "Resources" / "console", folder)
    process = GatewayProcess(binaries.gateway, work_dir=tmp_path / "gw", plugins_dir=binaries.plugins,
                             admin_password="frontend-" + "x" * 8, extra_env={"GATEWAY_SERVER_FRONTEND_PATH": str(folder)})
    process.start()
    try:
        before = asset_urls(process)
        stylesheet = next(url for url in before if url.endswith("base.css"))
        assert "--accent: #4f46e5" in get(process, stylesheet).text
        css = folder / "assets" / "css" / "base.css"
        css.write_text(css.read_text().replace("--accent: #4f46e5", "--accent: #0f766e"))
        deadline = time.monotonic() + 10
        while asset_urls(process) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        after = asset_urls(process)
        assert after != before, "the asset version did not change after a file changed"
        fresh = next(url for url in after if url.endswith("base.css"))
        assert "--accent: #0f766e" in get(process, fresh).text
    finally:
        process.stop()
