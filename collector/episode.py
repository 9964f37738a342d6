"""The episode: one agent run, normalized from spans of any GenAI convention family (docs/01-architecture.md).

This is the contract between the collector (which builds episodes) and the curator (which reads them).
Messages use the OpenAI chat shape that TRL and chat templates read, with tool-call arguments kept as the JSON
string the agent sent (the curator parses them when it derives training rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]


class FunctionCall(BaseModel):
    name: str
    arguments: str = Field(default="{}", description="JSON-encoded arguments, as the model produced them.")


class ToolCall(BaseModel):
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = Field(default=None, description="For role=tool: the call this result answers.")
    name: str | None = Field(default=None, description="For role=tool: the tool's name.")
    finish_reason: str | None = None
    span_id: str | None = Field(default=None, description="The span this message was read from (lineage).")


class Feedback(BaseModel):
    """An outcome that arrived after the run through ``POST /v1/feedback``."""

    score: float | None = None
    thumb: Literal["up", "down"] | None = None
    comment: str | None = None
    corrected_answer: str | None = None
    received_at: datetime


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class Episode(BaseModel):
    episode_id: str = Field(description="Stable id; equals the trace id (one agent run per trace).")
    tenant: str
    trace_id: str
    started_at: datetime
    ended_at: datetime
    conversation_id: str | None = None
    agent_name: str | None = None
    services: list[str] = Field(default_factory=list)
    system_instructions: str | None = None
    user_task: str | None = Field(default=None, description="The first user message's text.")
    messages: list[Message] = Field(
        default_factory=list,
        description="The whole run in order: system, user, assistant turns (with tool_calls), tool results, "
        "final assistant answer.",
    )
    final_answer: str | None = None
    tools: list[dict[str, Any]] = Field(
        default_factory=list, description='Tools offered, OpenAI shape: {"type":"function","function":{...}}.'
    )
    model: str | None = None
    provider: str | None = None
    usage: Usage = Field(default_factory=Usage)
    task: str | None = Field(default=None, description="tracewheel.task: which task/verifier applies.")
    expected: str | None = Field(
        default=None, description="tracewheel.expected: reference answer or verifier spec."
    )
    adapter: str | None = Field(
        default=None,
        description="tracewheel.adapter: the adapter version that served the run (canary lineage).",
    )
    status: Literal["ok", "error"] = "ok"
    errors: list[str] = Field(
        default_factory=list, description="Span status errors and tool errors, in order."
    )
    finish_reasons: list[str] = Field(default_factory=list)
    undecoded: list[str] = Field(
        default_factory=list,
        description="What the collector found but could not read, one reason each (a tool result whose content "
        "is in no shape it knows, a message part of unknown type): the curator holds such a run back, since an "
        "unread tool result must never make a run look clean.",
    )
    feedback: list[Feedback] = Field(default_factory=list)
    span_count: int = 0
    last_received_at: datetime | None = Field(
        default=None,
        description="When the collector last received anything for this run (a late span or feedback); "
        "the curator's watermark compares against this, since late data can change an old run.",
    )
