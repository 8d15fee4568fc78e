"""The web app over real HTTP (uvicorn on 127.0.0.1), on SQLite and PostgreSQL: pages,
search, filters, hostile input, feedback links, authentication, CSRF and headers."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.routing import APIRoute
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from monitor.app import App, open_app
from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.models import Classification, ThemeMatch, utcnow
from monitor.storage.search import parse_search
from monitor.tokens import FEEDBACK_MAX_AGE, FeedbackClaim, Signer, load_or_create_key
from monitor.web.server import WebServer
from tests.support.articles import add
from tests.support.builders import INADEQUATE_STORY, stored_article
from tests.support.web import csrf_of, module_database, module_environment, serve

# Its module-scoped servers are built once: the whole module runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("web")

EVIDENCE = "Ofsted inspectors judged the council's children's services inadequate."
HOSTILE = "<script>alert(1)</script> \u202egnp.exe <img src=x onerror=alert(2)>"


def _add(app: App, n: int, title: str, text: str, *, relevant: bool = True, url: str = "") -> int:
    now = utcnow()
    article = stored_article(
        url or f"https://news.example.org/{n}", title, text, now - timedelta(hours=n + 1)
    )
    themes = (ThemeMatch("judgements-ratings", 0.8, (EVIDENCE,)),) if relevant else ()
    found = app.store.add_article(
        article, Classification(relevant, 0.9 if relevant else 0.2, themes, "test"), now
    )
    assert found is not None
    return found


def _fill(app: App) -> App:
    _add(app, 1, "Council rated inadequate by Ofsted", f"Intro.\n{EVIDENCE}\nMore text here.")
    _add(app, 2, "Fostering review published", "Foster carers and social workers spoke.")
    _add(app, 3, "School league tables", "A school story about exams.", relevant=False)
    _add(app, 4, HOSTILE, "Hostile text.", url="javascript:alert(3)")
    return app


@pytest.fixture
def filled(app: App) -> App:
    return _fill(app)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The filled app served once per database for the tests that only read (and the CSRF
    test, which leaves the sources as it found them)."""
    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    with module_environment(folder, web_bind="127.0.0.1:0", base_url="http://127.0.0.1:1") as mp:
        for url in module_database(request, folder):
            mp.setenv("MONITOR_DATABASE_URL", url)
            web_app = _fill(open_app(load_settings()))
            with serve(web_app) as base:
                yield base
            web_app.close()


PAGES = [
    "/articles",
    "/articles?relevant=relevant",
    "/search?q=ofsted",
    "/themes",
    "/sources",
    "/digests",
    "/digests/preview",
    "/status",
    "/api/articles",
    "/api/sources",
    "/api/digests",
    "/api/feedback",
    "/api/status",
    "/api/openapi.json",
    "/metrics",
]


