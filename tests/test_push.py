"""Web Push end to end: followers' subscriptions stored through the Follow endpoint, a publish
fanned out by the worker to a local push-service stub, each push decrypted with the
subscription's keys (http_ece, aes128gcm) and its headers checked; gone subscriptions removed;
hostile subscriptions refused naming the field."""

import base64
import json
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from py_vapid import Vapid02

from liveblog.distribution import push
from liveblog.distribution.models import PushSubscription
from liveblog.models import EntryStatus
from tests.factories import make_blog, make_entry
from tests.stubs import Recorder, run_worker


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser holds for a push subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def vapid(settings):
    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    settings.LIVEBLOG_VAPID_SUBJECT = "mailto:desk@live.example"
    settings.LIVEBLOG_WEBHOOK_ALLOW_PRIVATE = True
    settings.LIVEBLOG_SITE_URL = "https://live.example"
    settings.LIVEBLOG_PUSH_TTL = 600
    return public


def follow(client, blog, browser: Browser, mode: str):
    body = {"subscription": browser.subscription(), "mode": mode}
    return client.post(f"/{blog.slug}/follow/", body, content_type="application/json")


@pytest.mark.django_db(transaction=True)
def test_publish_reaches_followers_encrypted_with_the_right_headers(client, vapid):
    blog = make_blog(title="Election night")
    with Recorder(lambda n: (201, {}, b"")) as service:
        everything = Browser(service.url + "/push/every")
        key_only = Browser(service.url + "/push/key")
        assert follow(client, blog, everything, "all").status_code == 201
        assert follow(client, blog, key_only, "key_events").status_code == 201
        assert follow(client, blog, key_only, "key_events").status_code == 200  # again: same
        assert PushSubscription.objects.count() == 2

        ordinary = make_entry(blog, headline="Turnout is high")
        make_entry(blog, headline="Not yet", status=EntryStatus.DRAFT)
        run_worker()
        key = make_entry(blog, headline="Exit poll published", is_key_event=True)
        run_worker()
        requests = {(r["path"], i): r for i, r in enumerate(service.requests)}

    by_path: dict[str, list] = {}
    for (path, _i), request in sorted(requests.items(), key=lambda item: item[0][1]):
        browser = everything if path.endswith("every") else key_only
        by_path.setdefault(path, []).append((request, browser.decrypt(request["body"])))
    every = by_path["/push/every"]
    assert [notice["body"] for _r, notice in every] == ["Turnout is high", "Exit poll published"]
    assert [notice["body"] for _r, notice in by_path["/push/key"]] == ["Exit poll published"]
    request, notice = every[0]
    assert notice["title"] == "Election night"
    assert notice["url"] == f"https://live.example/{blog.slug}/#entry-{ordinary.pk}"
    assert notice["tag"] == f"blog-{blog.pk}"
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "600"
    assert headers["topic"] == f"blog-{blog.pk}"
    assert headers["urgency"] == "normal"
    assert Vapid02.verify(headers["authorization"])
    assert headers["authorization"].endswith("k=" + vapid)
    claims = json.loads(
        base64.urlsafe_b64decode(headers["authorization"].split("t=")[1].split(".")[1] + "==")
    )
    assert claims["aud"] == service.url and claims["sub"] == "mailto:desk@live.example"
    key_request, key_notice = by_path["/push/key"][0]
    assert {k.lower(): v for k, v in key_request["headers"].items()}["urgency"] == "high"
    assert key_notice["url"].endswith(f"#entry-{key.pk}") and key_notice["is_key_event"]


@pytest.mark.django_db(transaction=True)
def test_gone_subscriptions_are_removed(client, vapid):
    blog = make_blog()
    answers = {"/gone": 410, "/missing": 404, "/busy": 429}
    with Recorder() as service:
        service.answer = lambda n: (answers[service.requests[n]["path"]], {}, b"")
        for path in answers:
            assert follow(client, blog, Browser(service.url + path), "all").status_code == 201
        make_entry(blog)
        run_worker()
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        service.url + "/busy"
    ]


