"""One normal form for text, and the folded key people search with (docs/decisions.md).

Every way text enters the registry (field forms, the admin, the Excel imports, the offline
outbox, management commands) ends in `normalise()`: the model fields of core.fields call it in
`pre_save` (so `save()` and `bulk_create()` alike) and their form fields call it in `to_python`
(so uniqueness and duplicate checks see the stored form). `fold()` is the search key:
"Nguyễn Văn Đặng", "NGUYEN VAN DANG" and the same name typed in decomposed Unicode (NFD) all
fold to "nguyen van dang", on SQLite and PostgreSQL alike (computed here, not by the database).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")
# Invisible characters pasted from PDFs and web pages: zero-width space/joiners, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalise(value: str | None, *, multiline: bool = False) -> str:
    """NFC, invisible characters removed, trimmed, runs of whitespace collapsed to one space.

    With `multiline` (notes), line breaks are kept (each line is collapsed and trimmed, at most
    one empty line in a row)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE)
    if not multiline:
        return _SPACES.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def fold(value: str | None) -> str:
    """The search key: normalised, accents dropped, đ/Đ -> d, lower case."""
    text = unicodedata.normalize("NFD", normalise(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", text).lower()


def ascii_digits(value: str | None) -> str:
    """Normalised, with every decimal digit (Arabic-Indic, full-width, ...) as ASCII 0-9.

    Other characters are kept, so the caller's validator still refuses letters with its own
    message. Superscripts and other non-decimal "digits" (², ①) are kept too: refused later."""
    text = normalise(value)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if not ch.isascii() and unicodedata.category(ch) == "Nd":
            out.append(str(unicodedata.digit(ch)))
        elif ch in "\uff0b\uff0d\uff0e\u3000":  # full-width + - . and ideographic space
            out.append({"\uff0b": "+", "\uff0d": "-", "\uff0e": ".", "\u3000": " "}[ch])
        else:
            out.append(ch)
    return "".join(out)


def only_digits(value: str | None, *, message=None) -> str:
    """The digits of a number people type with spaces, dots or dashes; refuses anything else."""
    text = re.sub(r"[\s.\-]", "", ascii_digits(value))
    if text and not (text.isascii() and text.isdigit()):
        raise ValidationError(
            message or _("Type digits only (0-9)."),
            code="digits",
        )
    return text


def natural_key(value: str | None, *, width: int = 8) -> str:
    """A sort key that orders household numbers as people count: 2 < 10 < 12 < 12A < 12B < 100.

    Each run of digits is zero-padded to `width`; letters are folded (accents and case do not
    change the order)."""
    text = fold(ascii_digits(value))
    return re.sub(r"\d+", lambda m: m.group().lstrip("0").rjust(width, "0")[-width:], text)


def vietnamese_name(family: str | None, given: str | None) -> str:
    """Family name first, as Vietnamese names are written: ("Nguyễn", "Văn Hùng")."""
    return normalise(f"{family or ''} {given or ''}")


def split_vietnamese_name(full_name: str | None) -> tuple[str, str]:
    """ "Nguyễn Văn Hùng" -> ("Nguyễn", "Văn Hùng"): family name, then middle and given names."""
    parts = normalise(full_name).split(" ", 1)
    if not parts[0]:
        return "", ""
    return parts[0], (parts[1] if len(parts) > 1 else "")
