# ruff: noqa: E501  (the JavaScript run in the page reads better unwrapped)
"""The page audit: what a person meets on a page that no unit test sees (docs/accessibility.md).

`PageAuditor(context, base_url)` opens one page in a Playwright browser context and returns the
problems found on it, as readable strings:

- the answer is >= 500, a page error or console error, a broken image, a failed sub-request;
- horizontal overflow at 360 px (non-admin pages);
- on Vietnamese pages: English UI words left untranslated; on every page: internal references
  (file names such as DOMAIN.md, source tags such as [C:S27], snake_case keys, model names);
- a field page (/field/...) without the web-app manifest or the offline script;
- a link to a page that answers 403 or 404 for the same persona;
- serious or critical axe-core violations, with the menu closed and (on a phone) open.

It also saves a screenshot per page; `contact_sheet()` turns a folder of them into one HTML page
and PNG sheets of thumbnails. tests/e2e/test_audit_self.py proves each check fires on a small
fixture page; tests/e2e/test_audit.py runs it over every URL the permission matrix knows.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

# English words that are not Vietnamese syllables: one of them in a Vietnamese page's UI text
# means a string was left untranslated. (Short words Vietnamese also writes, such as "to",
# "in", "no", "an", "can", "the" are not listed.)
ENGLISH_WORDS = set(
    """
    and of with for from your you this that these those are was were been has have not
    save add edit delete remove export import filter filters search select change changes
    view history close print download upload submit cancel back next previous page home
    login logout log password user users name date total status action actions show hide
    clear reset yes none all any unknown loading error warning success welcome help more
    less list detail details new open village villages commune communes household households
    resident residents team member members activity activities product products stamp stamps
    batch batches dashboard map checklist criteria criterion evidence report reports payment
    payments month year today yesterday number phone address value target met missing items
    item results result count per when where who what how which why must may will should
    please here there click enter choose field required optional invalid valid ready queued
    rendering failed by at or is be it its
    """.split()
)
# Names, brands and abbreviations written the same way in Vietnamese.
ALLOWED_WORDS = {"ocop", "vneid", "qr", "wifi", "excel", "csv", "json", "pdf", "gtin", "htx",
                 "ntm", "id", "cccd", "email", "sms", "internet", "online", "zalo", "vi", "en",
                 "ok", "xlsx", "api", "url", "vpostcode", "leaflet", "openstreetmap"}  # fmt: skip

INTERNAL_PATTERNS = [
    ("file name", re.compile(r"\b[A-Za-z_][\w-]*\.(?:md|py|html|po)\b")),
    ("source tag", re.compile(r"\[[A-Z]{1,3}:[A-Z]{0,3}\d+[a-z]?\]")),
    ("snake_case key", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
]
# A word stands alone: letters inside a code or a hash ("37be4c8e") are not English text.
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+(?:'[a-z]+)?(?![A-Za-z0-9])")
ADMIN_CSP_PROBE = "Applying inline style violates"

# Visible text and the attributes a screen reader reads, outside code and [lang=en] parts.
TEXTS_JS = """() => {
  const skip = el => el.closest('script,style,noscript,code,pre,template,[lang]:not([lang^=vi]),[translate=no]');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (!text || !parent || skip(parent)) continue;
    const st = getComputedStyle(parent);
    if (st.display === 'none' || st.visibility === 'hidden') continue;
    out.push(text);
  }
  for (const el of document.body.querySelectorAll('[aria-label],[placeholder],[title],img[alt],input[type=submit],input[type=button]')) {
    if (skip(el)) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      const v = el.getAttribute(a); if (v && v.trim()) out.push(v.trim());
    }
    if (el.matches('input[type=submit],input[type=button]') && el.value) out.push(el.value);
  }
  return out;
}"""

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
  if (document.documentElement.scrollWidth > width + 1)
    out.push('page is ' + document.documentElement.scrollWidth + ' px wide');
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const offenders = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if ((r.right > width + 1 || r.left < -1) && !clipped(el)) {
      if (el.parentElement && offenders.has(el.parentElement)) { offenders.add(el); continue; }
      offenders.add(el);
      out.push(describe(el) + ' reaches ' + Math.round(r.right) + ' px');
    }
  }
  return out.slice(0, 4);
}"""

FACTS_JS = """() => ({
  manifest: !!document.querySelector('link[rel=manifest]'),
  offline: !!document.querySelector('script[src*="field-offline"]'),
  brokenImages: [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.getAttribute('src')),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  hasToggler: (() => { const t = document.querySelector('.navbar-toggler'); return !!t && t.offsetParent !== null; })(),
})"""

