"""The API's declared shapes: pydantic models that validate what comes in, serialise what
goes out and generate the OpenAPI description (design: fields may be added, never renamed)."""
