"""The OpenAPI contract: a valid schema, docs served without a CDN, and fuzzing against it."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from config.wsgi import application
from liveblog.freshness import entry_etag
from liveblog.models import BlogStatus, EntryStatus
from tests.factories import make_blog, make_caption, make_entry

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3_with_every_filter(api_client):
    from drf_spectacular.validation import validate_schema

    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")

    def parameters(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"status", "coverage_date_after", "coverage_date_before", "q", "ordering"} <= parameters(
        "/api/blogs/"
    )
    assert {"key_event", "pinned", "q", "since", "cursor", "page_size"} <= parameters(
        "/api/blogs/{blog_slug}/entries/"
    )
    assert {"credit", "file_photo", "has_file", "blog", "q"} <= parameters("/api/images/")
    patch = schema["paths"]["/api/entries/{id}/"]["patch"]
    assert {"400", "401", "403", "404", "412"} <= set(patch["responses"])
    assert patch["responses"]["412"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "ETag" in patch["responses"]["200"]["headers"]


def test_schema_documents_validators_headers_and_ids(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    conditional = [
        paths["/api/blogs/"]["get"],
        paths["/api/blogs/{slug}/"]["get"],
        paths["/api/blogs/{blog_slug}/entries/"]["get"],
        paths["/api/entries/{id}/"]["get"],
        paths["/api/images/{id}/"]["get"],
    ]
    for operation in conditional:
        responses = operation["responses"]
        # If-Match is evaluated on these GETs too (412), and 200/304 carry the validators.
        assert {"304", "412"} <= set(responses)
        assert {"ETag", "Last-Modified"} <= set(responses["200"]["headers"])
        assert "Retry-After" in responses["429"]["headers"]
        # ...and say how to ask: generated clients offer these as arguments.
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"If-None-Match", "If-Modified-Since"} <= headers
    assert "304" not in paths["/api/captions/"]["get"]["responses"]
    for path, method in [("/api/entries/{id}/", m) for m in ("put", "patch", "delete")]:
        (if_match,) = [p for p in paths[path][method]["parameters"] if p["in"] == "header"]
        assert if_match["name"] == "If-Match" and if_match["required"]

    # One request content type per operation: JSON, multipart only where a file is uploaded.
    bodies = {
        (path, method): list(operation["requestBody"]["content"])
        for path, item in paths.items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    uploads = {
        ("/api/images/", "post"),
        ("/api/images/{id}/", "put"),
        ("/api/images/{id}/", "patch"),
    }
    assert {key for key, types in bodies.items() if types == ["multipart/form-data"]} == uploads
    assert all(types == ["application/json"] for key, types in bodies.items() if key not in uploads)
    entry = schema["components"]["schemas"]["PatchedEntryRequest"]["properties"]
    assert entry["published_at"]["nullable"] is True
    assert "embed" in entry["body"]["description"] and "quote" in entry["body"]["description"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"

    created = paths["/api/blogs/{blog_slug}/entries/"]["post"]["responses"]["201"]
    assert {"Location", "ETag"} <= set(created["headers"])
    assert "Location" in paths["/api/images/"]["post"]["responses"]["201"]["headers"]

    for path in ("/api/entries/{id}/", "/api/images/{id}/", "/api/captions/{id}/"):
        (id_parameter,) = [p for p in paths[path]["get"]["parameters"] if p["in"] == "path"]
        assert id_parameter["schema"] == {"type": "integer", "minimum": 1}
    since = next(
        parameter
        for parameter in paths["/api/blogs/{blog_slug}/entries/"]["get"]["parameters"]
        if parameter["name"] == "since"
    )
    assert since["schema"] == {"type": "integer", "minimum": 0}


def test_docs_page_uses_local_assets(api_client):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_browsable_api_renders(api_client):
    blog = make_blog()
    response = api_client.get(f"/api/blogs/{blog.slug}/entries/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Entries" in response.content or b"entries" in response.content


# --- Inputs the schema describes exactly --------------------------------------------------------


def test_cursors_round_trip_and_anything_else_is_a_400(api_client):
    blog = make_blog()
    entries = [make_entry(blog) for _ in range(5)]
    url = f"/api/blogs/{blog.slug}/entries/?page_size=2"
    first = api_client.get(url).json()
    second = api_client.get(first["next"]).json()
    back = api_client.get(second["previous"]).json()
    assert [e["id"] for e in second["results"]] == [entries[2].pk, entries[1].pk]
    assert back["results"] == first["results"]

    pattern = re.compile(
        next(
            p["schema"]["pattern"]
            for p in api_client.get(
                "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
            ).json()["paths"]["/api/blogs/{blog_slug}/entries/"]["get"]["parameters"]
            if p["name"] == "cursor"
        )
    )
    for link in (first["next"], second["next"], second["previous"]):
        assert pattern.fullmatch(parse_qs(urlsplit(link).query)["cursor"][0])
    for bad in ("%%%%", "cD1hYmM=", "garbage", "p", "p1.5", "o-1", "pr1", "p-5", "p" + "9" * 19):
        response = api_client.get(url, {"cursor": bad})
        assert response.status_code == 400, bad
        assert list(response.json()["errors"]) == ["cursor"]
        assert not pattern.fullmatch(bad)


@pytest.mark.parametrize("ordering", [",", "title,", ",-title", "title,,created_at"])
def test_an_ordering_with_an_empty_key_is_a_400(api_client, ordering):
    make_blog()
    response = api_client.get("/api/blogs/", {"ordering": ordering})
    assert response.status_code == 400
    assert response.json()["errors"] == {"ordering": ["Remove the empty item (a stray comma)."]}
    # No value at all is no ordering, as the schema's allowEmptyValue says.
    assert api_client.get("/api/blogs/", {"ordering": ""}).status_code == 200


def test_text_inputs_refuse_nul_as_the_schema_says(api_client, api_editor_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    q = next(p for p in schema["paths"]["/api/blogs/"]["get"]["parameters"] if p["name"] == "q")
    headline = schema["components"]["schemas"]["PatchedEntryRequest"]["properties"]["headline"]
    assert q["schema"]["pattern"] == headline["pattern"] == "^[^\\x00]*$"

    assert api_client.get("/api/blogs/", {"q": "a\x00b"}).status_code == 400
    entry = make_entry(make_blog())
    response = api_editor_client.patch(
        f"/api/entries/{entry.pk}/",
        {"headline": "a\x00b"},
        format="json",
        HTTP_IF_MATCH=entry_etag(entry),
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["headline"]
    # A slug naming a related object is looked up in the database: refused before that (a
    # PostgreSQL error otherwise).
    image = make_caption(blog=entry.blog).image
    response = api_editor_client.post(
        "/api/captions/", {"blog": "a\x00b", "image": image.pk, "text": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"blog": ["Null characters are not allowed."]}


@pytest.mark.parametrize("status", [BlogStatus.DRAFT, BlogStatus.LIVE, None])
def test_a_write_without_credentials_is_a_401_whatever_it_names(api_client, status):
    # As the schema says, and without telling a draft blog from one that does not exist.
    slug = "target" if status is None else make_blog(slug="target", status=status).slug
    response = api_client.post(f"/api/blogs/{slug}/entries/", {"headline": "x"}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url", ["/api/captions/?entry=1&entry=2", "/api/blogs/?status=live&status=draft&q=a"]
)
def test_a_parameter_given_twice_is_a_400(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        list(parse_qs(urlsplit(url).query))[0]: ["Give this parameter once."]
    }


# --- Property-based fuzzing with schemathesis ------------------------------------------------


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls go through WSGI, not Django's test client, so do what the client does: stop the
    request signals closing the connection that holds the test's transaction (PostgreSQL drops it
    because autocommit is off inside the test)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(db, settings):
    settings.LIVEBLOG_API_ANON_RATE = ""
    blog = make_blog(slug="fuzz", key_points=["A point"])
    make_caption(blog=blog)
    for n in range(3):
        entry = make_entry(blog, is_key_event=n == 1)
        make_caption(entry=entry, position=n)
    make_entry(blog, status=EntryStatus.DRAFT)


# Loaded when the module is collected: generating the schema needs no database.
# (schemathesis.pytest.from_fixture would defer it, but does not run under pytest 9.)
# NUL characters are generated too: the schema says text may not hold them, as the API does.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# If-Match is required on entry writes: leaving it out is a 428 (RFC 6585), not a 400.
required_header = schema.config.checks.missing_required_header
required_header.expected_statuses = [*required_header.expected_statuses, "428"]


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_data):
    """Anonymous calls: never a 5xx, and every answer matches the schema."""
    case.call_and_validate()


@pytest.fixture
def editor_token(api_editor):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=api_editor).key


@pytest.mark.slow
@schema.include(method="GET").parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_editor_reads_conform_to_the_schema(case, fuzz_data, editor_token):
    """Signed-in reads (drafts included, no response cache): every check, as anonymous."""
    case.call_and_validate(headers={"Authorization": f"Token {editor_token}"})


@pytest.mark.slow
@schema.include(method=["POST", "PUT", "PATCH", "DELETE"]).parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_editor_writes_conform_to_the_schema(case, fuzz_data, editor_token, media_root):
    """Editor calls with generated bodies: never a 5xx, every answer as documented.

    Generated ids and slugs rarely name existing objects, so a 400 for schema-valid data is
    expected here: the positive/negative data acceptance checks are left to the anonymous run.
    """
    case.call_and_validate(
        headers={"Authorization": f"Token {editor_token}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )
