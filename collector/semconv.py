"""Every span/log attribute and event name the collector reads, once (docs/02-collector.md).

Three convention families are read side by side, plus tracewheel's own attributes:

* OTel GenAI, current: semantic conventions **v1.37.0** (the schema ``opentelemetry-util-genai`` 1.1b0 stamps on its
  tracer; structured ``gen_ai.input.messages`` / ``gen_ai.output.messages`` with typed parts);
* OTel GenAI, deprecated but still emitted: the per-message events of v1.28-v1.36 (``gen_ai.user.message``, ...),
  ``gen_ai.system``, and OpenLLMetry's indexed ``gen_ai.prompt.{i}.*`` / ``gen_ai.completion.{i}.*``;
* OpenInference (Arize Phoenix) semantic conventions as written by ``openinference-semantic-conventions`` 0.1.x.

Indexed names (``llm.input_messages.{i}.message.role``) are given as their prefix and the suffix keys below it;
``collector.normalize_common.unflatten`` turns them back into lists.
"""

from __future__ import annotations

from typing import Final

SEMCONV_VERSION: Final = "1.37.0"
"""The OTel semantic-conventions version whose GenAI attributes this module implements."""

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.37.0"
"""Schema URL of ``SEMCONV_VERSION``."""

# --- OTel GenAI (current, v1.37) ------------------------------------------------------------------------------

GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
"""What the span does: ``chat``, ``text_completion``, ``generate_content``, ``execute_tool``, ``invoke_agent``, ..."""

GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
"""Messages sent to the model: a list (or its JSON text) of ``{role, parts:[...]}``."""

GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
"""Messages the model returned: ``{role, parts:[...], finish_reason}``."""

GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
"""System instructions kept apart from the chat history: a list of parts, or its JSON text."""

GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
"""Tools offered to the model: a list (or JSON text) of ``{type, name, description, parameters}``."""

GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
"""Name of the tool an ``execute_tool`` span runs."""

GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
"""Id of the tool call an ``execute_tool`` span answers."""

GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
"""Arguments the tool was called with (object or JSON text)."""

GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
"""What the tool returned (any value or JSON text)."""

GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
"""Description of the tool an ``execute_tool`` span runs."""

GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
"""Human-readable name of the agent."""

GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
"""Id of the conversation (session/thread) the run belongs to."""

GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
"""Model the caller asked for."""

GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
"""Model that actually answered."""

GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
"""Provider of the model (``openai``, ...)."""

GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
"""Prompt tokens of one model call."""

GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
"""Completion tokens of one model call."""

GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
"""Finish reasons of the choices of one model call (list)."""

ERROR_TYPE: Final = "error.type"
"""Class of error an operation ended with (general semconv, set by GenAI instrumentations on failure)."""

EXCEPTION_EVENT: Final = "exception"
"""Span event recording an exception."""

EXCEPTION_MESSAGE: Final = "exception.message"
"""Message of an ``exception`` span event."""

EXCEPTION_TYPE: Final = "exception.type"
"""Type of an ``exception`` span event."""

SERVICE_NAME: Final = "service.name"
"""Resource attribute naming the emitting service."""

INFERENCE_DETAILS_EVENT: Final = "gen_ai.client.inference.operation.details"
"""Log record/event carrying a call's content when capture goes to events (joined to its span by ids)."""

# Operation names (values of ``gen_ai.operation.name``).
OP_CHAT: Final = "chat"
"""A chat completion call."""
OP_TEXT_COMPLETION: Final = "text_completion"
"""A legacy text completion call."""
OP_GENERATE_CONTENT: Final = "generate_content"
"""A multimodal generation call."""
OP_EXECUTE_TOOL: Final = "execute_tool"
"""A tool execution."""
OP_INVOKE_AGENT: Final = "invoke_agent"
"""One agent invocation (the root of a run, usually)."""
OP_CREATE_AGENT: Final = "create_agent"
"""Agent creation."""