def test_every_page_renders_with_the_security_headers(site: str) -> None:
    for path in PAGES:
        response = httpx.get(site + path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    framed = httpx.get(site + "/digests/preview/message")
    assert "sandbox" in framed.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in framed.headers["content-security-policy"]


def test_filters_and_pagination(site: str) -> None:
    relevant = httpx.get(site + "/api/articles", params={"relevant": "relevant"}).json()
    titles = [a["title"] for a in relevant["articles"]]
    assert "School league tables" not in titles and "Council rated inadequate by Ofsted" in titles
    assert set(relevant["articles"][0]) >= {
        "id",
        "url",
        "title",
        "source",
        "origin",
        "published",
        "date_status",
        "fetched_at",
        "relevant",
        "relevance",
        "themes",
        "extraction_error",
    }
    near = httpx.get(site + "/api/articles", params={"relevant": "near"}).json()
    assert [a["title"] for a in near["articles"]] == ["School league tables"]
    themed = httpx.get(site + "/api/articles", params={"theme": "judgements-ratings"}).json()
    assert len(themed["articles"]) == 3
    history = httpx.get(site + "/api/articles", params={"origin": "history"}).json()
    assert history["articles"] == []
    empty = httpx.get(site + "/api/articles", params={"page": 9999}).json()
    assert empty["articles"] == [] and not empty["has_next"]


def test_search_words_phrases_and_exclusions(site: str) -> None:
    def titles(q: str) -> set[str]:
        found = httpx.get(site + "/api/articles", params={"q": q}).json()["articles"]
        return {a["title"] for a in found}

    assert titles("ofsted") == {"Council rated inadequate by Ofsted"}
    assert titles("social workers") == {"Fostering review published"}
    assert titles('"carers and social"') == {"Fostering review published"}
    assert titles('"social carers"') == set()
    assert titles("inadequate -ofsted") == set()
    assert "School league tables" in titles("-ofsted")
    # Several exclusions (one expression on each database): any of them leaves an article out.
    assert titles('inadequate -zzzz -"no such phrase"') == titles("inadequate") != set()
    assert titles("inadequate -zzzz -ofsted") == set()
    assert titles('"social workers" -zzzz -ofsted') == {"Fostering review published"}
    assert titles("-ofsted -zzzz") == titles("-ofsted")
    page = httpx.get(site + "/search", params={"q": "inadequate"}).text
    assert "<mark>inadequate</mark>" in page or "<mark>Inadequate</mark>" in page


@pytest.mark.parametrize(
    "query",
    [
        {"page": "-1"},
        {"page": str(10**30)},
        {"theme": "no-such-theme"},
        {"since": "2026-13-45"},
        {"until": "yesterday"},
        {"source": "abc"},
        {"relevant": "maybe"},
        {"q": "x" * 10_000},
    ],
)
def test_bad_parameters_are_400_never_500(site: str, query: dict[str, str]) -> None:
    for path in ("/articles", "/api/articles"):
        assert httpx.get(site + path, params=query).status_code == 400, (path, query)


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "AND OR NOT",
        "NEAR(a b)",
        "a* ^b",
        "'; DROP TABLE article; --",
        "-",
        '""',
        "ü\u0000x",
        "title:x",
    ],
)
def test_search_syntax_never_fails(site: str, q: str) -> None:
    assert httpx.get(site + "/api/articles", params={"q": q}).status_code == 200
    assert httpx.get(site + "/search", params={"q": q}).status_code == 200


def test_search_parser() -> None:
    terms = parse_search('care "children\'s homes" -school -"league tables" "open')
    assert terms.include == (("care",), ("children", "s", "homes"), ("open",))
    assert terms.exclude == (("school",), ("league", "tables"))
    assert parse_search("   ").is_empty


def test_hostile_titles_and_links_are_inert(site: str) -> None:
    for path in ("/articles", "/search?q=hostile"):
        page = httpx.get(site + path).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
        assert 'href="javascript:' not in page
        for link in re.findall(r'<a href="(https?://[^"]+)"[^>]*>', page):
            assert link.startswith(("http://", "https://"))
        assert all(
            'rel="noopener noreferrer"' in tag
            for tag in re.findall(r'<a href="https?://[^>]+>', page)
        )


def test_article_page_highlights_the_evidence(site: str) -> None:
    listing = httpx.get(site + "/api/articles", params={"q": "inadequate"}).json()["articles"]
    page = httpx.get(f"{site}/articles/{listing[0]['id']}").text
    assert '<mark class="evidence" data-theme="judgements-ratings"' in page
    assert "Ofsted inspectors judged the council&#39;s children&#39;s services inadequate." in page
    assert httpx.get(site + "/articles/999999").status_code == 404


def _feedback_link(message: bytes) -> list[str]:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(r"Not relevant: (\S+)", text)


def test_feedback_from_a_digest_link(
    monkeypatch: pytest.MonkeyPatch, filled: App, tmp_path: object
) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    web_app = open_app(load_settings())
    with serve(web_app) as url:
        monkeypatch.setenv("MONITOR_BASE_URL", url)
        mail_app = open_app(load_settings())
        record, _ = mail_app.digests().create("2026-12-01")
        message = mail_app.digest_store.message(record.id)
        assert message is not None
        links = _feedback_link(message)
        assert links and all(link.startswith(url + "/feedback/") for link in links)
        before = len(httpx.get(url + "/api/feedback").json())
        confirm = httpx.get(links[0])  # what a mail scanner does
        assert confirm.status_code == 200 and "Nothing is recorded" in confirm.text
        assert len(httpx.get(url + "/api/feedback").json()) == before
        for _ in range(2):  # twice is once
            assert httpx.post(links[0]).status_code == 200
        recorded = httpx.get(url + "/api/feedback").json()
        assert len(recorded) == before + 1 and recorded[0]["label"] == "not_relevant"
        article_id = recorded[0]["article_id"]
        digest, _ = mail_app.digests().preview(since=utcnow() - timedelta(days=7))
        assert article_id not in {i.article.id for i in digest.items}
        mail_app.close()
        forged = links[0][:-3] + ("AAA" if not links[0].endswith("AAA") else "BBB")
        assert httpx.post(forged).status_code == 400
        assert httpx.get(forged).status_code == 400
    web_app.close()


def test_expired_and_foreign_tokens_are_refused() -> None:
    signer = Signer("k" * 40)
    token = signer.feedback_token(FeedbackClaim(1, "p", "a@example.org", "relevant"))
    assert signer.check_feedback(token).article_id == 1
    with pytest.raises(ValueError, match="expired"):
        signer.check_feedback(token, max_age=-1)
    with pytest.raises(ValueError):
        Signer("other" * 10).check_feedback(token)


def test_a_non_local_bind_needs_authentication(monkeypatch: pytest.MonkeyPatch, app: App) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "0.0.0.0:0")
    exposed = open_app(load_settings())
    with pytest.raises(ConfigError, match="MONITOR_WEB_PASSWORD"):
        WebServer(exposed)
    exposed.close()


def test_password_login_guards_every_route(monkeypatch: pytest.MonkeyPatch, filled: App) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    monkeypatch.setenv("MONITOR_WEB_PASSWORD", "correct horse")
    guarded = open_app(load_settings())
    web = WebServer(guarded)
    routes = [r for r in web.asgi.routes if isinstance(r, APIRoute)]
    web.socket.close()
    with serve(guarded) as url:
        for route in routes:
            path = route.path.replace("{article_id}", "1").replace("{source_id}", "1")
            path = path.replace("{digest_id}", "1").replace("{token}", "x")
            for method in route.methods or ():
                response = httpx.request(method, url + path)
                if path.startswith(("/healthz", "/login", "/feedback/")):
                    continue
                assert response.status_code in (303, 401), (method, path)
                assert (
                    "login" in response.headers.get("location", "/login")
                    or response.status_code == 401
                )
        with httpx.Client(base_url=url) as client:
            client.get("/login")
            csrf = client.cookies["monitor_csrf"]
            assert (
                client.post("/login", data={"password": "wrong", "csrf": csrf}).status_code == 401
            )
            ok = client.post("/login", data={"password": "correct horse", "csrf": csrf})
            assert ok.status_code == 303
            cookie = ok.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie
            assert client.get("/articles").status_code == 200
        with httpx.Client(base_url=url) as attacker:
            attacker.get("/login")
            csrf = attacker.cookies["monitor_csrf"]
            codes = [
                attacker.post("/login", data={"password": f"guess{i}", "csrf": csrf}).status_code
                for i in range(7)
            ]
            assert codes[-1] == 429
    guarded.close()


def test_csrf_is_required_on_forms(site: str) -> None:
    with httpx.Client(base_url=site) as client:
        assert client.post("/sources", data={"url": "https://example.org/feed"}).status_code == 403
        csrf = csrf_of(client, site)
        added = client.post(
            "/sources", data={"url": "https://example.org/feed", "no_check": "on", "csrf": csrf}
        )
        assert added.status_code == 303
        sources = client.get("/api/sources").json()
        assert [s["url"] for s in sources] == ["https://example.org/feed"]
        sid = sources[0]["id"]
        assert client.post(f"/sources/{sid}/remove", data={"csrf": "forged" * 5}).status_code == 403
        assert client.post(f"/sources/{sid}/remove", data={"csrf": csrf}).status_code == 303
        assert client.get("/api/sources").json() == []


def test_trusted_proxy_header(monkeypatch: pytest.MonkeyPatch, filled: App) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    monkeypatch.setenv("MONITOR_WEB_TRUST_PROXY_HEADER", "X-Forwarded-User")
    proxied = open_app(load_settings())
    with serve(proxied) as url:
        assert httpx.get(url + "/articles").status_code == 401
        assert httpx.get(url + "/articles", headers={"X-Forwarded-User": "ann"}).status_code == 200
        assert httpx.get(url + "/healthz").status_code in (200, 503)
    proxied.close()


