"""A small map drawn on the server for the public address page: works on a weak signal (a few
hundred bytes of inline SVG, no tiles from the internet), plus links that open the phone's own
map app at the coordinates (geo: URI, RFC 5870; and a web map link for phones without one)."""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 320, 200
METRES_PER_PX = 2.0  # 640 m across: enough to find the lane from the main road
GRID_M = 100


def _f(value) -> float:
    return float(value if not isinstance(value, Decimal) else value)


def address_map_svg(latitude, longitude) -> SafeString:
    """A pin at the centre of a 100 m grid with a scale bar and a north arrow."""
    lat, lon = _f(latitude), _f(longitude)
    cx, cy = WIDTH / 2, HEIGHT / 2
    step = GRID_M / METRES_PER_PX
    # Grid lines through round multiples of 100 m from the point (east-west and north-south).
    metres_east = lon * 111_320 * math.cos(math.radians(lat))
    metres_north = lat * 110_574
    off_x = -(metres_east % GRID_M) / METRES_PER_PX
    off_y = (metres_north % GRID_M) / METRES_PER_PX
    lines = []
    x = cx + off_x
    while x > 0:
        x -= step
    while x < WIDTH:
        lines.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{HEIGHT}"/>')
        x += step
    y = cy + off_y
    while y > 0:
        y -= step
    while y < HEIGHT:
        lines.append(f'<line x1="0" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}"/>')
        y += step
    pin = (
        f'<path d="M{cx:.0f} {cy:.0f} l-9 -16 a10.5 10.5 0 1 1 18 0 z" fill="#c62828" '
        f'stroke="#fff" stroke-width="1.5"/><circle cx="{cx:.0f}" cy="{cy - 21:.0f}" r="4" '
        'fill="#fff"/>'
        f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="2.5" fill="#c62828"/>'
    )
    scale = (
        f'<g stroke="#222" stroke-width="2"><line x1="12" y1="{HEIGHT - 14}" x2="{12 + step:.0f}" '
        f'y2="{HEIGHT - 14}"/><line x1="12" y1="{HEIGHT - 19}" x2="12" y2="{HEIGHT - 9}"/>'
        f'<line x1="{12 + step:.0f}" y1="{HEIGHT - 19}" x2="{12 + step:.0f}" y2="{HEIGHT - 9}"/>'
        f'</g><text x="{12 + step / 2:.0f}" y="{HEIGHT - 22}" text-anchor="middle" '
        f'font-size="11" fill="#222">{GRID_M} m</text>'
    )
    north = (
        f'<g transform="translate({WIDTH - 20} 26)"><path d="M0 -14 l7 18 l-7 -5 l-7 5 z" '
        'fill="#222"/><text x="0" y="18" text-anchor="middle" font-size="11" fill="#222">N</text>'
        "</g>"
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="map-title" class="address-map">'
        f'<title id="map-title">{lat:.6f}, {lon:.6f}</title>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#eef3e8"/>'
        f'<g stroke="#c9d6bf" stroke-width="1">{"".join(lines)}</g>'
        f"{pin}{scale}{north}</svg>"
    )
    return mark_safe(svg)  # only numbers formatted above, no text from users


def geo_uri(latitude, longitude) -> str:
    lat, lon = _f(latitude), _f(longitude)
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"


def maps_url(latitude, longitude) -> str:
    lat, lon = _f(latitude), _f(longitude)
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"
    )
