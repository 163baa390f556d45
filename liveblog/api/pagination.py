"""Pagination with strict parameters: a bad page size, page number or cursor is a 400, never a 500.

A well-formed page number past the last page is a 404, as DRF has it.
"""

import re

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

# ASCII digits only: str.isdigit() also accepts "²" and "١", which int() rejects or misreads.
WHOLE_NUMBER = re.compile(r"[0-9]+")
# A cursor: r for a previous page, the position (an Entry.sort_key: a time in microseconds, or
# an untimed entry's order; 18 digits hold either) and an offset past it.
# Also the schema's pattern, so plain groups (ECMA-262 has no (?P<name>)).
CURSOR = re.compile(r"^(r)?(?:p([0-9]{1,18}))?(?:o([0-9]{1,4}))?$")


def is_whole_number(raw: str) -> bool:
    return WHOLE_NUMBER.fullmatch(raw) is not None


def page_size_from(request, param: str, default: int) -> int:
    raw = request.query_params.get(param)
    if raw is None or raw == "":
        return default
    maximum = settings.LIVEBLOG_API_MAX_PAGE_SIZE
    if not is_whole_number(raw) or not 1 <= int(raw) <= maximum:
        raise ValidationError({param: [f"Must be a whole number from 1 to {maximum}."]})
    return int(raw)


class PagePagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.LIVEBLOG_API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return page_size_from(request, self.page_size_query_param, self.page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not is_whole_number(raw) or int(raw) < 1:
            raise ValidationError({self.page_query_param: ["Must be a whole number from 1."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
                parameter["description"] = (
                    "A page number from 1 (a malformed one is a 400, one past the last page a 404)."
                )
        return parameters


class EntryCursorPagination(pagination.CursorPagination):
    """A blog's entries in stream order by time, newest first, in stable pages (the pinned entry
    where its time puts it: clients show `is_pinned` first)."""

    ordering = ("-sort_key", "-id")
    page_size_query_param = "page_size"
    invalid_cursor_message = "Malformed cursor: use the next or previous link as given."

    @property
    def max_page_size(self) -> int:
        return settings.LIVEBLOG_API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return page_size_from(request, self.page_size_query_param, settings.LIVEBLOG_PAGE_SIZE)

    def encode_cursor(self, cursor: pagination.Cursor) -> str:
        """The URL with the cursor as plain text: [r][p<position>][o<offset>].

        DRF's base64 cursor cannot be described by the schema (any string looked valid and
        "%%%%" read as page 1); this one can, exactly, so a cursor is valid if and only if the
        schema says so.
        """
        text = "r" if cursor.reverse else ""
        if cursor.position is not None:
            text += f"p{cursor.position}"
        if cursor.offset:
            text += f"o{cursor.offset}"
        return replace_query_param(self.base_url, self.cursor_query_param, text)

    def decode_cursor(self, request) -> pagination.Cursor | None:
        text = request.query_params.get(self.cursor_query_param)
        if text is None:
            return None
        match = CURSOR.fullmatch(text)
        if match is None:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        reverse, position, offset = match.groups()
        offset = min(int(offset or 0), self.offset_cutoff)
        return pagination.Cursor(offset=offset, reverse=bool(reverse), position=position)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"].update(pattern=CURSOR.pattern)
                parameter["description"] = (
                    "A page of the listing: take it from `next` or `previous` as given. "
                    "A malformed one is a 400."
                )
        return parameters

    def get_paginated_response(self, data, *, since: int = 0):
        return self.feed_response(
            data, next_url=self.get_next_link(), previous_url=self.get_previous_link(), since=since
        )

    @staticmethod
    def feed_response(data, *, next_url, previous_url, since: int, removed=(), has_more=None):
        return Response(
            {
                "next": next_url,
                "previous": previous_url,
                "since": since,
                "has_more": bool(next_url) if has_more is None else has_more,
                "removed": list(removed),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "since", "has_more", "removed", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "Listing: the next (older) page. Change feed: the URL to "
                    "poll next, with ?since= set.",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "Listing: the previous (newer) page. Change feed: null.",
                },
                "since": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Pass as ?since= to get only what changed after this "
                    "response (a blog revision).",
                },
                "has_more": {
                    "type": "boolean",
                    "description": "More results wait at `next` right now.",
                },
                "removed": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Change feed: ids of entries deleted or unpublished since the "
                    "given revision; drop them if shown. Always empty when listing.",
                },
                "results": schema,
            },
        }
