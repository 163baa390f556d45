"""Content-Security-Policy and Permissions-Policy on every response (browser check:
test_security_browser.py)."""

import pytest
from django.urls import reverse

from liveblog.security import browsable_api_styles, csp_hash
from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: rest for name, *rest in (part.split() for part in policy.split(";"))}


def test_every_kind_of_response_carries_both_policies(client, api_client):
    entry = make_entry(make_blog(slug="headers"))
    responses = [
        client.get("/"),
        client.get(entry.blog.get_absolute_url()),
        client.get(reverse("liveblog:blog-feed", args=["headers"])),
        client.get("/no-such-blog/"),
        client.get(reverse("admin:login")),
        api_client.get("/api/blogs/"),
        api_client.get("/api/blogs/?page=x"),
        api_client.get("/api/docs/"),
        api_client.get("/api/schema/"),
        client.post("/api/blogs/", "x" * 3_000_000, content_type="application/json"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 200, 200, 400, 200, 200, 400]
    for response in responses:
        policy = directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"]


def test_only_drfs_own_inline_styles_are_allowed_and_only_under_api(client, api_client):
    page = directives(client.get("/"))
    assert "style-src-attr" not in page and page["style-src"] == ["'self'"]

    api = directives(api_client.get("/api/blogs/", HTTP_ACCEPT="text/html"))
    assert api["style-src-attr"] == browsable_api_styles()["style-src-attr"]
    assert api["style-src-attr"][0] == "'unsafe-hashes'"
    # One of the declarations in DRF's base.html, allowed by its hash alone.
    assert csp_hash("float: right; margin-right: 10px") in api["style-src-attr"]


def test_the_api_docs_need_no_inline_script(api_client):
    html = api_client.get("/api/docs/").content.decode()
    assert "<script>" not in html and "<style>" not in html
    script = api_client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_each_fixed_policy_is_built_once(client, api_client, monkeypatch):
    """Pages, the API and history pages each get a policy built once per configuration, not per
    response (the site's used to be keyed by the id of a fresh dict, and was rebuilt often)."""
    from liveblog import security

    monkeypatch.setattr(security, "_FIXED_POLICIES", {})
    built = []
    original = security.SecurityHeadersMiddleware.get_policy_parts

    def counting(self, request, response, report_only=False):
        built.append(self.policy_kind(request))
        return original(self, request, response, report_only)

    monkeypatch.setattr(security.SecurityHeadersMiddleware, "get_policy_parts", counting)
    blog = make_blog(slug="built-once")
    pages = [client.get(blog.get_absolute_url()) for _ in range(5)]
    pages += [client.get("/") for _ in range(5)]
    answers = [api_client.get("/api/blogs/") for _ in range(5)]
    assert built == ["site", "api"]
    assert len({r["Content-Security-Policy"] for r in pages}) == 1
    assert len({r["Content-Security-Policy"] for r in answers}) == 1


@pytest.mark.parametrize("logout", ["/admin/logout/", "/api/auth/logout/"])
def test_a_log_out_clears_what_the_site_kept_in_the_browser(admin_client, logout):
    """The live desk keeps an unsaved composer in localStorage: it goes with the editor."""
    assert "Clear-Site-Data" not in admin_client.get("/admin/")

    response = admin_client.post(logout)

    assert response.status_code in (200, 302)
    assert response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in admin_client.session
