"""Webhook endpoints in the admin: the secret shown once, the delivery log, and the actions
(send a test event, re-enable, rotate the secret)."""

import pytest
from django.contrib.auth.models import User

from liveblog.distribution import webhooks
from liveblog.distribution.models import Delivery, Endpoint
from tests.factories import make_blog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_creating_an_endpoint_shows_its_secret_once(admin_client):
    blog = make_blog()
    response = admin_client.post(
        "/admin/distribution/endpoint/add/",
        {
            "blog": blog.pk,
            "url": "https://partner.example/hook",
            "description": "Partner",
            "events": ["entry.published", "entry.key_event"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["entry.published", "entry.key_event"]
    assert endpoint.created_by.username == "root"
    assert endpoint.secret in response.content.decode()
    change = admin_client.get(f"/admin/distribution/endpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in change.content.decode()


def test_unsafe_address_is_refused_in_the_form(admin_client):
    blog = make_blog()
    response = admin_client.post(
        "/admin/distribution/endpoint/add/",
        {
            "blog": blog.pk,
            "url": "https://10.1.2.3/hook",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "not on the public internet" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_delivery_log_and_actions(admin_client, django_capture_on_commit_callbacks):
    blog = make_blog()
    endpoint = Endpoint.objects.create(blog=blog, url="https://partner.example/hook")
    delivery = webhooks.queue_test(endpoint)
    delivery.fail(status_code=502, latency_ms=40, error="The receiver answered 502.")
    endpoint.disable("15 failed attempts in a row; the last: The receiver answered 502.")
    page = admin_client.get(f"/admin/distribution/endpoint/{endpoint.pk}/change/")
    text = page.content.decode()
    assert "webhook.test" in text and "502" in text and "The receiver answered 502." in text
    listing = admin_client.get("/admin/distribution/endpoint/").content.decode()
    assert "disabled:" in listing and "15 failed attempts" in listing

    def act(action):
        return admin_client.post(
            "/admin/distribution/endpoint/",
            {"action": action, "_selected_action": [endpoint.pk]},
            follow=True,
        )

    act("enable_endpoints")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failure_count == 0 and not endpoint.disabled_reason
    old_secret = endpoint.secret
    rotated = act("rotate_secrets").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret in rotated
    act("send_test_event")
    assert Delivery.objects.filter(endpoint=endpoint, event="webhook.test").count() == 2


def test_lists_run_a_fixed_number_of_queries(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(User.objects.get(username="root"))

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as admin_page:
            assert admin_client.get("/admin/distribution/endpoint/").status_code == 200
        with CaptureQueriesContext(connection) as api_page:
            assert api.get("/api/webhooks/").status_code == 200
        return len(admin_page), len(api_page)

    for _ in range(2):
        Endpoint.objects.create(blog=make_blog(), url="https://partner.example/hook")
    few = counts()
    for _ in range(8):
        Endpoint.objects.create(blog=make_blog(), url="https://partner.example/hook")
    # Blogs come with their endpoints (list_select_related, select_related): no query per row.
    assert counts() == few