AXE_JS = """async (context) => {
  const result = await axe.run(context || document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


FILE_PATH = re.compile(r"^[\w./-]+\.(?:jpe?g|png|webp|pdf|xlsx|csv|zip)$", re.I)


def untranslated(texts: list[str]) -> list[str]:
    """Texts of a Vietnamese page that carry English UI words (file names are data)."""
    found = []
    for text in texts:
        if FILE_PATH.match(text):
            continue
        words = [w.lower() for w in WORD.findall(text)]
        english = [w for w in words if w in ENGLISH_WORDS and w not in ALLOWED_WORDS]
        if english:
            found.append(f"{text[:80]!r} ({', '.join(sorted(set(english))[:4])})")
    return found


def internal_references(texts: list[str], model_names: set[str]) -> list[str]:
    found = []
    names = "|".join(sorted(model_names))
    model_re = re.compile(rf"\b(?:{names})\b") if model_names else None
    for text in texts:
        for kind, pattern in INTERNAL_PATTERNS:
            match = pattern.search(text)
            if match:
                found.append(f"{kind} {match.group(0)!r} in {text[:80]!r}")
        if model_re is not None and (match := model_re.search(text)):
            found.append(f"model name {match.group(0)!r} in {text[:80]!r}")
    return found


@dataclass
class PageResult:
    url: str
    status: int
    problems: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    seconds: float = 0.0


@dataclass
class PageAuditor:
    """Audits pages in one Playwright context (one persona, viewport and language)."""

    context: object
    base_url: str
    language: str = "vi"
    viewport_width: int = 360
    shots: Path | None = None
    model_names: set[str] = field(default_factory=set)
    check_links: bool = True
    axe: bool = True
    prefetch: bool = False
    # Shared by the auditors of one persona: the same user gets the same answers.
    link_cache: dict[str, int] = field(default_factory=dict)

    @property
    def phone(self) -> bool:
        return self.viewport_width <= 400

    def link_status(self, page, url: str) -> int:
        """GET from the page itself (its cookies and origin), redirects followed, cached."""
        if url not in self.link_cache:
            self.link_cache[url] = page.evaluate(
                "url => fetch(url, {credentials: 'same-origin'}).then(r => r.status)", url
            )
        return self.link_cache[url]

    def visit(self, page, path: str, *, name: str = "", full_page: bool = True) -> PageResult:
        import time

        started = time.monotonic()
        url = urljoin(self.base_url, path)
        problems: list[str] = []
        events: list[str] = []
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))

        def on_console(msg):
            # The page's own 403/404 also logs "Failed to load resource": its status is checked.
            own = msg.location.get("url") == url and "Failed to load resource" in msg.text
            # Django's own admin jQuery probes inline styles, which the CSP blocks (harmless;
            # docs/accessibility.md): only on /admin/, every other CSP report is a problem.
            admin_probe = "/admin/" in url and ADMIN_CSP_PROBE in msg.text
            if msg.type == "error" and not own and not admin_probe:
                events.append(f"console error: {msg.text[:200]}")

        def on_pageerror(exc):
            events.append(f"page error: {str(exc)[:200]}")

        def on_failed(request):
            if request.url != url and "ERR_ABORTED" not in (request.failure or ""):
                events.append(f"failed sub-request {request.url}: {request.failure}")

        def on_response(response):
            if response.url != url and response.status >= 400 and response.request.frame:
                events.append(f"sub-request {response.url} answered {response.status}")

        if self.prefetch:
            # Downloads (Excel, CSV, JSON) are checked by status only: a browser cannot show them.
            head = self.context.request.get(url, max_redirects=5, fail_on_status_code=False)
            kind = head.headers.get("content-type", "")
            head.dispose()
            if not kind.startswith("text/html"):
                bad = [f"answered {head.status}"] if head.status >= 500 else []
                return PageResult(url=path, status=head.status, problems=bad)
        page.on("console", on_console)
        page.on("pageerror", on_pageerror)
        page.on("requestfailed", on_failed)
        page.on("response", on_response)
        try:
            response = page.goto(url, wait_until="load")
            status = response.status if response else 0
            # Pages that fetch after load (htmx, the map) are given time to settle; the others
            # are complete at "load" (waiting 0.5 s for network idle on each cost minutes).
            if page.locator("[hx-get], [hx-trigger], #dash-map").count():
                try:
                    page.wait_for_load_state("networkidle", timeout=3_000)
                except Exception:  # noqa: BLE001 - a long poll must not fail the audit
                    pass
            if status >= 500:
                problems.append(f"answered {status}")
            facts = page.evaluate(FACTS_JS)
            for src in facts["brokenImages"]:
                problems.append(f"broken image {src}")
            route = urlsplit(page.url).path
            is_admin = route.startswith("/admin/")
            if self.phone and not is_admin:
                problems += [f"horizontal overflow: {o}" for o in page.evaluate(OVERFLOW_JS)]
            texts = page.evaluate(TEXTS_JS)
            if self.language == "vi":
                problems += [f"untranslated: {t}" for t in untranslated(texts)]
            problems += [f"internal reference: {t}" for t in internal_references(
                texts, self.model_names)]  # fmt: skip
            if route.startswith("/field/") and status == 200:
                if not facts["manifest"]:
                    problems.append("field page without the web-app manifest")
                if not facts["offline"]:
                    problems.append("field page without the offline script")
            if self.axe:
                page.evaluate(AXE)
                problems += [f"axe: {v}" for v in page.evaluate(AXE_JS, None)]
            shot = None
            if self.shots is not None:
                self.shots.mkdir(parents=True, exist_ok=True)
                shot = self.shots / f"{slug(name or route)}.png"
                height = min(page.evaluate("document.documentElement.scrollHeight"), 4000)
                page.screenshot(  # the top 4,000 px of long lists are enough to look at
                    path=str(shot),
                    full_page=full_page,
                    clip={"x": 0, "y": 0, "width": self.viewport_width, "height": height},
                )
            if self.axe and self.phone and facts["hasToggler"]:
                page.click(".navbar-toggler")
                page.locator(".navbar-collapse.show").wait_for(state="visible")
                page.wait_for_timeout(400)  # the collapse animation
                problems += [f"axe (menu open): {v}" for v in page.evaluate(AXE_JS, "nav")]
            page.wait_for_timeout(50)
            problems += events
        finally:
            page.remove_listener("console", on_console)
            page.remove_listener("pageerror", on_pageerror)
            page.remove_listener("requestfailed", on_failed)
            page.remove_listener("response", on_response)
        if self.check_links and not is_admin and status == 200:
            shapes = set()
            for href in sorted(set(facts["links"])):
                # One link per shape (/field/households/<n>/): the same view answers the same.
                shape = re.sub(r"/\d+(?=/)", "/N", href)
                if shape in shapes:
                    continue
                shapes.add(shape)
                target = urljoin(page.url, href)
                parts = urlsplit(target)
                if (
                    f"{parts.scheme}://{parts.netloc}" != origin
                    or href.startswith("#")
                    or parts.path.startswith(("/static/", "/language/", "/accounts/logout"))
                ):
                    continue
                code = self.link_status(page, target.split("#")[0])
                if code in (403, 404) or code >= 500:
                    problems.append(f"link to {href} answers {code}")
        return PageResult(
            url=path, status=status, problems=problems, screenshot=shot,
            seconds=time.monotonic() - started,
        )  # fmt: skip


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:80] or "home"


def contact_sheet(folder: Path, results: dict[str, list[PageResult]]) -> Path:
    """index.html with every screenshot as a thumbnail (problems in red), plus one PNG sheet per
    persona/viewport/language group (contact-<group>.png) to scan in a minute."""
    from PIL import Image, ImageDraw

    rows = ["<!doctype html><meta charset=utf-8><title>Page audit</title>",
            "<style>body{font:14px sans-serif}figure{display:inline-block;width:220px;margin:6px;"
            "vertical-align:top}img{width:220px;border:1px solid #999}.bad{color:#b00}</style>"]  # fmt: skip
    for group, items in results.items():
        rows.append(f"<h2>{html.escape(group)} ({len(items)} pages)</h2>")
        thumbs = []
        for item in items:
            if item.screenshot is None:
                continue
            rel = item.screenshot.relative_to(folder)
            bad = "".join(
                f"<br><span class=bad>{html.escape(p[:140])}</span>" for p in item.problems
            )
            rows.append(
                f"<figure><a href='{rel}'><img src='{rel}' loading=lazy></a>"
                f"<figcaption>{html.escape(item.url)} [{item.status}]{bad}</figcaption></figure>"
            )
            thumbs.append(item)
        if not thumbs:
            continue
        width, height, cols = 200, 300, 8
        sheet = Image.new(
            "RGB", (cols * (width + 8), ((len(thumbs) + cols - 1) // cols) * (height + 30)), "white"
        )
        draw = ImageDraw.Draw(sheet)
        for n, item in enumerate(thumbs):
            with Image.open(item.screenshot) as img:
                img = img.convert("RGB")
                scale = width / img.width
                img = img.resize((width, max(1, int(img.height * scale))))
                img = img.crop((0, 0, width, min(height, img.height)))
            x, y = (n % cols) * (width + 8), (n // cols) * (height + 30)
            sheet.paste(img, (x, y))
            colour = "#b00" if item.problems else "#000"
            draw.text((x, y + height + 2), item.url[:34], fill=colour)
        sheet.save(folder / f"contact-{slug(group)}.png")
    index = folder / "index.html"
    index.write_text("\n".join(rows), encoding="utf-8")
    return index
