"""One error body for every API failure: {"status", "code", "detail", "errors"}."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The resource changed since you read it: fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the ETag you last read, so a change made meanwhile is not overwritten."
    )
    default_code = "precondition_required"


class Forbidden(exceptions.PermissionDenied):
    """A 403 naming the fields the caller may not write (in `errors`)."""

    def __init__(self, detail: str, fields=()):
        super().__init__(detail)
        self.fields = list(fields)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is in use."
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer (documentation only)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="Machine-readable reason, e.g. invalid, not_found.")
    detail = serializers.CharField(help_text="A sentence for humans.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Field name -> list of messages (validation errors only; "
        "non_field_errors for the object as a whole). Empty for other errors.",
    )


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request was refused as malformed."
    default_code = "bad_request"


SUSPICIOUS_DETAILS = {
    TooManyFieldsSent: "Too many query or form parameters.",
    TooManyFilesSent: "Too many files in one request.",
    RequestDataTooBig: "The request body is too large.",
}


def bad_request(exc: SuspiciousOperation, request) -> BadRequest:
    """Django answers these with an HTML 400 page; the API answers in its own shape.

    Logged to django.security.* as Django would have done.
    """
    logger = logging.getLogger(f"django.security.{exc.__class__.__name__}")
    django_request = getattr(request, "_request", request)
    logger.error(str(exc), exc_info=exc, extra={"status_code": 400, "request": django_request})
    return BadRequest(suspicious_detail(exc))


def suspicious_detail(exc) -> str:
    """What to tell the caller of a refused request: the limit, for one too large."""
    if isinstance(exc, RequestDataTooBig):
        fields = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        picture = filesizeformat(settings.LIVEBLOG_MAX_IMAGE_BYTES)
        return (
            f"The request body is too large: its fields may take {fields} in all, "
            f"a picture {picture}."
        )
    return SUSPICIOUS_DETAILS.get(type(exc), BadRequest.default_detail)


def exception_handler(exc, context):
    if isinstance(exc, SuspiciousOperation):
        exc = bad_request(exc, context.get("request"))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {
            "status": response.status_code,
            "code": "invalid",
            "detail": "Invalid input.",
            "errors": errors,
        }
    else:
        detail = getattr(exc, "detail", "")
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else "error"
        body = {
            "status": response.status_code,
            "code": code,
            "detail": str(detail),
            "errors": {name: [str(detail)] for name in getattr(exc, "fields", ())},
        }
    response.data = body
    return response


def bad_request_page(request, exception):
    """Django's handler400 (a SuspiciousOperation outside DRF, e.g. an oversized body refused by
    security.RequestSizeMiddleware): API callers get the API's error shape, readers the page."""
    if request.path.startswith("/api/"):
        body = {
            "status": 400,
            "code": "bad_request",
            "detail": suspicious_detail(exception),
            "errors": {},
        }
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    """Django's handler500: API callers get the API's error shape, readers the HTML page."""
    if request.path.startswith("/api/"):
        body = {
            "status": 500,
            "code": "server_error",
            "detail": "Something went wrong on our side; the error has been logged.",
            "errors": {},
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