def _links(message: bytes, action: str) -> list[str]:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(rf"^  {action}: (\S+)", text, flags=re.M)


def _expired(token_for: FeedbackClaim, key: str) -> str:
    """A correctly signed feedback token made FEEDBACK_MAX_AGE and a day ago."""

    class Old(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - FEEDBACK_MAX_AGE - 86400)

    c = token_for
    old = URLSafeTimedSerializer(key, salt="monitor.feedback", signer=Old)
    return str(old.dumps([c.article_id, c.period, c.recipient, c.action]))


def test_wrong_theme_and_relevant_links(monkeypatch: pytest.MonkeyPatch, filled: App) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    web_app = open_app(load_settings())
    theme_ids = [t.id for t in web_app.classify.book.themes]
    with serve(web_app) as url:
        monkeypatch.setenv("MONITOR_BASE_URL", url)
        mail_app = open_app(load_settings())
        record, _ = mail_app.digests().create("2026-12-01")
        message = mail_app.digest_store.message(record.id)
        assert message is not None
        wrong, relevant = _links(message, "Wrong theme"), _links(message, "Relevant")
        assert wrong and len(relevant) == 1  # the school story is the one near miss

        # "Wrong theme": the page offers the themes to tick; the POST records the ticked ones.
        confirm = httpx.get(wrong[0])
        assert confirm.status_code == 200 and "Tick the themes" in confirm.text
        assert all(f'value="{t}"' in confirm.text for t in theme_ids)
        assert httpx.post(wrong[0], data={"themes": "no-such-theme"}).status_code == 400
        assert httpx.post(wrong[0], data={"themes": ["workforce", theme_ids[0]]}).status_code == 200
        claim = web_app.signer().check_feedback(wrong[0].rsplit("/", 1)[1])
        article = httpx.get(f"{url}/api/articles/{claim.article_id}").json()
        assert article["label"]["label"] == "wrong_theme"
        assert sorted(article["label"]["themes"]) == sorted(["workforce", theme_ids[0]])
        assert article["themes"]  # the classifier's own answer is kept beside the label
        # The lists file it under the ticked themes at once (article_theme follows labels).
        unticked = next(t for t in theme_ids if t not in ("workforce", theme_ids[0]))
        for theme, listed in ((theme_ids[0], True), ("workforce", True), (unticked, False)):
            found = httpx.get(
                f"{url}/api/articles", params={"theme": theme, "relevant": "relevant"}
            ).json()
            assert (claim.article_id in {a["id"] for a in found["articles"]}) is listed

        # "Relevant" on a near miss: recorded once, and the next digest carries it as a story.
        confirm = httpx.get(relevant[0])
        assert confirm.status_code == 200 and "is relevant" in confirm.text
        for _ in range(2):
            assert httpx.post(relevant[0]).status_code == 200
        near = web_app.signer().check_feedback(relevant[0].rsplit("/", 1)[1])
        feedback = httpx.get(url + "/api/feedback").json()
        assert [f["label"] for f in feedback if f["article_id"] == near.article_id] == ["relevant"]
        digest, _ = mail_app.digests().preview(since=utcnow() - timedelta(days=7))
        assert near.article_id in {i.article.id for i in digest.items}
        found = httpx.get(f"{url}/api/articles", params={"relevant": "relevant"}).json()
        assert near.article_id in {a["id"] for a in found["articles"]}

        # A correctly signed link past its expiry records nothing.
        expired = _expired(near, load_or_create_key(None, web_app.settings.data_dir))
        before = len(httpx.get(url + "/api/feedback").json())
        for method in ("GET", "POST"):
            response = httpx.request(method, f"{url}/feedback/{expired}")
            assert response.status_code == 400 and "expired" in response.text
        assert len(httpx.get(url + "/api/feedback").json()) == before
        mail_app.close()
    web_app.close()


def test_every_kind_of_response_carries_the_csp(site: str) -> None:
    article = httpx.get(site + "/api/articles").json()["articles"][0]["id"]
    for path, status in [
        (f"/articles/{article}", 200),
        ("/articles/999999", 404),
        ("/no/such/page", 404),
        ("/articles?page=-1", 400),
        ("/api/articles?page=-1", 400),
        ("/feedback/not-a-token", 400),
        ("/login", 303),
        ("/", 303),
        ("/healthz", 200),
        ("/favicon.ico", 200),
        ("/static/style.css", 200),
    ]:
        response = httpx.get(site + path)
        assert response.status_code == status, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path
    icon = httpx.get(site + "/favicon.ico")
    assert icon.headers["content-type"] == "image/x-icon" and icon.content[:4] == b"\0\0\1\0"


