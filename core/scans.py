"""What a public scan page keeps of its visitor: a coarse origin and the browser family, never
an address (OCOP stamp scans, address-plate scans).

- `coarse_origin(ip, purpose=...)`: keyed hash (HMAC-SHA256 with SECRET_KEY) of the client's
  network (/24 or /48). Coarse on purpose: enough to tell "many places" from "one shop".
- `ua_family_of(user_agent)`: zalo | facebook | iphone | android | other (in-app browsers first:
  they also say Android).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings

UA_FAMILIES = ("android", "iphone", "zalo", "facebook", "other")


def coarse_origin(ip: str | None, *, purpose: str) -> str:
    try:
        address = ipaddress.ip_address((ip or "").strip())
        prefix = 24 if address.version == 4 else 48
        network = str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    except ValueError:
        network = "unknown"
    key = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()[:16]


def ua_family_of(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    if "zalo" in ua:
        return "zalo"
    if "fban" in ua or "fbav" in ua or "fb_iab" in ua or "facebook" in ua:
        return "facebook"
    if "iphone" in ua or "ipad" in ua or "ipod" in ua:
        return "iphone"
    if "android" in ua:
        return "android"
    return "other"
