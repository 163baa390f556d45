"""Signed webhooks end to end: a local receiver registered through the API, entries published,
edited, made key events and deleted, the blog closed; every delivery checked with the
`standardwebhooks` library, in order, retried while the receiver fails, and the endpoint
disabled after a run of failures and re-enabled. Deliveries are made by the real
django-tasks-db worker loop (tests/stubs.run_worker)."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token
from standardwebhooks import Webhook

from liveblog.distribution import webhooks
from liveblog.distribution.models import Delivery, Endpoint, retry_delay
from liveblog.models import BlogStatus, EntryStatus
from tests.factories import make_blog, make_entry
from tests.stubs import Recorder, run_worker


@pytest.fixture
def hooks(settings):
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = True
    # Retries after 0.2, 0.4, 0.8... seconds (the setting is whole seconds outside tests).
    settings.LIVEBLOG_WEBHOOK_RETRY_SECONDS = 0.2
    settings.LIVEBLOG_SITE_URL = "https://live.example"
    return settings


@pytest.fixture
def manager_client(api_client, db):
    user = User.objects.create_user("hooks", password="pw")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="distribution"))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def register(client, blog, url, events=None) -> dict:
    body = {"blog": blog.slug, "url": url, **({"events": events} if events is not None else {})}
    response = client.post("/api/webhooks/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def verified(receiver: Recorder, secret: str) -> list[dict]:
    hook = Webhook(secret)
    return [hook.verify(request["body"], request["headers"]) for request in receiver.requests]


@pytest.mark.django_db(transaction=True)
def test_every_change_delivered_signed_in_order_with_retries(hooks, manager_client):
    blog = make_blog()
    # The receiver fails its first three requests, then accepts everything.
    with Recorder(lambda n: (500, {}, b"down") if n < 3 else (204, {}, b"")) as receiver:
        created = register(manager_client, blog, receiver.url + "/hook")
        assert created["secret"].startswith("whsec_")
        assert "secret" not in manager_client.get(f"/api/webhooks/{created['id']}/").json()

        # A worker runs after each step, as one running beside the site would.
        entry = make_entry(blog, headline="First")
        entry_id = entry.pk
        run_worker()
        entry.headline = "First, corrected"
        entry.save()
        run_worker()
        entry.mark_key_event()
        run_worker()
        draft = make_entry(blog, headline="Secret draft", status=EntryStatus.DRAFT)
        run_worker()
        entry.delete()
        run_worker()
        blog.set_status(BlogStatus.CLOSED)

        expected = [
            "entry.published",
            "entry.updated",
            "entry.updated",
            "entry.key_event",
            "entry.removed",
            "blog.status_changed",
        ]
        run_worker(until=lambda: len(receiver.requests) >= len(expected) + 3)
        messages = verified(receiver, created["secret"])

    delivered = messages[3:]  # after the three failed attempts at the first
    assert [m["type"] for m in messages[:4]] == ["entry.published"] * 4
    assert [m["type"] for m in delivered] == expected
    revisions = [m["revision"] for m in delivered]
    assert revisions == sorted(revisions)
    # The same message id on every attempt; each message its own.
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(set(ids[:4])) == 1 and len(set(ids[3:])) == len(expected)
    # The entry as the API showed it when its change was queued.
    published = delivered[0]["data"]
    assert published["id"] == entry_id and published["blog"] == blog.slug
    assert published["headline"] == "First"
    assert published["url"] == f"https://live.example/{blog.slug}/entries/{entry_id}/"
    assert delivered[1]["data"]["headline"] == "First, corrected"
    assert delivered[4]["data"] == {"id": entry_id, "blog": blog.slug}
    assert delivered[5]["data"]["status"] == "closed"
    assert all("Secret draft" not in json.dumps(m) for m in messages)
    assert draft.pk not in {m["data"].get("id") for m in messages}
    log = Delivery.objects.filter(endpoint_id=created["id"]).order_by("id")
    first = log[0]
    assert (first.attempts, first.status, first.status_code) == (4, "succeeded", 204)
    assert all(d.status == "succeeded" for d in log)
    assert Endpoint.objects.get(pk=created["id"]).failure_count == 0


@pytest.mark.django_db(transaction=True)
def test_events_filter_and_nothing_unpublished(hooks, manager_client):
    blog = make_blog()
    with Recorder() as receiver:
        created = register(manager_client, blog, receiver.url, events=["entry.key_event"])
        make_entry(blog, headline="Ordinary")
        key = make_entry(blog, headline="Big news", is_key_event=True)
        draft = make_entry(blog, headline="Draft key", status=EntryStatus.DRAFT)
        draft.is_key_event = True
        draft.save()
        run_worker()
        messages = verified(receiver, created["secret"])
    assert [(m["type"], m["data"]["id"]) for m in messages] == [("entry.key_event", key.pk)]


@pytest.mark.django_db(transaction=True)
def test_published_then_unpublished_before_delivery_never_shows(hooks, manager_client):
    blog = make_blog()
    with Recorder() as receiver:
        created = register(manager_client, blog, receiver.url)
        entry = make_entry(blog, headline="Too soon")
        entry.unpublish()
        run_worker()
        messages = verified(receiver, created["secret"])
    assert [m["type"] for m in messages] == ["entry.removed"]
    assert "Too soon" not in json.dumps(messages)


@pytest.mark.django_db(transaction=True)
def test_disabled_after_a_run_of_failures_then_re_enabled(hooks, manager_client):
    hooks.LIVEBLOG_WEBHOOK_DISABLE_AFTER = 3
    hooks.LIVEBLOG_WEBHOOK_RETRY_SECONDS = 0
    blog = make_blog()
    healthy = {"up": False}
    with Recorder(lambda n: (204, {}, b"") if healthy["up"] else (503, {}, b"")) as receiver:
        created = register(manager_client, blog, receiver.url)
        make_entry(blog, headline="One")
        make_entry(blog, headline="Two")
        run_worker(until=lambda: not Endpoint.objects.get(pk=created["id"]).is_active)
        endpoint = Endpoint.objects.get(pk=created["id"])
        assert len(receiver.requests) == 3  # all at the first: the second waits behind it
        assert "3 failed attempts in a row" in endpoint.disabled_reason
        assert "503" in endpoint.disabled_reason
        shown = manager_client.get(f"/api/webhooks/{endpoint.pk}/").json()
        assert shown["is_active"] is False and "503" in shown["disabled_reason"]
        # Nothing goes out while it is disabled, changes included.
        make_entry(blog, headline="Three")
        run_worker()
        assert len(receiver.requests) == 3

        healthy["up"] = True
        response = manager_client.post(f"/api/webhooks/{endpoint.pk}/enable/")
        assert response.status_code == 200 and response.json()["is_active"] is True
        run_worker(until=lambda: len(receiver.requests) >= 6)
        messages = verified(receiver, created["secret"])
    headlines = [m["data"]["headline"] for m in messages[3:]]
    assert headlines == ["One", "Two", "Three"]


@pytest.mark.django_db(transaction=True)
def test_test_event_and_secret_rotation(hooks, manager_client):
    blog = make_blog()
    with Recorder() as receiver:
        created = register(manager_client, blog, receiver.url)
        rotated = manager_client.post(f"/api/webhooks/{created['id']}/rotate-secret/").json()
        assert rotated["secret"] != created["secret"]
        response = manager_client.post(f"/api/webhooks/{created['id']}/test/")
        assert response.status_code == 202 and response.json()["event"] == "webhook.test"
        run_worker(until=lambda: len(receiver.requests) == 1)
        (message,) = verified(receiver, rotated["secret"])
        assert message["type"] == "webhook.test"
        with pytest.raises(Exception, match="signature"):
            Webhook(created["secret"]).verify(
                receiver.requests[0]["body"], receiver.requests[0]["headers"]
            )
    deliveries = manager_client.get(f"/api/webhooks/{created['id']}/deliveries/").json()
    assert deliveries["results"][0]["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_redirects_are_not_followed_and_large_answers_cut(hooks, manager_client, settings):
    settings.LIVEBLOG_WEBHOOK_MAX_RESPONSE_BYTES = 1000
    settings.LIVEBLOG_WEBHOOK_RETRY_SECONDS = 0
    blog = make_blog()
    answers = iter([(302, {"Location": "http://127.0.0.1:9/"}, b""), (200, {}, b"x" * 5000)])
    with Recorder(lambda n: next(answers, (204, {}, b""))) as receiver:
        created = register(manager_client, blog, receiver.url)
        make_entry(blog)
        run_worker(until=lambda: len(receiver.requests) >= 3)
    first = Delivery.objects.get(endpoint_id=created["id"])
    assert first.attempts == 3 and first.status == "succeeded"
    assert len(receiver.requests) == 3  # the redirect's target was never asked


def test_retry_delays_double_up_to_the_cap(settings):
    settings.LIVEBLOG_WEBHOOK_RETRY_SECONDS = 5
    settings.LIVEBLOG_WEBHOOK_RETRY_MAX_SECONDS = 3600
    delays = [retry_delay(n) for n in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        full = min(5 * 2 ** (attempt - 1), 3600)
        assert 0.8 * full <= delay <= full
    assert delays[-1] > 0.8 * 3600


@pytest.mark.django_db(transaction=True)
def test_a_retry_waits_for_its_backoff(hooks, manager_client):
    hooks.LIVEBLOG_WEBHOOK_RETRY_SECONDS = 1
    blog = make_blog()
    with Recorder(lambda n: (500, {}, b"") if n < 2 else (204, {}, b"")) as receiver:
        register(manager_client, blog, receiver.url)
        make_entry(blog)
        run_worker(until=lambda: len(receiver.requests) >= 3)
        times = [request["at"] for request in receiver.requests]
    assert times[1] - times[0] >= 0.75  # 1 s less at most a fifth of jitter
    assert times[2] - times[1] >= 1.55  # then twice that


def test_signature_is_standard_webhooks():
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    body = b'{"type":"entry.published"}'
    expected = Webhook(secret).sign("msg_1", when, body)
    assert webhooks.sign(secret, "msg_1", int(when.timestamp()), body) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field_error"),
    [
        ("http://partner.example/hook", "https"),
        ("https://127.0.0.1/hook", "public"),
        ("https://[::1]/hook", "public"),
        ("https://169.254.169.254/latest", "public"),
        ("https://user:pw@partner.example/", "password"),
        ("not a url", "valid"),
        ("https://partner.example/\x00", "ull"),
    ],
)
def test_unsafe_addresses_are_refused_naming_the_field(manager_client, url, field_error):
    blog = make_blog()
    response = manager_client.post("/api/webhooks/", {"blog": blog.slug, "url": url}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["url"] and field_error in " ".join(errors["url"])


@pytest.mark.django_db
def test_bad_events_and_blogs_are_400s_naming_the_field(manager_client):
    blog = make_blog()
    bad = [
        ({"blog": blog.slug, "url": "https://p.example/", "events": ["entry.eaten"]}, "events"),
        ({"blog": blog.slug, "url": "https://p.example/", "events": "all"}, "events"),
        ({"blog": "no-such-blog", "url": "https://p.example/"}, "blog"),
        ({"blog": blog.slug}, "url"),
    ]
    for body, field in bad:
        response = manager_client.post("/api/webhooks/", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["errors"]


@pytest.mark.django_db
def test_webhooks_need_the_permissions(api_editor_client):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/webhooks/").status_code == 401
    assert api_editor_client.get("/api/webhooks/").status_code == 403
    assert api_editor_client.post("/api/webhooks/", {}, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_change_nobody_listens_to_queues_nothing(hooks):
    from django_tasks_db.models import DBTaskResult

    blog = make_blog()
    make_entry(blog)
    assert not DBTaskResult.objects.exists()
    Endpoint.objects.create(blog=blog, url="https://partner.example/hook")
    make_entry(blog)
    assert DBTaskResult.objects.get().task_path == "liveblog.distribution.tasks.distribute"


@pytest.mark.django_db(transaction=True)
def test_a_request_queues_once_its_answer_is_gone_one_task_per_blog(hooks):
    from django.core.signals import request_finished, request_started
    from django_tasks_db.models import DBTaskResult

    blog = make_blog()
    Endpoint.objects.create(blog=blog, url="https://partner.example/hook")
    request_started.send(sender=None)
    for _ in range(3):
        make_entry(blog)
    assert not DBTaskResult.objects.exists()  # nothing while the editor waits
    request_finished.send(sender=None)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [blog.pk]


@pytest.mark.django_db
def test_ids_past_any_column_are_404s(manager_client):
    huge = "9" * 30
    assert manager_client.get(f"/api/webhooks/{huge}/").status_code == 404
    assert manager_client.get(f"/api/webhooks/{huge}/deliveries/").status_code == 404
    assert manager_client.post(f"/api/webhooks/{huge}/test/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_entry_goes_out_when_its_time_comes(hooks, manager_client):
    from django.utils import timezone

    blog = make_blog()
    with Recorder() as receiver:
        created = register(manager_client, blog, receiver.url)
        soon = timezone.now() + datetime.timedelta(seconds=1)
        make_entry(blog, headline="At one", published_at=soon)
        run_worker()
        assert receiver.requests == []  # not before its time, even with no reader asking
        run_worker(until=lambda: len(receiver.requests) == 1)
        (message,) = verified(receiver, created["secret"])
    assert message["type"] == "entry.published" and message["data"]["headline"] == "At one"
    assert receiver.requests[0]["at"] >= soon.timestamp()


@pytest.mark.django_db(transaction=True)
def test_a_blog_taken_off_the_site_says_so_and_nothing_more(hooks, manager_client):
    blog = make_blog(title="Secret plans")
    with Recorder() as receiver:
        created = register(manager_client, blog, receiver.url)
        blog.set_status(BlogStatus.DRAFT)
        make_entry(blog, headline="Written while off the site")
        run_worker()
        messages = verified(receiver, created["secret"])
    assert [m["type"] for m in messages] == ["blog.status_changed"]
    assert messages[0]["data"] == {"id": blog.pk, "slug": blog.slug, "status": "draft"}


@pytest.mark.django_db
def test_prune_deliveries_keeps_recent_and_pending(capsys):
    from django.core.management import call_command
    from django.utils import timezone

    endpoint = Endpoint.objects.create(blog=make_blog(), url="https://partner.example/hook")
    old, recent, pending = (webhooks.queue_test(endpoint) for _ in range(3))
    Delivery.objects.filter(pk=old.pk).update(
        status="succeeded", delivered_at=timezone.now() - datetime.timedelta(days=40)
    )
    Delivery.objects.filter(pk=recent.pk).update(status="succeeded", delivered_at=timezone.now())
    call_command("prune_deliveries", "--days", "30")
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert "1 deliveries deleted" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_a_request_never_closed_does_not_hold_its_blogs_back(hooks):
    from django.core.signals import request_finished, request_started
    from django_tasks_db.models import DBTaskResult

    blog = make_blog()
    Endpoint.objects.create(blog=blog, url="https://partner.example/hook")
    request_started.send(sender=None)
    make_entry(blog)
    request_started.send(sender=None)  # the next request, the first one's answer never closed
    assert DBTaskResult.objects.get().args_kwargs["args"] == [blog.pk]
    request_finished.send(sender=None)
