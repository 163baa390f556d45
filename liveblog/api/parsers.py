"""Request body parsers: DRF's JSON parser, refusing JSON nested too deeply to be a real body.

Python's json module recurses once per level, so a body like [[[[...]]]] 3,000 deep raised
RecursionError (a 500). Body size is limited before any parser runs (RequestSizeMiddleware in
liveblog/security.py).
"""

import io
import re
from itertools import accumulate

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The API's bodies nest two levels (an object holding a list); 32 leaves room for any client.
MAX_JSON_DEPTH = 32
# A JSON string, whose brackets do not count. Possessive, and ending at the end of the text if
# never closed, so it never backtracks: one linear pass over any input.
JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)')
NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
DEPTH_CHANGE = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(data: bytes) -> int:
    """The most arrays and objects open at once outside strings: how deep a JSON parser recurses.

    On malformed text it may count more than a parser reaches before giving up, never less.
    """
    brackets = JSON_STRING.sub(b"", data).translate(None, NOT_BRACKETS)
    return max(accumulate(map(DEPTH_CHANGE.__getitem__, brackets), initial=0))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        # Counting brackets is enough for nearly every body; the exact depth only when it's not.
        if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH and (
            nesting_depth(data) > MAX_JSON_DEPTH
        ):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return super().parse(io.BytesIO(data), media_type, parser_context)
