"""How the OpenAPI schema documents the error contract of every endpoint."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from core.api.serializers import ErrorSerializer

ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=description)
    for code, description in [
        (400, "Invalid input (error_code tells which check failed)."),
        (401, "Not authenticated."),
        (403, "Not allowed (e.g. user_disabled, not_author, own_message)."),
        (404, "No such object, or not yours."),
        (409, "Conflicts with the current state (e.g. task_closed, already_reviewed, tree_not_open)."),
        (410, "The task expired and its slot went to someone else (task_expired)."),
        (429, "Rate limited."),
    ]
}
# The answers to a request body that is not read at all.
BODY_ERRORS = {
    413: "The body is larger than the server accepts (request_too_large).",
    415: "The body is not JSON (unsupported_media_type).",
}


def responses(ok: object, ok_status: int = 200) -> dict:
    """An endpoint's responses for ``extend_schema``: its success and the error contract's statuses."""
    return {ok_status: ok, **ERRORS}


class ApiSchema(AutoSchema):
    """Adds the answers to an unreadable body (too large, not JSON) to every operation that takes one."""

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: object) -> dict:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation and "requestBody" in operation:
            error = self.resolve_serializer(ErrorSerializer, "response")
            for code, description in BODY_ERRORS.items():
                operation["responses"].setdefault(
                    str(code), {"content": {"application/json": {"schema": error.ref}}, "description": description}
                )
        return operation
