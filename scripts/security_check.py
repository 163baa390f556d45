"""Security figures: hostile inputs tried per kind, 5xx seen, requests refused by each throttle.

Builds a throwaway SQLite database and drives the real WSGI application in-process:
- schemathesis over every API operation, schema-valid and schema-violating data, as anonymous
  and as an editor (token), every check on; for editors' writes the two data-acceptance checks
  are left out, as in tests/test_api_schema.py (schema-violating bodies accepted are counted);
- the URL policy on hostile link addresses, through the API and the reader page;
- uploads whose content and name disagree, oversized and deeply nested bodies;
- the anonymous API throttle against a rotating X-Forwarded-For, and 40 wrong passwords at each
  login form.
Prints a table and exits non-zero if any 5xx or schema mismatch was seen.

    python scripts/security_check.py                 # 25 generated cases per operation and mode
    python scripts/security_check.py --examples 100
"""

import argparse
import io
import json
import os
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(workdir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'security.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DJANGO_LOG_LEVEL="CRITICAL",
        REDIS_URL="",
    )
    import django

    # Static files are served from the apps here, never from a collectstatic run.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    # Each wrong password is hashed like a right one; the real hasher takes a second here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def make_data():
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from liveblog.models import Blog, Caption, Entry, EntryStatus, Image

    blog = Blog.objects.create(slug="fuzz", title="Fuzz", key_points=["A point"])
    Caption.objects.create(blog=blog, image=Image.objects.create(alt_text="Hero"), text="Hero")
    for n in range(3):
        entry = Entry.objects.create(blog=blog, headline=f"Entry {n}", body="Text.")
        image = Image.objects.create(alt_text=f"Picture {n}")
        Caption.objects.create(blog=blog, entry=entry, image=image, text="C", position=n)
    Entry.objects.create(blog=blog, headline="Draft", body="Text.", status=EntryStatus.DRAFT)
    editor = User.objects.create_user("fuzz-editor", password="fuzz-editor-pass", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    User.objects.create_user("desk", password="right-password-1234", is_staff=True)
    return blog, Token.objects.create(user=editor).key


def fuzz(examples: int, token: str, tally: Counter, problems: list[str]) -> None:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis import GenerationMode, checks

    from config.wsgi import application

    acceptance_checks = [checks.positive_data_acceptance, checks.negative_data_rejection]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]

    def campaign(operation, mode, kind: str, headers: dict, excluded: list):
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers=headers)
            tally[kind] += 1
            tally[f"status {response.status_code // 100}xx"] += 1
            if failures := validate(case, response, headers, excluded_checks=excluded):
                problems.append(f"{kind}: {case.method} {case.formatted_path} -> {failures}")
            if excluded and mode == GenerationMode.NEGATIVE:
                checked = [checks.negative_data_rejection]
                if validate(case, response, headers, checks=checked):
                    tally["editor writes: schema-violating body accepted (known)"] += 1

        return run

    for who, headers in (("anonymous", {}), ("editor", {"Authorization": f"Token {token}"})):
        for operation in operations:
            # As in tests/test_api_schema.py: an editor's schema-valid write may still be refused
            # (a generated id names no object), and DRF takes a number where text is expected
            # and cannot tell a form body that is no object from an empty one.
            writes = who == "editor" and operation.method.upper() != "GET"
            excluded = acceptance_checks if writes else []
            for mode in GenerationMode:
                kind = f"API fuzz, {who}, {mode.value}"
                campaign(operation, mode, kind, headers, excluded)()


def validate(case, response, headers: dict, **options) -> str:
    """The checks' failures as one line, or "" when the answer is as documented."""
    try:
        case.validate_response(
            response, headers=headers, transport_kwargs={"headers": dict(headers)}, **options
        )
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis raises a FailureGroup
        found = getattr(failure, "exceptions", [failure])
        titles = "; ".join(getattr(f, "title", type(f).__name__) for f in found)
        message = getattr(found[0], "message", str(found[0])).replace("\n", " ")
        body = response.content[:200].decode(errors="replace")
        return f"{response.status_code}: {titles}: {message[:200]} Answer: {body}"
    return ""