def test_bidi_and_control_characters_in_titles_are_inert(site: str) -> None:
    hostile = httpx.get(site + "/api/articles", params={"q": "hostile"}).json()["articles"][0]
    assert "\u202e" in hostile["title"]  # the API gives the stored data as it is
    for path in ("/articles", "/search?q=hostile", f"/articles/{hostile['id']}"):
        page = httpx.get(site + path).text
        assert "\u202e" not in page and "gnp.exe" in page, path


def test_every_form_needs_its_csrf_token(site: str) -> None:
    article = httpx.get(site + "/api/articles").json()["articles"][0]["id"]
    with httpx.Client(base_url=site) as client:
        csrf = csrf_of(client, site)
        for path, data in [
            (f"/articles/{article}/feedback", {"label": "not_relevant"}),
            ("/sources", {"url": "https://example.org/feed", "no_check": "on"}),
            ("/sources/1/remove", {}),
            ("/login", {"password": "x"}),
            ("/logout", {}),
        ]:
            assert client.post(path, data=data).status_code == 403, path
            assert client.post(path, data={**data, "csrf": "x" * 43}).status_code == 403, path
        assert httpx.get(site + "/api/feedback").json() == []
        assert (
            client.post(
                f"/articles/{article}/feedback", data={"label": "maybe", "csrf": csrf}
            ).status_code
            == 400
        )


def test_a_non_local_bind_with_a_password_shows_nothing_before_signing_in(
    monkeypatch: pytest.MonkeyPatch, filled: App
) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "0.0.0.0:0")
    monkeypatch.setenv("MONITOR_WEB_PASSWORD", "a shared secret")
    exposed = open_app(load_settings())
    web = WebServer(exposed)
    port = web.socket.getsockname()[1]
    web.start()
    try:
        local = f"http://127.0.0.1:{port}"
        for path in ("/articles", "/search?q=ofsted", "/themes", "/sources", "/status"):
            response = httpx.get(local + path)
            assert response.status_code == 303 and response.headers["location"] == "/login"
            assert "Ofsted" not in response.text
        for path in ("/api/articles", "/api/sources", "/api/feedback", "/metrics"):
            assert httpx.get(local + path).status_code == 401, path
        assert httpx.get(local + "/login").status_code == 200
    finally:
        web.stop()
        exposed.close()


SUNDERLAND_GOOD = (
    "Sunderland children's services now rated good by Ofsted",
    "Ofsted has rated Sunderland City Council's children's services good, up from inadequate "
    "at its last inspection.\nInspectors praised social workers and the council's leaders for "
    "the improvement in the care of children in need of help and protection.",
)


def test_councils_pages_and_the_authority_filter(
    monkeypatch: pytest.MonkeyPatch, filled: App
) -> None:
    earlier = add(
        filled,
        10,
        INADEQUATE_STORY.title.replace("Northmoor", "Sunderland"),
        "\n".join(INADEQUATE_STORY.paragraphs).replace("Northmoor", "Sunderland"),
        ago=24 * 400,
    )
    later = add(filled, 11, *SUNDERLAND_GOOD, ago=2)
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    web_app = open_app(load_settings())
    with serve(web_app) as url:
        councils = httpx.get(url + "/api/authorities").json()
        assert [c["name"] for c in councils] == ["Sunderland"]
        assert councils[0] | {"graded_at": None} == {
            "code": "E08000024",
            "name": "Sunderland",
            "region": councils[0]["region"],
            "articles": 2,
            "grade": "good",
            "previous_grade": "inadequate",
            "graded_at": None,
            "graded_article_id": later,
        }
        listing = httpx.get(url + "/authorities").text
        assert 'href="/authorities/E08000024"' in listing and "good" in listing

        page = httpx.get(url + "/authorities/E08000024").text
        assert page.index(f'href="/articles/{later}"') < page.index(f'href="/articles/{earlier}"')
        assert 'class="grade grade-good"' in page and 'class="grade grade-inadequate"' in page
        assert "up from inadequate at its last inspection" in page  # the evidence
        lower = httpx.get(url + "/authorities/e08000024")
        assert lower.status_code == 301 and lower.headers["location"] == "/authorities/E08000024"
        assert httpx.get(url + "/authorities/E99999999").status_code == 404

        for council in ("E08000024", "Sunderland", "sunderland"):
            found = httpx.get(url + "/api/articles", params={"authority": council}).json()
            assert [a["id"] for a in found["articles"]] == [later, earlier], council
        relevant_only = httpx.get(
            url + "/api/articles", params={"authority": "Sunderland", "since": "2026-11-01"}
        ).json()
        assert [a["id"] for a in relevant_only["articles"]] == [later]
        filtered = httpx.get(url + "/articles", params={"authority": "Sunderland"}).text
        assert "now rated good by Ofsted" in filtered and "Fostering review" not in filtered
        assert 'value="Sunderland"' in filtered  # the filter is kept in the form
        for bad in ("Atlantis", "x" * 500):
            for path in ("/articles", "/api/articles"):
                response = httpx.get(url + path, params={"authority": bad})
                assert response.status_code == 400, (path, bad)
    web_app.close()


