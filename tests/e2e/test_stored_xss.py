"""Finding 1 (docs/security.md): data never reaches a page as markup.

A leader stores village assets and households named with the issue's payloads (htmx attributes
that post a Membership with the viewer's session, an iframe srcdoc loading the site's own
htmx.min.js, an <img onerror>). The official, the leader and an anonymous visitor then open the
map (hovering every marker), the field pages, the admin and the public dashboard: no element
and no request is created from the payloads, the text shows as text, and no page logs a console
error (the CSP's `require-trusted-types-for 'script'` would log one for any HTML string).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households.models import DigitalAddress, Household
from villages.models import Membership, VillageAsset

PAYLOADS = [
    "<i hx-get=/field/ hx-select=[name=csrfmiddlewaretoken] hx-trigger=load>tok</i>",
    '<i hx-post=/admin/villages/membership/add/ hx-vals=\'{"role":"official"}\' '
    "hx-trigger=load>esc</i>",
    '<iframe srcdoc="<script src=/static/vendor/htmx/htmx.min.js></script>'
    '<i hx-get=/field/ hx-trigger=load></i>"></iframe>',
    "<img src=x onerror=alert(1)>",
]
# Household numbers hold at most 20 characters: the same attacks, shortened.
SHORT_PAYLOADS = ["<i hx-get=/field/>", "<iframe srcdoc=x>", "<img src=x onerror=>"]
# Selectors of anything the payloads would create.
CREATED = (
    "[hx-get], [hx-post], [hx-trigger], [data-hx-get], iframe, img[onerror], img[src='x'], "
    "script[src*='htmx']"
)


def _suspicious(url: str) -> bool:
    return (
        "htmx" in url or "/membership/add" in url or url.rstrip("/").endswith("/x") or "hx-" in url
    )


@pytest.fixture
def poisoned(village_a1, official_a, leader_a1):
    for n, payload in enumerate(PAYLOADS):
        VillageAsset.objects.create(
            village=village_a1,
            kind="wifi",
            name=payload,
            latitude=Decimal("21.3005") + Decimal(n) / 1000,
            longitude=Decimal("107.6100"),
        )
    households = []
    for n, payload in enumerate(SHORT_PAYLOADS):
        household = Household.objects.create(village=village_a1, number=payload)
        DigitalAddress.objects.create(
            household=household,
            location_code=f"LC-XSS-{n}",
            latitude=Decimal("21.3100") + Decimal(n) / 1000,
            longitude=Decimal("107.6200"),
            source="team",
        )
        households.append(household)
    return households


class Watch:
    """Requests and console errors of one page."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _console(self, msg) -> None:
        # The admin has no favicon: the browser's own request for it is not the page's doing.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(msg.text)

    def check(self, where: str) -> None:
        page = self.page
        for frame in page.frames:
            assert frame.locator(CREATED).count() == 0, f"{where}: element created from data"
        assert len(page.frames) == 1, f"{where}: a frame was created"
        bad = [url for url in self.requests if _suspicious(url)]
        assert not bad, f"{where}: requests from data: {bad}"
        assert not self.errors, f"{where}: console errors: {self.errors}"


def _open(page, watch, url, where):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    watch.check(where)


def _hover_every_marker(page):
    box = page.locator("#dash-map")
    expect(box).to_have_attribute("data-loaded", "3")
    texts = []
    markers = page.locator(".dash-point, .dash-asset-icon")
    assert markers.count() == len(PAYLOADS) + len(SHORT_PAYLOADS)
    for i in range(markers.count()):
        markers.nth(i).dispatch_event("mouseover")
        tooltip = page.locator(".leaflet-tooltip").last
        expect(tooltip).to_be_visible()
        texts.append(tooltip.inner_text())
        markers.nth(i).dispatch_event("mouseout")
    return " | ".join(texts)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["official_a", "leader_a1"])
def test_payloads_stay_text_on_map_and_field_pages(
    live_server, browser, live_login, poisoned, village_a1, persona
):
    memberships = Membership.objects.count()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    live_login(page, persona)

    _open(page, watch, f"{live_server.url}/dashboard/map/?village={village_a1.code}", "map")
    shown = _hover_every_marker(page)
    watch.check("map after hovering")
    # The names are shown, as text.
    assert "<img src=x onerror=alert(1)>" in shown
    assert "hx-post=/admin/villages/membership/add/" in shown
    assert "<i hx-get=/field/>" in shown

    _open(page, watch, f"{live_server.url}/field/assets/", "field assets")
    expect(page.get_by_text(PAYLOADS[3]).first).to_be_visible()
    _open(page, watch, f"{live_server.url}/field/", "field households")
    for household in poisoned:
        _open(page, watch, f"{live_server.url}/field/households/{household.pk}/", "household")
        _open(page, watch, f"{live_server.url}/field/households/{household.pk}/edit/", "edit form")
    _open(page, watch, f"{live_server.url}/villages/{village_a1.code}/", "public dashboard")
    if persona == "official_a":
        for path in (
            "/admin/villages/villageasset/",
            "/admin/households/household/",
            f"/admin/households/household/{poisoned[0].pk}/change/",
            f"/admin/villages/villageasset/{VillageAsset.objects.first().pk}/change/",
            "/admin/households/digitaladdress/",
        ):
            _open(page, watch, f"{live_server.url}{path}", f"admin {path}")
    assert Membership.objects.count() == memberships
    context.close()


@pytest.mark.django_db(transaction=True)
def test_payloads_stay_text_for_anonymous(live_server, browser, poisoned, village_a1, commune_a):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    for path in (
        f"/villages/{village_a1.code}/",
        f"/communes/{commune_a.code}/",
        "/",
        f"/dashboard/map/?village={village_a1.code}",  # the login page
        f"/dashboard/map/data.json?village={village_a1.code}",
    ):
        _open(page, watch, f"{live_server.url}{path}", f"anonymous {path}")
        assert "onerror" not in page.content()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_pages_work_under_trusted_types(live_server, browser, live_login, official_a, village_a1):
    """Leaflet, the admin's jQuery widgets and the field portal run with no console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    live_login(page, "official_a")
    response = page.goto(f"{live_server.url}/dashboard/map/?village={village_a1.code}")
    assert "require-trusted-types-for 'script'" in response.headers["content-security-policy"]
    expect(page.locator(".leaflet-control-zoom-in")).to_be_visible()
    page.locator(".leaflet-control-zoom-in").click()
    for path in (
        "/admin/",
        "/admin/villages/villageasset/add/",
        "/admin/households/household/add/",
        "/admin/digital_teams/digitalteam/add/",
        "/admin/digital_teams/supportactivity/add/",
        "/admin/villages/membership/",  # actions bar
        "/field/households/new/",
    ):
        _open(page, watch, f"{live_server.url}{path}", path)
    # The admin's dynamic inline rows (jQuery builds them from HTML strings).
    page.goto(f"{live_server.url}/admin/households/household/add/")
    add = page.locator(".add-row a").first
    if add.count():
        add.click()
    # The changelist's "select all" checkbox.
    page.goto(f"{live_server.url}/admin/villages/membership/")
    page.locator("#action-toggle").check()
    # The field portal's "another resident" (nodes cloned from a <template>).
    page.goto(f"{live_server.url}/field/households/new/")
    before = page.locator(".resident-card").count()
    page.locator("#add-resident").click()
    expect(page.locator(".resident-card")).to_have_count(before + 1)
    assert not watch.errors, watch.errors
    context.close()


@pytest.mark.django_db(transaction=True)
def test_htmx_polling_works_under_trusted_types(live_server, browser, live_login, leader_a1):
    """The one page with htmx: its status fragment is swapped in (through the default policy,
    htmx mode) with no console error, and the swapped file name stays text."""
    from households.models import HouseholdImport

    job = HouseholdImport.objects.create(
        created_by=leader_a1,
        commune=leader_a1.memberships.get().commune,
        file_name="<img src=x onerror=alert(1)>.xlsx",
        status="checking",
        total_rows=10,
    )
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)
    live_login(page, "leader_a1")
    page.goto(f"{live_server.url}/field/import/{job.pk}/")
    expect(page.locator("#import-status")).to_have_attribute("hx-trigger", "every 2s")
    HouseholdImport.objects.filter(pk=job.pk).update(
        status="invalid", result={"file_errors": ["Tệp có hơn 20.000 dòng"]}
    )
    expect(page.get_by_text("Tệp có hơn 20.000 dòng")).to_be_visible()
    expect(page.locator("#import-status")).not_to_have_attribute("hx-trigger", "every 2s")
    assert page.locator("img[onerror], img[src='x']").count() == 0
    assert not watch.errors, watch.errors
    context.close()
