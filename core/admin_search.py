"""The admin's search box, accents and case ignored, through the stored folded keys.

`FoldedSearchMixin.folded_search_fields` lists search-key paths ("search_key",
"residents__search_key"); every word typed must be in one of them (folded: "nguyen hung" finds
"Nguyễn Văn Hùng", "ĐẶNG" finds "Đặng"). The ordinary `search_fields` (codes, numbers) still
match the whole term as Django does; a row is found by either.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

from .text import fold


def folded_words(search_term: str) -> list[str]:
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        key = fold(bit)
        if key:
            words.append(key)
    return words


class FoldedSearchMixin:
    folded_search_fields: tuple[str, ...] | list[str] = ()

    def get_search_results(self, request, queryset, search_term):
        words = folded_words(search_term)
        if not self.folded_search_fields or not words:
            return super().get_search_results(request, queryset, search_term)
        folded = queryset
        for word in words:
            cond = Q()
            for path in self.folded_search_fields:
                cond |= Q(**{f"{path}__contains": word})
            folded = folded.filter(cond)
        base, duplicates = super().get_search_results(request, queryset, search_term)
        duplicates = duplicates or any("__" in p for p in self.folded_search_fields)
        return (base | folded), duplicates