def hostile_inputs(blog, token: str, tally: Counter, problems: list[str]) -> None:
    from django.test import Client
    from PIL import Image as PILImage

    from liveblog.api.parsers import MAX_JSON_DEPTH
    from liveblog.models import Entry

    editor = Client(HTTP_AUTHORIZATION=f"Token {token}")
    reader = Client()

    def expect(kind: str, response, statuses: set[int]) -> None:
        tally[kind] += 1
        tally[f"status {response.status_code // 100}xx"] += 1
        if response.status_code not in statuses:
            problems.append(f"{kind}: got {response.status_code}, expected {sorted(statuses)}")

    hostile_urls = [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "java%0Ascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "file:///etc/passwd",
        "\x01javascript:alert(1)",
    ]
    for url in hostile_urls:
        entry = Entry.objects.create(blog=blog, headline="Link", body=f"[Verify]({url})")
        link = editor.get(f"/api/entries/{entry.pk}/").json()["blocks"][0]
        page = reader.get(entry.get_absolute_url()).content.decode()
        tally["hostile link addresses"] += 1
        if "url" in link or f'href="{url}"' in page:
            problems.append(f"hostile link address shown: {url!r}")

    def picture(fmt: str) -> bytes:
        buffer = io.BytesIO()
        PILImage.new("RGB", (8, 8)).save(buffer, fmt)
        return buffer.getvalue()

    uploads = [
        ("report.pdf", "PNG", 201),
        ("figure.eps", "PNG", 201),
        ("page.html", "GIF", 201),
        ("photo.jpg", "BMP", 400),
        ("photo.png", "TIFF", 400),
        ("photo.jpg", "ICO", 400),
    ]
    for name, fmt, status in uploads:
        upload = io.BytesIO(picture(fmt))
        upload.name = name
        response = editor.post("/api/images/", {"alt_text": "x", "file": upload})
        expect("uploads whose name and content disagree", response, {status})
        stored = response.json().get("file") or ""
        if status == 201 and not stored.endswith(f".{fmt.lower().replace('jpeg', 'jpg')}"):
            problems.append(f"upload {name} ({fmt}) stored as {stored}")

    url = f"/api/entries/{Entry.objects.filter(blog=blog).first().pk}/"
    for size in (3 * 2**20, 30 * 2**20):
        body = json.dumps({"headline": "x" * size})
        expect("oversized bodies", editor.patch(url, body, "application/json"), {400})
        form = f"headline={'y' * size}"
        expect(
            "oversized bodies", editor.patch(url, form, "application/x-www-form-urlencoded"), {400}
        )
    for depth in (MAX_JSON_DEPTH + 1, 1_000, 3_000, 100_000):
        for body in ("[" * depth + "]" * depth, "[" * depth, '{"a":' * depth + "1" + "}" * depth):
            expect("deeply nested JSON", editor.patch(url, body, "application/json"), {400})


def throttles(tally: Counter) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.LIVEBLOG_API_ANON_RATE = "120/minute"
    client = Client()
    for n in range(200):
        response = client.get("/api/blogs/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n % 250}")
        tally["anonymous API: requests, rotating X-Forwarded-For"] += 1
        tally["anonymous API: refused (429)"] += response.status_code == 429

    for url in ("/admin/login/", "/api/auth/login/"):
        client = Client()
        for n in range(40):
            response = client.post(url, {"username": "desk", "password": f"guess-{n}"})
            tally[f"login {url}: wrong passwords"] += 1
            tally[f"login {url}: refused (429)"] += response.status_code == 429
        right = client.post(url, {"username": "desk", "password": "right-password-1234"})
        tally[f"login {url}: right password then refused"] += right.status_code == 429
        from axes.models import AccessAttempt

        AccessAttempt.objects.all().delete()  # the next form starts unlocked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="cases per operation and mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup(Path(workdir))
        from django.conf import settings

        blog, token = make_data()
        # Shown even when nothing was counted: these are the figures that should stay at 0.
        tally: Counter = Counter(
            {"status 5xx": 0, "editor writes: schema-violating body accepted (known)": 0}
        )
        problems: list[str] = []
        settings.LIVEBLOG_API_ANON_RATE = ""  # the fuzzer is one caller sending thousands
        fuzz(args.examples, token, tally, problems)
        hostile_inputs(blog, token, tally, problems)
        throttles(tally)

    width = max(len(kind) for kind in tally)
    for kind in sorted(tally, key=lambda k: (k.startswith("status"), k)):
        print(f"{kind:<{width}}  {tally[kind]:>7,}")
    print(f"{'problems (5xx, schema mismatches, wrong answers)':<{width}}  {len(problems):>7,}")
    for problem in problems[:50]:
        print("  " + problem)
    return 1 if problems or tally["status 5xx"] else 0


if __name__ == "__main__":
    sys.exit(main())
