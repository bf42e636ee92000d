"""No one gets in, nothing leaks: authentication and authorization of every route, and
paths that try to leave the root or reach hidden files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import DEMO, copy_demo
from tornado.httpclient import HTTPClientError

from jupyter_blocks.web.routes import route_table

# One request per route: (method, path parts, query, body). Every route is listed, so a
# new handler without a line here fails test_every_route_is_covered.
REQUESTS = {
    "version": ("GET", ["version"], None, None),
    "status": ("GET", ["status"], None, None),
    "block/(?P<block_id>[^/]+)": ("GET", ["block", "sales-plot"], None, None),
    "resolve": ("POST", ["resolve"], None, {"ids": ["sales-plot"]}),
    "search": ("GET", ["search"], {"q": "sales"}, None),
    "backlinks/(?P<block_id>[^/]+)": ("GET", ["backlinks", "sales-plot"], None, None),
    "notebook-backlinks": ("GET", ["notebook-backlinks"], {"path": "data/sales.ipynb"}, None),
    "backlink-counts": ("GET", ["backlink-counts"], {"path": "data/sales.ipynb"}, None),
    "notebook-link": ("GET", ["notebook-link"], {"target": "report.ipynb"}, None),
    "unlinked": ("GET", ["unlinked"], {"path": "analysis/seasonality.ipynb"}, None),
    "graph": ("GET", ["graph"], {"path": "data/sales.ipynb", "depth": "2"}, None),
    "link-mention": (
        "POST",
        ["link-mention"],
        None,
        {
            "path": "data/sales.ipynb",
            "index": 0,
            "digest": "0",
            "start": 0,
            "end": 1,
            "match": "#",
            "link": "[[report.ipynb]]",
        },
    ),
    "ensure-id": ("POST", ["ensure-id"], None, {"path": "data/sales.ipynb", "index": 0}),
    "reassign-ids": ("POST", ["reassign-ids"], None, {"path": "data/sales.ipynb"}),
    "recipe/(?P<block_id>[^/]+)": ("GET", ["recipe", "sales-plot"], None, None),
    "recipe": ("GET", ["recipe"], {"path": "data/sales.ipynb", "index": "3"}, None),
    "label": (
        "POST",
        ["label"],
        None,
        {"cell_type": "code", "source": "1", "label": "fig-new", "id": "sales-plot"},
    ),
    "rename-label": ("POST", ["rename-label"], None, {"label": "fig-old", "new": "fig-new"}),
    "follow-move": ("POST", ["follow-move"], None, {"from": "old.ipynb", "to": "new.ipynb"}),
    "run/(?P<block_id>[^/]+)": ("POST", ["run", "sales-plot"], None, {}),
    "run": ("POST", ["run"], {"path": "data/sales.ipynb", "index": "3"}, {}),
}
# A headless run starts a kernel: a read-only user is refused it like a write.
WRITES = {
    "ensure-id",
    "reassign-ids",
    "link-mention",
    "label",
    "rename-label",
    "follow-move",
    "run/(?P<block_id>[^/]+)",
    "run",
}


@pytest.fixture
def demo_root(jp_root_dir: Path) -> Path:
    copy_demo(jp_root_dir)
    return jp_root_dir


async def call(jp_fetch, route: str, headers: dict | None = None):
    method, parts, query, body = REQUESTS[route]
    kwargs = {"method": method, "params": query, "headers": headers}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    return await jp_fetch("api", "blocks", *parts, **kwargs)


def test_every_route_is_covered():
    assert {pattern.split("/api/blocks/", 1)[1] for pattern, _ in route_table()} == set(REQUESTS)


@pytest.mark.parametrize("route", sorted(REQUESTS))
async def test_every_route_refuses_a_request_without_token(demo_root, jp_fetch, route):
    with pytest.raises(HTTPClientError) as error:
        await call(jp_fetch, route, headers={"Authorization": ""})
    assert error.value.code == 403


@pytest.fixture
def deny_all(jp_server_config: dict) -> dict:
    jp_server_config["ServerApp"]["authorizer_class"] = "helpers.DenyAllAuthorizer"
    return jp_server_config


@pytest.mark.parametrize("route", sorted(REQUESTS))
async def test_every_route_obeys_a_deny_all_authorizer(deny_all, demo_root, jp_fetch, route):
    with pytest.raises(HTTPClientError) as error:
        await call(jp_fetch, route)
    assert error.value.code == 403


@pytest.fixture
def read_only(jp_server_config: dict) -> dict:
    jp_server_config["ServerApp"]["authorizer_class"] = "helpers.ReadOnlyAuthorizer"
    return jp_server_config


@pytest.mark.parametrize("route", sorted(REQUESTS))
async def test_a_read_only_user_cannot_write(read_only, demo_root, blocks, jp_fetch, route):
    await blocks.ready()
    before = (demo_root / "data" / "sales.ipynb").read_bytes()
    if route in WRITES:
        with pytest.raises(HTTPClientError) as error:
            await call(jp_fetch, route)
        assert error.value.code == 403
    else:
        assert (await call(jp_fetch, route)).code == 200
    assert (demo_root / "data" / "sales.ipynb").read_bytes() == before


TRAVERSALS = [
    "../outside.ipynb",
    "../../etc/passwd",
    "%2e%2e%2foutside.ipynb",
    "%252e%252e%252foutside.ipynb",
    "..%2Foutside.ipynb",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "\\\\host\\share\\x.ipynb",
    "data/../../outside.ipynb",
    "sales.ipynb\x00.txt",
    ".ipynb_checkpoints/sales-checkpoint.ipynb",
    ".git/secret.ipynb",
    ".hidden/secret.ipynb",
]


@pytest.fixture
def guarded_root(demo_root: Path) -> Path:
    secret = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "id": "secret-cell", "metadata": {}, "source": "zebra secret"}
        ],
    }
    outside = demo_root.parent / "outside.ipynb"
    outside.write_text(json.dumps(secret))
    # A sibling folder whose name starts like the root's
    sibling = Path(str(demo_root) + "-x")
    sibling.mkdir(exist_ok=True)
    (sibling / "secret.ipynb").write_text(json.dumps(secret))
    for folder in (".ipynb_checkpoints", ".git", ".hidden"):
        (demo_root / folder).mkdir(exist_ok=True)
        (demo_root / folder / "secret.ipynb").write_text(json.dumps(secret))
    os.symlink(outside, demo_root / "link-out.ipynb")
    os.symlink(sibling, demo_root / "sibling-link")
    return demo_root


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_paths_never_leave_the_root(guarded_root, blocks, path):
    await blocks.ready()
    for route in ("notebook-backlinks", "backlink-counts"):
        code, _ = await blocks.error(route, path=path)
        assert code in (400, 404), (route, path)
    for route in ("ensure-id", "reassign-ids"):
        code, _ = await blocks.error(route, method="POST", body={"path": path, "index": 0})
        assert code in (400, 404, 409), (route, path)


async def test_nothing_outside_or_hidden_is_indexed_searched_or_served(guarded_root, blocks):
    status = await blocks.ready()
    assert status["notebooks"] == len(list(DEMO.rglob("*.ipynb")))
    assert (await blocks.get("search", q="zebra secret"))["results"] == []
    code, _ = await blocks.error("block", "secret-cell")
    assert code == 404
    assert (await blocks.post("resolve", body={"ids": ["secret-cell"]}))["blocks"] == {
        "secret-cell": None
    }


async def test_a_file_swapped_for_a_symlink_out_of_the_root_stops_being_served(
    guarded_root, blocks
):
    await blocks.ready()
    assert (await blocks.get("block", "sales-plot"))["path"] == "data/sales.ipynb"
    target = guarded_root / "data" / "sales.ipynb"
    target.unlink()
    os.symlink(guarded_root.parent / "outside.ipynb", target)

    async def gone():
        reply = await blocks.post("resolve", body={"ids": ["sales-plot", "secret-cell"]})
        served = reply["blocks"]
        return (served["sales-plot"] is None or served["sales-plot"]["deleted"]) and served[
            "secret-cell"
        ] is None

    assert await blocks.until(gone)
    assert (await blocks.get("search", q="zebra"))["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "*",
        "a*b*",
        "NEAR(a b)",
        "a OR b",
        "source:x",
        "path:secret",
        "^a",
        "a AND NOT b",
        "(((",
        "x" * 10_000,
        "\x00",
        "' OR 1=1 --",
    ],
)
async def test_search_treats_fts_syntax_as_text(guarded_root, blocks, query):
    await blocks.ready()
    try:
        reply = await blocks.get("search", q=query)
    except HTTPClientError as error:
        assert error.code == 400
        return
    assert all(r["path"] and "secret" not in r["snippet"] for r in reply["results"])


async def test_a_cross_site_post_without_xsrf_token_is_refused(
    demo_root, blocks, jp_fetch, jp_serverapp
):
    await blocks.ready()
    token = jp_serverapp.identity_provider.token
    # Given a browser logged in by cookie (as after opening JupyterLab)
    login = await jp_fetch(
        "api", "blocks", "status", params={"token": token}, headers={"Authorization": ""}
    )
    cookies = "; ".join(c.split(";", 1)[0] for c in login.headers.get_list("Set-Cookie"))
    assert cookies
    body = json.dumps({"path": "data/sales.ipynb", "index": 0})
    # When another site makes that browser POST, with the cookie but no XSRF token
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch(
            "api",
            "blocks",
            "ensure-id",
            method="POST",
            body=body,
            headers={"Authorization": "", "Cookie": cookies},
        )
    # Then it is refused
    assert error.value.code == 403
    # While the same request from JupyterLab's own page (which got an _xsrf cookie and
    # echoes it in a header) passes
    page = await jp_fetch("login", headers={"Authorization": ""}, follow_redirects=False)
    xsrf = next(
        c.split(";", 1)[0].split("=", 1)[1]
        for c in page.headers.get_list("Set-Cookie")
        if c.startswith("_xsrf=")
    )
    cookies += f"; _xsrf={xsrf}"
    reply = await jp_fetch(
        "api",
        "blocks",
        "ensure-id",
        method="POST",
        body=body,
        headers={"Authorization": "", "Cookie": cookies, "X-XSRFToken": xsrf},
    )
    assert reply.code == 200