# Message part types and keys (inside gen_ai.input/output.messages).
PART_TEXT: Final = "text"
"""Part type: text, in ``content``."""
PART_TOOL_CALL: Final = "tool_call"
"""Part type: a tool call with ``id``, ``name``, ``arguments``."""
PART_TOOL_CALL_RESPONSE: Final = "tool_call_response"
"""Part type: a tool result with ``id`` and ``response``."""
PART_REASONING: Final = "reasoning"
"""Part type: reasoning text, in ``content`` (not part of the answer)."""
KEY_PARTS: Final = "parts"
"""A GenAI message's list of typed parts."""
KEY_TYPE: Final = "type"
"""A part's type."""
KEY_RESPONSE: Final = "response"
"""A ``tool_call_response`` part's result."""
KEY_RESULT: Final = "result"
"""Where pydantic-ai's instrumentation (data-format versions 2-6) puts a ``tool_call_response`` part's result."""
KEY_OUTPUT: Final = "output"
"""Another key some emitters put a ``tool_call_response`` part's result under."""
PART_BLOB: Final = "blob"
"""Part type: inline binary content (``mime_type``, ``content``)."""
PART_URI: Final = "uri"
"""Part type: content by reference (``uri``, ``mime_type``)."""
PART_FILE: Final = "file"
"""Part type: a file reference (``file_id``)."""

# --- framework-specific attributes --------------------------------------------------------------------------

PYDANTIC_AI_TOOL_ARGUMENTS: Final = "tool_arguments"
"""pydantic-ai (instrumentation data-format versions 2-4): a tool span's arguments (JSON text)."""
PYDANTIC_AI_TOOL_RESPONSE: Final = "tool_response"
"""pydantic-ai (instrumentation data-format versions 2-4): a tool span's result."""

# --- OTel GenAI (deprecated, <= v1.36) and OpenLLMetry -----------------------------------------------------------

GEN_AI_SYSTEM: Final = "gen_ai.system"
"""Deprecated provider name (replaced by ``gen_ai.provider.name``)."""

GEN_AI_USAGE_PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"
"""Deprecated input-token count."""

GEN_AI_USAGE_COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"
"""Deprecated output-token count."""

EVENT_SYSTEM_MESSAGE: Final = "gen_ai.system.message"
"""Deprecated event: a system message (body ``{content}``)."""
EVENT_USER_MESSAGE: Final = "gen_ai.user.message"
"""Deprecated event: a user message (body ``{content}``)."""
EVENT_ASSISTANT_MESSAGE: Final = "gen_ai.assistant.message"
"""Deprecated event: an assistant message in the history (body ``{content, tool_calls}``)."""
EVENT_TOOL_MESSAGE: Final = "gen_ai.tool.message"
"""Deprecated event: a tool result (body ``{content, id}``)."""
EVENT_CHOICE: Final = "gen_ai.choice"
"""Deprecated event: one output choice (body ``{index, finish_reason, message}``)."""

EVENT_BODY_ATTRIBUTE: Final = "event.body"
"""Where a span-event form of a deprecated event may carry its body as JSON text (best effort)."""

