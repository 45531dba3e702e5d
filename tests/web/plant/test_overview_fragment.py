"""The overview's live fragment is rendered once per view and language, for every user."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.settings import Settings
from tests.paths import DEMO

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Views kept for minutes: a loaded machine must not age the page's view before its polls."""
    return Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("pabrik-data"), view_cache_s=300)


async def test_the_page_and_its_polls_share_one_rendering_of_the_same_view(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    renderer = app.state.pabrik.renderer
    page = await client.get("/")
    before = renderer.fragment_renders
    polls = [(await client.get("/partials/overview?lang=id")).text for _ in range(3)]
    assert renderer.fragment_renders == before
    assert polls[0] == polls[1] == polls[2]
    assert polls[0].strip() in page.text


async def test_each_language_gets_its_own_rendering(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    indonesian = await client.get("/partials/overview?lang=id")
    english = await client.get("/partials/overview?lang=en")
    assert indonesian.text != english.text
    assert 'hx-get="/partials/overview?lang=en"' in english.text
    assert english.cookies.get("pabrik_lang") == "en"
