"""Tool definitions for test agents and episodes (importable by bare name from any test folder: pytest puts
``tests/`` on ``sys.path`` when it loads ``tests/conftest.py``)."""

from __future__ import annotations

from typing import Any


def function_tool(
    name: str, description: str, *required: str, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An OpenAI-style function tool whose parameters are all strings."""
    properties = {param: {"type": "string"} for param in (*required, *optional)}
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": list(required)},
        },
    }