@pytest.mark.django_db(transaction=True)
def test_nothing_unpublished_is_pushed_and_unfollow_stops_it(client, vapid):
    blog = make_blog()
    with Recorder(lambda n: (201, {}, b"")) as service:
        browser = Browser(service.url + "/p")
        follow(client, blog, browser, "all")
        entry = make_entry(blog, headline="Gone at once")
        entry.unpublish()
        run_worker()
        assert service.requests == []
        response = client.post(
            f"/{blog.slug}/unfollow/",
            {"endpoint": browser.endpoint},
            content_type="application/json",
        )
        assert response.status_code == 204
        make_entry(blog)
        run_worker()
        assert service.requests == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(endpoint="http://push.example/x"), "subscription.endpoint"),
        (lambda s: s.update(endpoint="https://10.0.0.1/x"), "subscription.endpoint"),
        (lambda s: s.update(endpoint="https://victim.example/x"), "subscription.endpoint"),
        (
            lambda s: s.update(endpoint="https://fcm.googleapis.com.evil.example/x"),
            "subscription.endpoint",
        ),
        (lambda s: s.update(endpoint=None), "subscription.endpoint"),
        (lambda s: s["keys"].update(p256dh="not base64!"), "subscription.keys.p256dh"),
        (lambda s: s["keys"].update(p256dh=b64(b"\x04" + b"0" * 10)), "subscription.keys.p256dh"),
        (lambda s: s["keys"].update(auth=b64(b"short")), "subscription.keys.auth"),
        (lambda s: s.pop("keys"), "subscription.keys.p256dh"),
    ],
)
def test_hostile_subscriptions_are_refused_naming_the_field(client, settings, change, field):
    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    blog = make_blog()
    subscription = Browser("https://fcm.googleapis.com/fcm/send/1").subscription()
    change(subscription)
    response = client.post(
        f"/{blog.slug}/follow/", {"subscription": subscription}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_follow_refuses_what_is_not_a_subscription(client, vapid):
    blog = make_blog()
    url = f"/{blog.slug}/follow/"
    assert client.post(url, "nope", content_type="application/json").status_code == 400
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    big = json.dumps({"subscription": {"endpoint": "https://p.example/" + "x" * 5000}})
    assert client.post(url, big, content_type="application/json").status_code == 400
    browser = Browser("https://updates.push.services.mozilla.com/wpush/v2/1").subscription()
    bad_mode = {"subscription": browser, "mode": "sometimes"}
    assert "mode" in client.post(url, bad_mode, content_type="application/json").json()["errors"]
    assert client.get(url).status_code == 405
    closed = make_blog(status="closed")
    draft = make_blog(status="draft")
    for other in (closed, draft):
        body = {"subscription": browser, "mode": "all"}
        response = client.post(f"/{other.slug}/follow/", body, content_type="application/json")
        assert response.status_code == 404


@pytest.mark.django_db
def test_the_follow_control_only_with_keys_and_for_open_blogs(client, settings):
    blog = make_blog()
    assert 'id="follow"' not in client.get(f"/{blog.slug}/").content.decode()
    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    live = make_blog()
    page = client.get(f"/{live.slug}/").content.decode()
    assert 'id="follow" hidden' in page and f'data-key="{public}"' in page
    closed = make_blog(status="closed")
    assert 'id="follow"' not in client.get(f"/{closed.slug}/").content.decode()


def test_make_vapid_keys_prints_a_working_pair(capsys):
    call_command("make_vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    public = base64.urlsafe_b64decode(lines["LIVEBLOG_VAPID_PUBLIC_KEY"] + "==")
    assert len(public) == 65 and public[0] == 4
    vapid = Vapid02.from_string(lines["LIVEBLOG_VAPID_PRIVATE_KEY"])
    assert Vapid02.verify(
        vapid.sign({"aud": "https://p.example", "sub": "mailto:a@b.c"})["Authorization"]
    )


@pytest.mark.django_db
def test_service_worker_and_manifest(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert "showNotification" in worker.content.decode()
    assert "notificationclick" in worker.content.decode()
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    document = manifest.json()
    assert document["display"] == "standalone" and document["start_url"] == "/"
    from django.contrib.staticfiles import finders

    assert finders.find(document["icons"][0]["src"].removeprefix("/static/"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_followers_hear_of_changes_after_they_followed_only(client, vapid):
    blog = make_blog()
    make_entry(blog, headline="Before anyone followed")
    with Recorder(lambda n: (201, {}, b"")) as service:
        browser = Browser(service.url + "/p")
        assert follow(client, blog, browser, "all").status_code == 201
        make_entry(blog, headline="After")
        run_worker()
        # Everyone leaves; the blog goes on; a new follower hears only what comes next.
        PushSubscription.objects.all().delete()
        make_entry(blog, headline="While nobody followed")
        assert follow(client, blog, browser, "all").status_code == 201
        make_entry(blog, headline="Back")
        run_worker()
        notices = [browser.decrypt(r["body"])["body"] for r in service.requests]
    assert notices == ["After", "Back"]


@pytest.mark.django_db
def test_the_known_push_services_are_accepted(client, settings):
    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    blog = make_blog()
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QAbc",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ):
        body = {"subscription": Browser(endpoint).subscription(), "mode": "all"}
        response = client.post(f"/{blog.slug}/follow/", body, content_type="application/json")
        assert response.status_code == 201, (endpoint, response.content)