OPENLLMETRY_PROMPT_PREFIX: Final = "gen_ai.prompt"
"""OpenLLMetry indexed prompt messages: ``gen_ai.prompt.{i}.role|content|tool_call_id|tool_calls.{j}.*``."""
OPENLLMETRY_COMPLETION_PREFIX: Final = "gen_ai.completion"
"""OpenLLMetry indexed completions: ``gen_ai.completion.{i}.role|content|finish_reason|tool_calls.{j}.*``."""
OPENLLMETRY_FUNCTIONS_PREFIX: Final = "llm.request.functions"
"""OpenLLMetry indexed tool definitions: ``llm.request.functions.{i}.name|description|parameters``."""
LLM_REQUEST_TYPE: Final = "llm.request.type"
"""OpenLLMetry: ``chat`` / ``completion`` marks a model call."""
LLM_USAGE_PROMPT_TOKENS: Final = "llm.usage.prompt_tokens"
"""OpenLLMetry (old): input tokens."""
LLM_USAGE_COMPLETION_TOKENS: Final = "llm.usage.completion_tokens"
"""OpenLLMetry (old): output tokens."""
TRACELOOP_SPAN_KIND: Final = "traceloop.span.kind"
"""OpenLLMetry workflow decorators: ``workflow`` / ``task`` / ``agent`` / ``tool``."""
TRACELOOP_ENTITY_NAME: Final = "traceloop.entity.name"
"""OpenLLMetry: name of the decorated function (tool or agent name)."""
TRACELOOP_ENTITY_INPUT: Final = "traceloop.entity.input"
"""OpenLLMetry: JSON of the decorated function's inputs."""
TRACELOOP_ENTITY_OUTPUT: Final = "traceloop.entity.output"
"""OpenLLMetry: JSON of the decorated function's output."""

# Keys below the OpenLLMetry message prefixes.
KEY_ROLE: Final = "role"
"""Message role."""
KEY_CONTENT: Final = "content"
"""Message text."""
KEY_TOOL_CALLS: Final = "tool_calls"
"""List of a message's tool calls."""
KEY_TOOL_CALL_ID: Final = "tool_call_id"
"""Id of the call a tool message answers."""
KEY_FINISH_REASON: Final = "finish_reason"
"""Why generation stopped."""
KEY_NAME: Final = "name"
"""Tool/function name."""
KEY_ARGUMENTS: Final = "arguments"
"""Tool-call arguments."""
KEY_ID: Final = "id"
"""Tool-call id."""
KEY_DESCRIPTION: Final = "description"
"""Tool description."""
KEY_PARAMETERS: Final = "parameters"
"""Tool JSON schema."""

# --- OpenInference --------------------------------------------------------------------------------------------

OPENINFERENCE_SPAN_KIND: Final = "openinference.span.kind"
"""``LLM`` / ``TOOL`` / ``AGENT`` / ``CHAIN`` / ``RETRIEVER`` / ..."""
OI_KIND_LLM: Final = "LLM"
"""OpenInference span kind of a model call."""
OI_KIND_TOOL: Final = "TOOL"
"""OpenInference span kind of a tool execution."""
OI_KIND_AGENT: Final = "AGENT"
"""OpenInference span kind of an agent run."""
OI_KIND_CHAIN: Final = "CHAIN"
"""OpenInference span kind of a chain step."""

