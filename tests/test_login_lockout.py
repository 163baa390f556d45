"""Logins (admin and /api/auth/login/) lock an account out from the address that guessed its
password (django-axes, keyed on the account and the caller's real address)."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "right-horse-battery-42"
LOGINS = [reverse("admin:login"), "/api/auth/login/"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Each wrong password is hashed like a right one; the real hasher takes a second here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(db):
    return get_user_model().objects.create_user("desk", password=PASSWORD, is_staff=True)


def log_in(client, url, username, password, address="192.0.2.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", LOGINS)
def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(
    client, desk, settings, url
):
    codes = [log_in(client, url, "desk", f"guess-{n}").status_code for n in range(40)]

    limit = settings.AXES_FAILURE_LIMIT
    assert codes == [200] * (limit - 1) + [429] * (41 - limit)
    locked = log_in(client, url, "desk", PASSWORD)
    assert locked.status_code == 429
    assert not logged_in(client)
    page = locked.content.decode()
    assert "Too many failed log-ins" in page
    assert f"paused for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert "ask an administrator to unlock you" in page
    assert locked["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)


def test_the_account_is_locked_from_the_guessing_address_only(client, desk, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, LOGINS[0], "desk", "wrong", address="198.51.100.7")

    assert log_in(client, LOGINS[1], "desk", PASSWORD, address="198.51.100.7").status_code == 429
    # The editor at the newsroom's address still gets in.
    assert log_in(client, LOGINS[1], "desk", PASSWORD, address="203.0.113.5").status_code == 302


def test_guesses_at_other_accounts_lock_no_editor_out(client, desk, settings):
    """The issue's reproduction: 6 wrong passwords for a user that does not exist locked every
    editor out (everyone behind the proxy shared one address, and the address was locked)."""
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        log_in(client, LOGINS[0], "nobody-here", "wrong")
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        log_in(client, LOGINS[0], f"user{n}", "wrong")

    assert log_in(client, LOGINS[0], "nobody-here", "wrong").status_code == 429
    assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 302


def test_rotating_x_forwarded_for_does_not_dodge_the_lockout(client, desk, settings):
    settings.LIVEBLOG_TRUSTED_PROXIES = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGINS[0],
            {"username": "desk", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert log_in(client, LOGINS[0], "desk", PASSWORD, address="127.0.0.1").status_code == 429


def test_behind_the_proxy_each_caller_counts_by_the_address_it_wrote(client, desk, settings):
    settings.LIVEBLOG_TRUSTED_PROXIES = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The guesser prepends addresses of its own; the proxy appends the real one.
        client.post(
            LOGINS[0],
            {"username": "desk", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )

    def from_address(address):
        return client.post(
            LOGINS[0],
            {"username": "desk", "password": PASSWORD},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=address,
        ).status_code

    assert from_address("198.51.100.7") == 429
    assert from_address("203.0.113.5") == 302


def test_the_lockout_ends_after_the_cool_off_time(client, desk, settings):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, LOGINS[0], "desk", "wrong")
        clock.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
        assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 302
        assert logged_in(client)


def test_a_superuser_unlocks_in_the_admin(client, desk, settings, admin_client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, LOGINS[0], "desk", "wrong")
    assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 429

    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "desk" in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 302


def test_editors_cannot_see_or_clear_lockouts(editor_client):
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert editor_client.get(changelist).status_code == 403


def test_the_command_line_unlocks_an_account(client, desk, settings, capsys):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, LOGINS[0], "desk", "wrong")
    assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 429
    call_command("axes_reset_username", "desk")
    assert log_in(client, LOGINS[0], "desk", PASSWORD).status_code == 302


def test_logging_in_to_ones_own_account_does_not_reset_guesses_at_another(client, desk, settings):
    get_user_model().objects.create_user("mallory", password="mallory-pass-99", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, LOGINS[0], "desk", "guess")
        client.logout()
        assert log_in(client, LOGINS[0], "mallory", "mallory-pass-99").status_code == 302
        client.logout()
    assert log_in(client, LOGINS[0], "desk", "guess").status_code == 429


def test_a_log_in_without_next_lands_on_the_api_root(client, desk):
    """Django's default landing, /accounts/profile/, is no page here (it answered 404)."""
    response = client.post("/api/auth/login/", {"username": "desk", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/api/"
    assert client.get(response["Location"], HTTP_ACCEPT="text/html").status_code == 200
