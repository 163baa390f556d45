"""Production serving: deploy checks, HTTPS settings, gunicorn config, static files, /healthz/."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.db import OperationalError, connection

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_PRODUCTION": "1",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter, with Django set up under the given environment."""
    full_env = {**os.environ, **PRODUCTION_ENV, **env}
    full_env.pop("DJANGO_DEBUG", None)
    prelude = "import django; django.setup(); from django.conf import settings\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={**full_env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_https_only_and_proxy_aware():
    result = run_python(
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS > 0, "
        "settings.SECURE_PROXY_SSL_HEADER)",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_the_language_cookie_is_secure_and_same_site_in_production():
    code = (
        "from django.test import Client\n"
        "response = Client(HTTP_HOST='example.com').post("
        "'/i18n/setlang/', {'language': 'de', 'next': '/'}, secure=True)\n"
        "cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]\n"
        "print(response.status_code, bool(cookie['secure']), cookie['samesite'], cookie.value)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "302 True Lax de"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python("print(settings.SECRET_KEY)", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_development_defaults_stay_plain_http(settings):
    assert not settings.SESSION_COOKIE_SECURE
    assert not settings.LANGUAGE_COOKIE_SECURE and settings.LANGUAGE_COOKIE_SAMESITE == "Lax"
    assert not settings.SECURE_SSL_REDIRECT
    assert settings.SECURE_HSTS_SECONDS == 0


def test_gunicorn_config_reads_workers_and_bind_from_the_environment(monkeypatch):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == 2
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["wsgi_app"] == "config.wsgi:application"

    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == 5
    assert config["bind"] == ["0.0.0.0:9000"]


class FakeArbiter:
    """What gunicorn's when_ready hook reads of its server: the worker count and the log."""

    def __init__(self, workers: int):
        self.cfg = type("Config", (), {"workers": workers})()
        self.warnings: list[str] = []
        self.log = self
        self.warning = lambda message, *args: self.warnings.append(message % args)


@pytest.mark.parametrize(
    ("workers", "redis", "warned"), [(2, False, True), (1, False, False), (4, True, False)]
)
def test_gunicorn_says_at_start_that_without_redis_throttles_count_per_worker(
    settings, workers, redis, warned
):
    if redis:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/3",
            }
        }
    arbiter = FakeArbiter(workers)

    runpy.run_path(str(ROOT / "gunicorn.conf.py"))["when_ready"](arbiter)

    assert bool(arbiter.warnings) == warned
    if warned:
        assert "No REDIS_URL: each of the 2 workers keeps its own cache" in arbiter.warnings[0]


@pytest.mark.slow
def test_whitenoise_serves_collected_static_files_with_long_cache_headers(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = staticfiles_storage.url("admin/css/base.css")
    assert url != "/static/admin/css/base.css"  # a hashed, cache-forever name

    # WhiteNoise indexes STATIC_ROOT when the middleware is built: use a fresh handler.
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_ok_when_database_and_cache_work(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_naming_the_cache_when_it_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: connections are refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "checks": {"database": "ok", "cache": "failed"}}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz/").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_postgresql_prepares_statements_unless_told_not_to():
    code = "print(settings.DATABASES['default'].get('OPTIONS'))"
    url = "postgres://liveblog@db.example:5432/liveblog"
    prepared = run_python(code, DATABASE_URL=url)
    assert prepared.returncode == 0, prepared.stderr
    assert "'server_side_binding': True" in prepared.stdout
    assert "'prepare_threshold': 5" in prepared.stdout
    # Behind PgBouncer in transaction mode (before 1.21) prepared statements must be off.
    plain = run_python(code, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0")
    assert plain.returncode == 0, plain.stderr
    assert "prepare_threshold" not in plain.stdout