LLM_INPUT_MESSAGES: Final = "llm.input_messages"
"""Prefix: ``llm.input_messages.{i}.message.role|content|contents|tool_calls|tool_call_id|name``."""
LLM_OUTPUT_MESSAGES: Final = "llm.output_messages"
"""Prefix: ``llm.output_messages.{i}.message.*``."""
LLM_TOOLS: Final = "llm.tools"
"""Prefix: ``llm.tools.{i}.tool.json_schema`` (OpenAI tool JSON)."""
LLM_MODEL_NAME: Final = "llm.model_name"
"""Model that answered."""
LLM_PROVIDER: Final = "llm.provider"
"""Provider (``openai``, ``azure``, ...)."""
LLM_SYSTEM: Final = "llm.system"
"""AI system/product (``openai``, ``anthropic``, ...)."""
LLM_TOKEN_COUNT_PROMPT: Final = "llm.token_count.prompt"
"""Input tokens of one model call."""
LLM_TOKEN_COUNT_COMPLETION: Final = "llm.token_count.completion"
"""Output tokens of one model call."""
LLM_FINISH_REASON: Final = "llm.finish_reason"
"""Finish reason (written by openinference-instrumentation-openai)."""
INPUT_VALUE: Final = "input.value"
"""The span's input (request JSON for LLM spans, arguments for TOOL spans)."""
OUTPUT_VALUE: Final = "output.value"
"""The span's output (response JSON for LLM spans, result for TOOL spans)."""
TOOL_NAME: Final = "tool.name"
"""OpenInference TOOL span: the tool's name."""
TOOL_DESCRIPTION: Final = "tool.description"
"""OpenInference TOOL span: the tool's description."""
TOOL_PARAMETERS: Final = "tool.parameters"
"""OpenInference TOOL span: the tool's parameter schema (JSON text)."""
TOOL_CALL_ID: Final = "tool_call.id"
"""OpenInference TOOL span: id of the call it answers."""
TOOL_CALL_FUNCTION_ARGUMENTS: Final = "tool_call.function.arguments"
"""OpenInference TOOL span: arguments JSON."""
SESSION_ID: Final = "session.id"
"""OpenInference session (conversation) id."""
USER_ID: Final = "user.id"
"""OpenInference end-user id."""
AGENT_NAME: Final = "agent.name"
"""OpenInference agent name."""
GRAPH_NODE_ID: Final = "graph.node.id"
"""OpenInference: the node of an agent graph a span runs (an agent's name in the OpenAI Agents SDK, a graph
node such as ``agent`` / ``tools`` in LangGraph): only a fallback for the agent name."""
GRAPH_NODE_PARENT_ID: Final = "graph.node.parent_id"
"""OpenInference: the parent node of ``graph.node.id``."""
METADATA: Final = "metadata"
"""OpenInference: JSON metadata of the span (LangChain run metadata: ``langgraph_node``, ``lc_agent_name``...)."""

# Keys below ``llm.{input,output}_messages.{i}``.
OI_MESSAGE: Final = "message"
"""Node holding one message."""
OI_CONTENTS: Final = "contents"
"""Multimodal content list of a message: ``contents.{k}.message_content.type|text``."""
OI_MESSAGE_CONTENT: Final = "message_content"
"""Node of one multimodal content item."""
OI_TEXT: Final = "text"
"""Text of a multimodal content item."""
OI_TOOL_CALL: Final = "tool_call"
"""Node of one tool call: ``tool_call.id|function.name|function.arguments``."""
OI_FUNCTION: Final = "function"
"""Function node inside a tool call."""
OI_TOOL: Final = "tool"
"""Node of one tool definition (``llm.tools.{i}.tool``)."""
OI_JSON_SCHEMA: Final = "json_schema"
"""OpenAI tool JSON of one tool definition."""

# --- tracewheel -----------------------------------------------------------------------------------------------

TRACEWHEEL_TASK: Final = "tracewheel.task"
"""Which task/verifier applies to the run."""
TRACEWHEEL_EXPECTED: Final = "tracewheel.expected"
"""Reference answer (or verifier spec) the agent knew."""
TRACEWHEEL_TENANT: Final = "tracewheel.tenant"
"""Never trusted: the tenant comes from the credential; listed so nothing reads it by accident."""
TRACEWHEEL_ADAPTER: Final = "tracewheel.adapter"
"""The adapter version that served the call (canary lineage)."""

# --- OTel GenAI v1.26-era content events/attributes (older instrumentations) -----------------------------------

GEN_AI_PROMPT: Final = "gen_ai.prompt"
"""v1.26-era: the whole prompt as JSON text of OpenAI-shape messages (span attribute or event attribute)."""
GEN_AI_COMPLETION: Final = "gen_ai.completion"
"""v1.26-era: the whole completion as JSON text of OpenAI-shape messages."""
EVENT_CONTENT_PROMPT: Final = "gen_ai.content.prompt"
"""v1.26-era span event carrying ``gen_ai.prompt``."""
EVENT_CONTENT_COMPLETION: Final = "gen_ai.content.completion"
"""v1.26-era span event carrying ``gen_ai.completion``."""
