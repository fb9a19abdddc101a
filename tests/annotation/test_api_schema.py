"""What the OpenAPI schema says of the annotation API: the values each field takes, the bodies of each
operation and the errors each can answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from annotation.labels import LABELS_BY_NAME
from annotation.models import Report
from annotation.services.reactions import EMOJIS, REPORT_TYPES
from tests.factories import UserFactory, api_client_for

pytestmark = pytest.mark.django_db

MESSAGE = "/api/v1/messages/{message_id}/"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def component(schema: dict, ref_or_schema: dict) -> dict:
    while "$ref" in ref_or_schema or "allOf" in ref_or_schema:
        ref = ref_or_schema["$ref"] if "$ref" in ref_or_schema else ref_or_schema["allOf"][0]["$ref"]
        ref_or_schema = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return ref_or_schema


def body_schema(schema: dict, path: str, method: str) -> dict:
    request_body = schema["paths"][path][method]["requestBody"]
    assert list(request_body["content"]) == ["application/json"]
    return component(schema, request_body["content"]["application/json"]["schema"])


def response_schema(schema: dict, path: str, method: str, status: str = "200") -> dict:
    return schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_emoji_codes_report_types_and_labels_are_enumerated(schema):
    emoji = body_schema(schema, MESSAGE + "emojis/", "post")["properties"]["emoji"]
    assert component(schema, emoji)["enum"] == list(EMOJIS)
    report = body_schema(schema, MESSAGE + "reports/", "post")["properties"]
    assert component(schema, report["report_type"])["enum"] == list(Report.ReportType.values)
    assert list(report["labels"]["properties"]) == list(LABELS_BY_NAME)
    assert report["labels"]["additionalProperties"] is False
    answered = component(schema, response_schema(schema, MESSAGE + "reports/", "post", "201"))["properties"]
    assert component(schema, answered["report_type"])["enum"] == list(REPORT_TYPES)


def test_editing_a_message_is_documented_with_its_required_text(schema):
    edit = body_schema(schema, MESSAGE, "patch")
    assert edit["required"] == ["text"]
    answered = component(schema, response_schema(schema, MESSAGE, "patch"))
    assert answered == component(schema, response_schema(schema, MESSAGE, "get"))
    assert "is_own" in answered["properties"]


def test_the_tree_is_one_flat_list_of_messages(schema):
    operation = schema["paths"][MESSAGE + "tree/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["message_id"]
    flat = response_schema(schema, MESSAGE + "tree/", "get")
    assert flat["type"] == "array" and "children" not in component(schema, flat["items"])["properties"]
    assert "MessageNode" not in schema["components"]["schemas"]


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path == "/api/v1/health/":
                continue
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= documented, (method, path)
            assert ({"413", "415"} <= documented) == ("requestBody" in operation), (method, path)
            for status in documented - {"200", "201"}:
                if status.startswith("3"):
                    continue  # a redirect (a download from a bucket) has no body
                error = response_schema(schema, path, method, status)
                assert error == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_an_empty_language_is_refused():
    api = api_client_for(UserFactory())
    for response in [
        api.post("/api/v1/tasks/", {"type": "initial_prompt", "lang": ""}, format="json"),
        api.get("/api/v1/tasks/availability/?lang="),
    ]:
        assert (response.status_code, response.json()["error_code"]) == (400, "invalid_input")
        assert "lang" in response.json()["details"]
