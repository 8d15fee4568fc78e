"""The FastAPI application: server-rendered pages (Jinja2, autoescaped), the JSON API under
/api/ (OpenAPI at /api/openapi.json), /healthz and /metrics. Routes parse the request, call
the composition root's stores and services, and render; no SQL here."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.app import App, gazetteer_path
from monitor.classify import AuthorityClassifier, load_gazetteer
from monitor.classify.gazetteer import Authority
from monitor.digest.build import NEAR_MISS_FLOOR
from monitor.digest.render import one_line, safe_url
from monitor.errors import MonitorError, SourceError
from monitor.models import (
    FEEDBACK_LABELS,
    ArticleLabel,
    ArticleRowView,
    AuthoritySummary,
    FeedbackRecord,
)
from monitor.service.shapes import article_json, digest_json, iso, source_json
from monitor.service.status import service_status
from monitor.tokens import TokenError
from monitor.urls import is_http_url
from monitor.web.queries import PER_PAGE, ArticleQuery, Paging, PreviewQuery
from monitor.web.render import highlight, snippet, theme_chart
from monitor.web.security import FRAME_CSP, Auth, csrf_token, middleware, require_csrf

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CHART_MONTHS = 24
CHART_CACHE_SECONDS = 60.0
LABEL_NAMES = {
    "not_relevant": "Not relevant",
    "relevant": "Relevant",
    "wrong_theme": "Wrong theme",
}


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "-"


def _day(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "-"


def _visible(value: Any) -> Any:
    """Every plain string a page prints, as visible text: bidi overrides and other invisible
    format characters dropped, controls made spaces (as in the email). Markup is ours."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return one_line(value)
    return value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
    )
    env.filters["url"] = safe_url
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.filters["snippet"] = snippet
    env.globals["label_names"] = LABEL_NAMES
    return env


def _html_part(message: bytes) -> str:
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("html",))
    return str(body.get_content()) if body is not None else "<p>(no HTML part)</p>"


class StoreCollector(Collector):
    """Reads the counts from the database at each scrape."""

    def __init__(self, app: App) -> None:
        self.app = app

    def collect(self) -> Any:
        counts = self.app.store.counts()
        articles = GaugeMetricFamily("monitor_articles", "Stored articles", labels=["origin"])
        for origin, n in sorted(counts.articles_by_origin.items()):
            articles.add_metric([origin], n)
        yield articles
        digests = GaugeMetricFamily("monitor_digests", "Digests by status", labels=["status"])
        for status, n in sorted(counts.digests_by_status.items()):
            digests.add_metric([status], n)
        yield digests
        polls = CounterMetricFamily(
            "monitor_polls", "Polls by source and outcome", labels=["source", "outcome"]
        )
        errors = CounterMetricFamily("monitor_poll_errors", "Failed polls", labels=["source"])
        failing = GaugeMetricFamily(
            "monitor_source_consecutive_failures", "Failures in a row", labels=["source"]
        )
        per_source = GaugeMetricFamily(
            "monitor_source_articles", "Articles stored from a source", labels=["source"]
        )
        seconds = CounterMetricFamily(
            "monitor_poll_duration_seconds", "Time spent polling a source", labels=["source"]
        )
        for s in counts.sources:
            for outcome, n in sorted(s.polls.items()):
                polls.add_metric([s.url, outcome], n)
            errors.add_metric([s.url], s.polls.get("error", 0))
            failing.add_metric([s.url], s.consecutive_failures)
            per_source.add_metric([s.url], s.articles)
            seconds.add_metric([s.url], s.poll_seconds)
        yield from (polls, errors, failing, per_source, seconds)


def _label_json(label: ArticleLabel | None) -> dict[str, Any] | None:
    if label is None:
        return None
    return {
        "label": label.label,
        "themes": list(label.themes) if label.themes is not None else None,
        "who": label.who,
        "at": iso(label.updated_at),
    }


def _feedback_json(f: FeedbackRecord) -> dict[str, Any]:
    return {
        "id": f.id,
        "article_id": f.article_id,
        "digest_id": f.digest_id,
        "who": f.who,
        "label": f.label,
        "themes": list(f.themes) if f.themes is not None else None,
        "created_at": iso(f.created_at),
    }


def _row_json(view: ArticleRowView) -> dict[str, Any]:
    found = article_json(view.summary)
    found["label"] = _label_json(view.label)
    if view.snippet is not None:
        found["snippet"] = view.snippet.replace("\x02", "").replace("\x03", "")
    return found


