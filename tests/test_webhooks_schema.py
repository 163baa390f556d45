"""The webhook API under the same contract as the rest of the API (tests/test_api_schema.py),
as a caller holding the webhook permissions: never a 5xx, every answer as documented."""

import pytest
from django.contrib.auth.models import Permission, User
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from liveblog.distribution import webhooks
from liveblog.distribution.models import Endpoint
from tests.factories import make_blog
from tests.test_api_schema import keep_the_test_connection, schema  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fuzz_endpoints(db, settings):
    settings.LIVEBLOG_API_ANON_RATE = ""
    user = User.objects.create_user("fuzz-hooks", password="pw")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="distribution"))
    blog = make_blog(slug="fuzz")
    endpoint = Endpoint.objects.create(blog=blog, url="https://partner.example/hook")
    webhooks.queue_test(endpoint)
    return Token.objects.create(user=user).key


@pytest.mark.slow
@schema.include(path_regex="^/api/webhooks/").parametrize()
@hypothesis_settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_webhook_api_conforms_to_its_schema(case, fuzz_endpoints):
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_endpoints}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )
