"""The base of every app's API views: parse with a serializer, authorise by policy, answer in the contract."""

from rest_framework import generics
from rest_framework.views import APIView


class ApiView(APIView):
    """An endpoint of the API. Authentication, the permission (``accounts.permissions.CanUseApi``), the JSON
    parser, the error contract and pagination come from the REST framework's settings."""


class ListApiView(ApiView, generics.ListAPIView):
    """A paginated list: set ``serializer_class`` and ``get_queryset``; pages come from ``core.api.pagination``."""


def validated(serializer_class: type, data: object) -> dict:
    """``data`` checked by the serializer; a ValidationError answers 400 invalid_input with the fields."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
