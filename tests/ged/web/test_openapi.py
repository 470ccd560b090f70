"""The OpenAPI description is public and covers the API's routes."""

import re

from ged.web import create_app


def test_openapi_lists_every_api_route(settings):
    app = create_app(settings)
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    api_rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint.split(".")[0] not in ("openapi", "api_docs")
    }
    assert api_rules, "no API route found"
    assert api_rules <= set(paths), api_rules - set(paths)
    app.extensions["ged"].close()