BRACKNELL_JUDGEMENTS = (
    "Bracknell Forest children's services rated inadequate by Ofsted",
    "Ofsted has judged Bracknell Forest Council's children's services inadequate, after"
    " inspectors found children at risk of harm were not always protected.\n"
    "The judgements were:\n"
    "- Help and protection: inadequate\n"
    "- Children in care: requires improvement\n"
    "- Care leavers: good\n"
    "- Overall effectiveness: inadequate",
)


def test_an_articles_councils_with_their_sub_judgements(
    monkeypatch: pytest.MonkeyPatch, filled: App
) -> None:
    article_id = add(filled, 12, *BRACKNELL_JUDGEMENTS)
    (council,) = filled.store.article_authorities(article_id)
    assert (council.name, council.grade) == ("Bracknell Forest", "inadequate")
    assert dict(council.judgements) == {
        "help and protection": "inadequate",
        "children in care": "requires improvement",
        "care leavers": "good",
    }
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    web_app = open_app(load_settings())
    with serve(web_app) as url:
        page = httpx.get(url + f"/articles/{article_id}").text
        assert f'<a href="/authorities/{council.code}">Bracknell Forest</a>' in page
        assert "children in care: requires improvement" in page
        other = next(a.id for a in filled.store.list_articles() if a.id != article_id)
        assert (
            "No council named as the story's subject." in httpx.get(url + f"/articles/{other}").text
        )
    web_app.close()


def test_theme_counts_follow_the_readers_labels(filled: App) -> None:
    ids = {a.title: a.id for a in filled.store.list_articles()}
    now = utcnow()
    month = f"{now - timedelta(hours=2):%Y-%m}"
    since = now - timedelta(days=400)
    assert filled.store.theme_months(since) == [(month, "judgements-ratings", 3)]
    store = filled.store
    store.record_feedback(
        [ids["School league tables"]], "a", "wrong_theme", ["workforce"], None, now
    )
    store.record_feedback([ids["Fostering review published"]], "a", "not_relevant", None, None, now)
    assert sorted(store.theme_months(since)) == [
        (month, "judgements-ratings", 2),
        (month, "workforce", 1),
    ]
    assert store.theme_months(now + timedelta(days=1)) == []


def test_the_themes_page_follows_new_labels_at_once(
    monkeypatch: pytest.MonkeyPatch, filled: App
) -> None:
    monkeypatch.setenv("MONITOR_WEB_BIND", "127.0.0.1:0")
    web_app = open_app(load_settings())
    school = next(a.id for a in filled.store.list_articles() if a.title == "School league tables")

    def workforce(page: str) -> str:
        found = re.search(r'theme=workforce">[^<]+</a></td><td>(\d+)</td>', page)
        assert found is not None
        return found.group(1)

    with serve(web_app) as url:
        assert workforce(httpx.get(url + "/themes").text) == "0"
        assert workforce(httpx.get(url + "/themes").text) == "0"  # from the cache
        filled.store.record_feedback([school], "a", "wrong_theme", ["workforce"], None, utcnow())
        assert workforce(httpx.get(url + "/themes").text) == "1"
    web_app.close()