def create_app(app: App, auth: Auth) -> FastAPI:
    """The web app over `app`'s stores and services, guarded by `auth`."""
    env = _environment()
    theme_names = {t.id: t.name for t in app.classify.book.themes}
    gazetteer = (
        app.classify.gazetteer
        if isinstance(app.classify, AuthorityClassifier)
        else load_gazetteer(gazetteer_path())
    )
    registry = CollectorRegistry()
    registry.register(StoreCollector(app))
    durations = Histogram(
        "monitor_web_request_duration_seconds",
        "Web requests",
        ["route"],
        registry=registry,
    )

    web = FastAPI(
        title="monitor",
        version="0.1.0",
        summary="News about Ofsted and children's social care: articles, sources, digests",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    web.middleware("http")(middleware(auth))

    @web.middleware("http")
    async def timing(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "other")
        durations.labels(name).observe(time.perf_counter() - started)
        return response

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            request=request,
            user=request.state.user,
            auth_mode=auth.mode,
            csrf=csrf_token(request),
            themes=theme_names,
            path=request.url.path,
        )
        return HTMLResponse(env.get_template(template).render(context), status_code=status)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path in ("/healthz",)

    @web.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        if wants_json(request):
            return JSONResponse({"detail": problems}, status_code=400)
        return page(request, "error.html", 400, title="Bad request", message=problems)

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request) or not hasattr(request.state, "csrf"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        title = {400: "Bad request", 403: "Forbidden", 404: "Not found"}.get(
            exc.status_code, "Error"
        )
        return page(request, "error.html", exc.status_code, title=title, message=exc.detail)

    def check_theme(query: ArticleQuery) -> None:
        if query.theme is not None and query.theme not in theme_names:
            raise HTTPException(400, f"unknown theme {query.theme!r}")

    def council(name_or_code: str) -> Authority:
        found = gazetteer.by_code(name_or_code) or gazetteer.resolve(name_or_code)
        if found is None:
            raise HTTPException(400, f"no English council is called {name_or_code[:100]!r}")
        return found

    def find(query: ArticleQuery) -> Any:
        check_theme(query)
        code = council(query.authority).code if query.authority else None
        return app.store.find_articles(
            query.to_filter(NEAR_MISS_FLOOR, code), page=query.page, per_page=PER_PAGE
        )

    # --- pages -----------------------------------------------------------------------

    pages = APIRouter(include_in_schema=False)
    forms = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

    @pages.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/articles", status_code=303)

    def article_list(request: Request, query: ArticleQuery, search: bool) -> HTMLResponse:
        found = find(query)
        return page(
            request,
            "articles.html",
            query=query,
            found=found,
            search=search,
            sources=app.store.source_names(),
            title="Search" if search else "Articles",
        )

    @pages.get("/articles")
    def articles(request: Request, query: Annotated[ArticleQuery, Query()]) -> HTMLResponse:
        return article_list(request, query, search=False)

    @pages.get("/search")
    def search(request: Request, query: Annotated[ArticleQuery, Query()]) -> HTMLResponse:
        return article_list(request, query, search=True)

    def detail_or_404(article_id: int) -> Any:
        if not 1 <= article_id <= 2**31 - 1:
            raise HTTPException(404, "no such article")
        found = app.store.article_detail(article_id)
        if found is None:
            raise HTTPException(404, "no such article")
        return found

    @pages.get("/articles/{article_id}")
    def article(request: Request, article_id: int) -> HTMLResponse:
        found = detail_or_404(article_id)
        evidence = {m.theme_id: m.evidence for m in found.theme_matches}
        return page(
            request,
            "article.html",
            a=found,
            councils=app.store.article_authorities(article_id),
            paragraphs=highlight(found.text, evidence),
            title=found.summary.title,
        )

    def form_themes(form: Any) -> list[str]:
        chosen = [t for t in form.getlist("themes") if isinstance(t, str)]
        unknown = [t for t in chosen if t not in theme_names]
        if unknown:
            raise HTTPException(400, f"unknown theme {unknown[0]!r}")
        return chosen

    @forms.post("/articles/{article_id}/feedback")
    async def article_feedback(request: Request, article_id: int) -> Response:
        form = await request.form()
        label = form.get("label")
        if label not in FEEDBACK_LABELS:
            raise HTTPException(400, "label must be not_relevant, relevant or wrong_theme")
        themes = form_themes(form) if label == "wrong_theme" else None
        await asyncio.to_thread(detail_or_404, article_id)
        await asyncio.to_thread(
            app.store.record_feedback,
            [article_id],
            request.state.user,
            label,
            themes,
            None,
            app.clock(),
        )
        return RedirectResponse(f"/articles/{article_id}", status_code=303)

    chart_cache: dict[str, Any] = {}

    def theme_counts(first: datetime) -> list[tuple[str, str, int]]:
        """The counts per theme and month, computed again when an article or a label was
        added, or after CHART_CACHE_SECONDS (a reclassification changes no version)."""
        key = (first, app.store.theme_version())
        cached = chart_cache.get("value")
        if cached is None or cached[0] != key or time.monotonic() - cached[1] > CHART_CACHE_SECONDS:
            chart_cache["value"] = (key, time.monotonic(), app.store.theme_months(first))
        counts: list[tuple[str, str, int]] = chart_cache["value"][2]
        return counts

    @pages.get("/themes")
    def themes(request: Request) -> HTMLResponse:
        now = app.clock()
        first = (now.replace(day=1) - timedelta(days=31 * (CHART_MONTHS - 1))).replace(day=1)
        first = first.replace(hour=0, minute=0, second=0, microsecond=0)
        counts = theme_counts(first)
        months = sorted({m for m, _, _ in counts})
        if months:
            start = datetime.strptime(months[0], "%Y-%m").replace(tzinfo=UTC)
            months = _months_between(start, now)
        table: dict[str, dict[str, int]] = defaultdict(dict)
        for month, theme, n in counts:
            table[theme][month] = n
        series = [
            (tid, name, [table[tid].get(m, 0) for m in months]) for tid, name in theme_names.items()
        ]
        totals = {tid: sum(c) for tid, _, c in series}
        chart = theme_chart(months, series) if months else None
        return page(
            request,
            "themes.html",
            chart=chart,
            series=series,
            months=months,
            totals=totals,
            agreement=_agreement(app),
            title="Themes",
        )

    @pages.get("/authorities")
    def authorities(request: Request) -> HTMLResponse:
        found = [(s, gazetteer.by_code(s.code)) for s in app.store.authority_summaries()]
        return page(request, "authorities.html", councils=found, title="Councils")

    @pages.get("/authorities/{code}")
    def authority(request: Request, code: str) -> Response:
        found = gazetteer.by_code(code[:20])
        if found is None:
            raise HTTPException(404, "no such council")
        if found.code != code:  # an earlier code, or lower case: the council's own page
            return RedirectResponse(f"/authorities/{found.code}", status_code=301)
        events = app.store.authority_timeline(found.code)
        graded = [e for e in events if e.grade]
        return page(
            request,
            "authority.html",
            council=found,
            events=events,
            latest=graded[0] if graded else None,
            title=found.name,
        )

    @pages.get("/sources")
    def sources(request: Request, added: str | None = None) -> HTMLResponse:
        return page(
            request,
            "sources.html",
            sources=app.store.list_sources(),
            message=request.query_params.get("message"),
            title="Sources",
        )

    @forms.post("/sources")
    async def add_source(request: Request) -> Response:
        form = await request.form()
        url = str(form.get("url") or "").strip()[:2000]
        name = str(form.get("name") or "").strip()[:200] or None
        no_check = form.get("no_check") == "on"
        if not is_http_url(url):
            return page(
                request,
                "sources.html",
                400,
                sources=app.store.list_sources(),
                message=None,
                error=f"not an http(s) URL: {url!r}",
                title="Sources",
            )
        if no_check:
            await asyncio.to_thread(app.store.add_source, url, name, None, app.clock())
            return RedirectResponse(f"/sources?message=added {url} (not checked)", 303)
        try:
            found = await app.discover_feed(url)
        except SourceError as exc:
            return page(
                request,
                "sources.html",
                400,
                sources=app.store.list_sources(),
                message=None,
                error=f"not added: {url}: {exc}",
                title="Sources",
            )
        title = name or found.feed.title
        await asyncio.to_thread(
            app.store.add_source, found.feed_url, title, found.feed.site_url, app.clock()
        )
        note = f"added {found.feed_url}: {title or 'untitled feed'}"
        return RedirectResponse(f"/sources?message={_quote(note)}", status_code=303)

    @forms.post("/sources/{source_id}/remove")
    async def remove_source(source_id: int) -> Response:
        found = await asyncio.to_thread(app.store.find_source, str(source_id))
        if found is None:
            raise HTTPException(404, "no such source")
        await asyncio.to_thread(app.store.remove_source, found.id)
        note = f"removed {found.url} (its articles are kept)"
        return RedirectResponse(f"/sources?message={_quote(note)}", status_code=303)

    @pages.get("/digests")
    def digests(request: Request, paging: Annotated[Paging, Query()]) -> HTMLResponse:
        found = app.digest_store.list(limit=PER_PAGE + 1, offset=paging.offset)
        return page(
            request,
            "digests.html",
            digests=found[:PER_PAGE],
            paging=paging,
            has_next=len(found) > PER_PAGE,
            title="Digests",
        )

    def preview_since(since: date | None) -> datetime | None:
        return datetime.combine(since, dtime(), tzinfo=UTC) if since else None

    @pages.get("/digests/preview")
    def preview(request: Request, query: Annotated[PreviewQuery, Query()]) -> HTMLResponse:
        """The next digest; with `since` (YYYY-MM-DD), everything since that day, as
        `monitor digest preview --since` (articles earlier digests carried included)."""
        since = query.since
        try:
            digest, _ = app.digests().preview(since=preview_since(since))
        except MonitorError as exc:
            raise HTTPException(400, str(exc)) from exc
        frame = "/digests/preview/message" + (f"?since={since.isoformat()}" if since else "")
        return page(
            request,
            "digest.html",
            d=None,
            stories=digest.story_count,
            since=since,
            frame=frame,
            title="Next digest",
        )

    @pages.get("/digests/preview/message")
    def preview_message(query: Annotated[PreviewQuery, Query()]) -> HTMLResponse:
        try:
            _, message = app.digests().preview(since=preview_since(query.since))
        except MonitorError as exc:
            raise HTTPException(400, str(exc)) from exc
        return _framed(_html_part(message.as_bytes()))

    @pages.get("/digests/{digest_id}")
    def digest_page(request: Request, digest_id: int) -> HTMLResponse:
        found = app.digest_store.get(digest_id) if 0 < digest_id < 2**31 else None
        if found is None:
            raise HTTPException(404, "no such digest")
        return page(
            request,
            "digest.html",
            d=found,
            stories=found.item_count,
            frame=f"/digests/{digest_id}/message" if found.status != "skipped" else None,
            title=found.subject,
        )

    @pages.get("/digests/{digest_id}/message")
    def digest_message(digest_id: int) -> HTMLResponse:
        message = app.digest_store.message(digest_id) if 0 < digest_id < 2**31 else None
        if not message:
            raise HTTPException(404, "no stored message")
        return _framed(_html_part(message))

    @pages.get("/status")
    def status(request: Request) -> HTMLResponse:
        return page(request, "status.html", st=service_status(app), title="Status")

    @pages.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            st = service_status(app)
        except MonitorError as exc:
            return JSONResponse({"healthy": False, "problems": [str(exc)]}, status_code=503)
        body = {"healthy": st.healthy, "problems": list(st.problems)}
        return JSONResponse(body, status_code=200 if st.healthy else 503)

    @pages.get("/favicon.ico")
    def favicon() -> FileResponse:
        return FileResponse(
            HERE / "static" / "favicon.ico",
            media_type="image/x-icon",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @pages.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")

    # --- signing in ------------------------------------------------------------------

    @pages.get("/login")
    def login_page(request: Request) -> Response:
        if auth.mode != "password":
            return RedirectResponse("/articles", status_code=303)
        return page(request, "login.html", error=None, title="Sign in")

    @forms.post("/login")
    async def login(request: Request) -> Response:
        if auth.mode != "password":
            return RedirectResponse("/articles", status_code=303)
        client = request.client.host if request.client else "unknown"
        if auth.limiter.blocked(client):
            return page(
                request,
                "login.html",
                429,
                error="Too many failed attempts: wait a few minutes.",
                title="Sign in",
            )
        form = await request.form()
        password = form.get("password")
        ok = isinstance(password, str) and await asyncio.to_thread(auth.check_password, password)
        if not ok:
            auth.limiter.fail(client)
            log.warning("failed web login from %s", client)
            return page(request, "login.html", 401, error="Wrong password.", title="Sign in")
        response = RedirectResponse("/articles", status_code=303)
        auth.session_cookie(response, "web user")
        return response

    @forms.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie("monitor_session", path="/")
        return response

    # --- feedback from the email -----------------------------------------------------

    def claim_of(token: str) -> Any:
        try:
            return app.signer().check_feedback(token)
        except TokenError as exc:
            raise HTTPException(400, str(exc)) from exc

    @pages.get("/feedback/{token}")
    def feedback_confirm(request: Request, token: str) -> HTMLResponse:
        """Shows what would be recorded; records nothing (mail scanners fetch every link)."""
        claim = claim_of(token)
        found = app.store.article_detail(claim.article_id)
        if found is None:
            raise HTTPException(404, "this article is no longer stored")
        return page(
            request,
            "feedback.html",
            claim=claim,
            a=found,
            token=token,
            done=False,
            title="Feedback",
        )

    @pages.post("/feedback/{token}")
    async def feedback_record(request: Request, token: str) -> HTMLResponse:
        """Records the answer the signed token names (twice is once)."""
        claim = claim_of(token)
        found = await asyncio.to_thread(app.store.article_detail, claim.article_id)
        if found is None:
            raise HTTPException(404, "this article is no longer stored")
        form = await request.form()
        themes = form_themes(form) if claim.action == "wrong_theme" else None
        digest_id = await asyncio.to_thread(app.store.digest_by_period, claim.period)
        ids = [claim.article_id]
        if claim.action == "not_relevant" and digest_id is not None:
            ids += await asyncio.to_thread(app.store.copies_in_digest, digest_id, claim.article_id)
        await asyncio.to_thread(
            app.store.record_feedback,
            ids,
            claim.recipient,
            claim.action,
            themes,
            digest_id,
            app.clock(),
        )
        return page(
            request,
            "feedback.html",
            claim=claim,
            a=found,
            token=token,
            done=True,
            copies=len(ids) - 1,
            title="Feedback recorded",
        )

    # --- the JSON API ----------------------------------------------------------------

    api = APIRouter(prefix="/api", responses={400: {"description": "a bad parameter"}})

    @api.get("/articles", summary="Articles, newest first, with the pages' filters")
    def api_articles(query: Annotated[ArticleQuery, Query()]) -> dict[str, Any]:
        found = find(query)
        return {
            "page": found.page,
            "per_page": found.per_page,
            "has_next": found.has_next,
            "articles": [_row_json(v) for v in found.rows],
        }

    @api.get("/articles/{article_id}", summary="One article with its text and scores")
    def api_article(article_id: int) -> dict[str, Any]:
        found = detail_or_404(article_id)
        body = article_json(found.summary)
        body.update(
            text=found.text,
            theme_matches=[m.as_json() for m in found.theme_matches],
            label=_label_json(found.label),
            digests=[{"id": i, "period": p, "kind": k} for i, p, k in found.digests],
        )
        return body

    @api.get("/authorities", summary="Councils with stories, their latest grade reported")
    def api_authorities() -> list[dict[str, Any]]:
        found = app.store.authority_summaries()
        return [_authority_json(s, gazetteer.by_code(s.code)) for s in found]

    @api.get("/sources", summary="Sources with their health")
    def api_sources() -> list[dict[str, Any]]:
        return [source_json(s) for s in app.store.list_sources()]

    @api.get("/digests", summary="Digests, newest first")
    def api_digests(paging: Annotated[Paging, Query()]) -> list[dict[str, Any]]:
        return [digest_json(d) for d in app.digest_store.list(PER_PAGE, paging.offset)]

    @api.get("/feedback", summary="Readers' feedback, newest first")
    def api_feedback(paging: Annotated[Paging, Query()]) -> list[dict[str, Any]]:
        found = app.store.list_feedback(limit=PER_PAGE, offset=paging.offset)
        return [_feedback_json(f) for f in found]

    @api.get("/status", summary="What `monitor status --json` shows")
    def api_status() -> dict[str, Any]:
        return service_status(app).as_json()

    web.include_router(pages)
    web.include_router(forms)
    web.include_router(api)
    return web


def _authority_json(summary: AuthoritySummary, found: Authority | None) -> dict[str, Any]:
    """As `monitor authorities --json`."""
    return {
        "code": summary.code,
        "name": summary.name,
        "region": found.region if found else None,
        "articles": summary.articles,
        "grade": summary.grade,
        "previous_grade": summary.previous_grade,
        "graded_at": iso(summary.graded_at),
        "graded_article_id": summary.graded_article_id,
    }


def _framed(html: str) -> HTMLResponse:
    """Stored digest HTML: only ever inside our sandboxed frame, under its own strict CSP."""
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"},
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300], safe="")


def _months_between(start: datetime, now: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (now.year, now.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _agreement(app: App) -> dict[str, Any]:
    """How often the classifier agrees with the readers' labels."""
    labelled = list(app.store.labelled_articles())
    agree = sum(1 for a in labelled if bool(a.classifier_relevant) == a.relevant)
    themes_agree = sum(
        1 for a in labelled if a.relevant and set(a.themes) == set(a.classifier_themes)
    )
    relevant = sum(1 for a in labelled if a.relevant)
    return {
        "labelled": len(labelled),
        "relevance": agree,
        "relevant": relevant,
        "themes": themes_agree,
    }
