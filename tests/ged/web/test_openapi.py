"""The OpenAPI description is public and covers the API's routes."""

from ged.web import create_app
from ged.web.openapi import openapi_path


def test_openapi_lists_every_api_route(settings):
    app = create_app(settings)
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    api_rules = {
        openapi_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint.split(".")[0] not in ("openapi", "api_docs")
    }
    assert api_rules, "no API route found"
    assert api_rules <= set(paths), api_rules - set(paths)
    app.extensions["ged"].close()


def test_the_description_is_valid_openapi_31_with_security_and_ids(settings):
    from openapi_spec_validator import validate

    app = create_app(settings)
    spec = app.test_client().get("/api/v1/openapi.json").json
    app.extensions["ged"].close()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert set(spec["components"]["securitySchemes"]) == {
        "bearerToken",
        "sessionCookie",
        "csrfToken",
    }
    operations = [op for methods in spec["paths"].values() for op in methods.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for operation in operations:
        assert operation["tags"] and operation["summary"], operation["operationId"]
        assert any(status.startswith("2") for status in operation["responses"])
        for status, answer in operation["responses"].items():
            if status[0] in "45" and "Readiness" not in str(answer):
                assert list(answer["content"]) == ["application/problem+json"]


def test_every_example_in_the_description_is_valid_against_its_own_schema(settings):
    from jsonschema import Draft202012Validator

    app = create_app(settings)
    spec = app.test_client().get("/api/v1/openapi.json").json
    app.extensions["ged"].close()
    checked = 0
    for name, schema in spec["components"]["schemas"].items():
        validator = Draft202012Validator(
            {"components": spec["components"], "$ref": f"#/components/schemas/{name}"}
        )
        for example in schema.get("examples", []):
            errors = [error.message for error in validator.iter_errors(example)]
            assert not errors, (name, errors)
            checked += 1
    assert checked >= 8
