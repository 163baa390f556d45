"""OpenAPI generation: every operation documents the error answers it can give, and every input
is described as strictly as the API checks it.

Generated clients (openapi-python-client, tests/test_api_client.py) use the schema as it is:
each operation names one request content type (JSON; multipart only where a file is uploaded),
nullable fields say so, conditional reads declare If-None-Match and If-Modified-Since, writes
If-Match.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from liveblog.api.errors import ErrorSerializer

ERRORS = {
    "400": "Invalid query parameter, page, cursor or body (`invalid`: `errors` names the "
    "fields), or too many parameters or too large a body (`bad_request`).",
    "401": "Missing or invalid credentials (Token or session).",
    "403": "Signed in, but without the right for this change: a model permission, or the "
    "caller's role on the blog (a contributor writes and submits; `errors` names a field only "
    "an editor may set).",
    "404": "No such object or page, or not visible to the caller.",
    "406": "Unsupported version requested in the Accept header (only version=1).",
    "409": "The image is still placed in a blog or entry; remove its captions first.",
    "412": "If-Match does not name the current ETag (strong comparison: a weak W/ tag never "
    "matches a write): it changed since it was read.",
    "415": "Unsupported request body type.",
    "428": "If-Match is missing: send the ETag you last read, so a change made meanwhile is "
    "never overwritten unknowingly.",
    "429": "Too many requests from an anonymous caller; retry after Retry-After seconds.",
}


HEADERS = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "Validator: send it back in If-None-Match (reads) or If-Match (writes).",
    },
    "Last-Modified": {
        "schema": {"type": "string"},
        "description": "Validator (HTTP date): send it back in If-Modified-Since.",
    },
    "Location": {"schema": {"type": "string", "format": "uri"}, "description": "The new resource."},
    "Retry-After": {
        "schema": {"type": "string"},
        "description": "Seconds to wait before trying again.",
    },
    "WWW-Authenticate": {
        "schema": {"type": "string"},
        "description": "The authentication scheme to use (Token).",
    },
}


CONDITIONAL_GET_HEADERS = [
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": "The ETag you last read: 304 without a body while it still matches.",
    },
    {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "schema": {"type": "string"},
        "description": "The Last-Modified you last read (HTTP date): 304 while nothing changed.",
    },
]


class ApiSchema(AutoSchema):
    def map_parsers(self) -> list[str]:
        """One request content type per operation, so a generated client sends what the schema
        names: multipart/form-data where a file is uploaded, JSON everywhere else. (The API
        still parses forms too: the browsable API posts them.)"""
        offered = super().map_parsers()
        wanted = "multipart/form-data" if self.uploads_a_file() else "application/json"
        return [wanted] if wanted in offered else offered[:1]

    def uploads_a_file(self) -> bool:
        fields = getattr(self.get_request_serializer(), "fields", {})
        return any(
            isinstance(field, serializers.FileField) and not field.read_only
            for field in fields.values()
        )

    def get_auth(self):
        auths = super().get_auth()
        # Reads need no credentials (ReadOrModelPermissions), like IsAuthenticatedOrReadOnly;
        # views with `private_reads` (webhooks) need them for reads too.
        private = getattr(self.view, "private_reads", False)
        if self.method in SAFE_METHODS and {} not in auths and not private:
            auths.append({})
        return auths

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            # An empty query value means "no filter" (browsable API forms send every field).
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
            # lookup_value_regex makes numeric ids strings with a pattern; they are integers.
            if parameter["in"] == "path" and parameter["schema"].get("pattern") == "^[0-9]+$":
                parameter["schema"] = {"type": "integer", "minimum": 1}
        if self.is_conditional_get():
            named = {(p["in"], p["name"]) for p in parameters}
            parameters += [p for p in CONDITIONAL_GET_HEADERS if ("header", p["name"]) not in named]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[code]),
                    code,
                    direction=direction,
                ),
            )
        if self.is_conditional_get():
            responses["304"] = {
                "description": "Not modified: If-None-Match or If-Modified-Since "
                "still match (ETag / Last-Modified)."
            }
        if direction == "response":
            for code, headers in self.response_headers().items():
                if code in responses:
                    responses[code].setdefault("headers", {}).update(headers)
        return responses

    def is_conditional_get(self) -> bool:
        return self.method == "GET" and self.view.action in getattr(
            self.view, "conditional_get", ()
        )

    def error_codes(self) -> list[str]:
        codes = ["400", "401", "406", "429"]
        if self.method != "GET" or getattr(self.view, "private_reads", False):
            codes.append("403")
        if self.method in {"POST", "PUT", "PATCH"}:
            codes.append("415")
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        if self.method in {"PUT", "PATCH", "DELETE"} and getattr(self.view, "if_match", False):
            codes += ["412", "428"]
        # A conditional GET evaluates If-Match too (RFC 9110, 13.1.1).
        if self.is_conditional_get():
            codes.append("412")
        if self.method == "DELETE" and getattr(self.view, "protected_delete", False):
            codes.append("409")
        return sorted(codes)

    def response_headers(self) -> dict[str, dict]:
        """The headers clients act on, by status code."""
        headers = {
            "401": {"WWW-Authenticate": HEADERS["WWW-Authenticate"]},
            "429": {"Retry-After": HEADERS["Retry-After"]},
        }
        if self.is_conditional_get():
            validators = {"ETag": HEADERS["ETag"], "Last-Modified": HEADERS["Last-Modified"]}
            headers["200"] = headers["304"] = validators
        elif self.method in {"PUT", "PATCH"} and getattr(self.view, "if_match", False):
            headers["200"] = {"ETag": HEADERS["ETag"]}
        if self.method == "POST":
            headers["201"] = {"Location": HEADERS["Location"]}
            if getattr(self.view, "etag_on_create", False):
                headers["201"]["ETag"] = HEADERS["ETag"]
        return headers


# Django and DRF refuse NUL in any text (PostgreSQL cannot store it): a 400, so the schema says so.
NO_NUL = "^[^\\x00]*$"


def refuse_nul_in_inputs(result, generator, request, public):
    """drf-spectacular post-processing hook: no NUL in any text a caller sends.

    Adds the pattern to every plain string (no format, enum or pattern of its own) in query and
    path parameters and in request bodies. Responses never carry NUL.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                # Headers cannot carry NUL at all: HTTP itself refuses it.
                if parameter["in"] in ("query", "path"):
                    _no_nul(parameter.get("schema", {}))
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_nul(component)
    return result


def _no_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys():
        schema["pattern"] = NO_NUL
    for child in schema.get("properties", {}).values():
        _no_nul(child)
    if isinstance(schema.get("items"), dict):
        _no_nul(schema["items"])
    for key in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(key, []):
            _no_nul(child)
