"""The PEFT engine: one base model, many LoRA adapters, requests for different adapters generated in one batch.

Public interface (used by the server, evals and the canary):

    SamplingParams, GenerationRequest, Choice, GenerationResult      the wire types (docs: contracts)
    Engine (Protocol): base_model, generate(requests), load_adapter(name, path), unload_adapter(name),
                       loaded_adapters()
    PeftEngine(model, tokenizer, base_model, *, max_batch_size, batch_wait_ms, max_tokens_limit, gathered_lora,
               spare_slots)
        .load_adapter(name, path, *, reuse_slot=True) -> "slot" | "peft"     how it was loaded (see Adapters)
        .generate(requests) -> list[GenerationResult]      blocking; all requests go into the same batch(es)
        .submit(request, on_delta=None) -> Future[GenerationResult]
            for the server: ``on_delta(choice_index, text)`` is called from the worker thread with each new piece
            of a choice's text, so a mixed-adapter batch streams every one of its requests at once
        .close()
    open_engine(serving, trainer, paths, *, model=None) -> PeftEngine

How a batch runs. A worker thread owns generation; ``submit`` queues a job and returns at once, so the server's
event loop never waits on torch. The worker takes what is queued, waits ``batch_wait_ms`` for more (the micro-
batcher), and generates up to ``max_batch_size`` sequences together: left-padded prompts, one forward per step with
PEFT's mixed-adapter batches (``adapter_names=[...]``, ``"__base__"`` for the base model, per row), a KV cache that
drops rows as they finish. The decoding loop is tracewheel's own rather than ``model.generate`` because HF generate
takes one temperature/top_p/seed per call: here every row samples with its own temperature, top_p and
``torch.Generator`` (seeded from the request's ``seed`` + choice index), so a seeded request gives the same text
whatever it is batched with, and stops at its own ``max_tokens`` and ``stop`` strings. The LoRA layers of a mixed
batch run the gathered forward of ``gathered_lora.py`` (one product per layer whatever the number of adapters),
PEFT's own per-adapter loop only where that cannot reproduce PEFT (``gathered_lora=False`` forces PEFT's path).

Adapters. PEFT names are internal (``lora_1``, ``lora_2``, ...) and mapped from the public names, so unloading an
adapter that an in-flight batch still uses only hides the public name; the weights are deleted when the last row
using them finishes, and the same public name can be loaded again at once. An unloaded plain LoRA adapter is kept
as a spare instead of deleted (up to ``spare_slots``): the next adapter of its shape is hot-loaded by copying its
safetensors into the spare's weights (``lora_slots.py``, tens of ms) rather than by PEFT's ``load_adapter``. A PEFT
name is reused only that way, once no row uses it. Loading and unloading take the model lock, which the worker
holds one forward step at a time.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import queue
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field
from tracewheel.serving import lora_slots
from tracewheel.serving.lora_slots import Slot
from tracewheel.serving.tool_calls import parse_tool_calls
from tracewheel.trainer.model import load_model, load_tokenizer, resolve_model

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

if TYPE_CHECKING:
    import torch
    from tracewheel.serving.settings import ServingSettings
    from tracewheel.trainer.settings import TrainerSettings

logger = logging.getLogger(__name__)

BASE_ADAPTER = "__base__"  # PEFT's name for "no adapter" in a mixed batch
DeltaSink = Callable[[int, str], None]


class SamplingParams(BaseModel):
    """OpenAI request fields that shape generation."""

    max_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=16)
    ignore_eos: bool = False  # vLLM's extension: always generate max_tokens (benchmarks)


class GenerationRequest(BaseModel):
    messages: list[dict[str, Any]]  # OpenAI chat shape
    tools: list[dict[str, Any]] | None = None  # OpenAI tools shape
    adapter: str | None = None  # name of an adapter loaded in the engine; None = the base model
    params: SamplingParams = Field(default_factory=SamplingParams)
    # OpenAI's tool_choice: "auto" (default), "none" (tools not shown), "required" or
    # {"type": "function", "function": {"name": ...}} (the answer is started as a tool call, so the model writes one).
    tool_choice: str | dict[str, Any] | None = None


class Choice(BaseModel):
    text: str  # content with any tool-call markup removed
    tool_calls: list[
        dict[str, Any]
    ]  # OpenAI shape [{"id","type":"function","function":{"name","arguments"}}]
    tool_call_parse_error: bool  # the model tried to emit a tool call that did not parse
    finish_reason: Literal["stop", "length", "tool_calls"]
    raw_text: str  # what the model generated, verbatim


class GenerationResult(BaseModel):
    choices: list[Choice]
    prompt_tokens: int
    completion_tokens: int


class Engine(Protocol):
    base_model: str

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]: ...
    def load_adapter(self, name: str, path: Path) -> None: ...
    def unload_adapter(self, name: str) -> None: ...
    def loaded_adapters(self) -> list[str]: ...


class EngineError(TracewheelError):
    """A request the engine refuses (the server answers 400 or 404); ``code`` names the reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class UnknownAdapter(EngineError):
    def __init__(self, name: str) -> None:
        super().__init__(f"adapter {name!r} is not loaded", "model_not_found")


class ContextTooLong(EngineError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "context_length_exceeded")


class EngineClosed(EngineError):
    def __init__(self) -> None:
        super().__init__("the engine is shut down", "engine_closed")


# --- prompts ----------------------------------------------------------------------------------------------------


def _text_of(content: Any) -> str:
    """OpenAI content: a string, None, or a list of parts of which the text ones count."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content)


def _template_message(message: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI message as the chat template expects it: string content, tool-call arguments as objects."""
    out = {k: v for k, v in message.items() if v is not None}
    out["content"] = _text_of(message.get("content"))
    if out.get("role") == "developer":  # OpenAI's newer name for system; chat templates know only "system"
        out["role"] = "system"
    calls = []
    for call in message.get("tool_calls") or []:
        function = dict(call.get("function") or {})
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                function["arguments"] = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError:
                pass  # rendered as the string the client sent
        calls.append({**call, "function": function})
    if calls:
        out["tool_calls"] = calls
    else:
        out.pop("tool_calls", None)
    return out


def _forced_prefix(request: GenerationRequest) -> str:
    """Text the answer starts with to honour tool_choice "required" or a named function."""
    choice = request.tool_choice
    if not request.tools or choice in (None, "auto", "none"):
        return ""
    if choice == "required" and len(request.tools) == 1:
        # One tool offered: "required" can only mean that one, and naming it keeps a small model from writing prose
        # where the name goes.
        choice = request.tools[0]
    if choice == "required":
        return '<tool_call>\n{"name": "'
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name:
            return f'<tool_call>\n{{"name": {json.dumps(name)}, "arguments": '
    return ""


# --- the batch --------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    request: GenerationRequest
    prompt_ids: list[int]
    prefix: str
    peft_name: str
    future: Future[GenerationResult]
    on_delta: DeltaSink | None
    rows_done: int = 0
    texts: list[str] = field(default_factory=list)
    finish: list[str] = field(default_factory=list)
    completion_tokens: int = 0
    released: bool = False  # its rows no longer count as using its adapter


@dataclass
class _Row:
    job: _Job
    index: int  # choice index within the job
    generator: torch.Generator | None
    tokens: list[int] = field(default_factory=list)
    emitted: int = 0  # characters of the text already sent to on_delta
    text: str = ""  # the answer so far (the forced prefix, then decoded tokens)
    finish: str | None = None
    stopped: bool = False  # cut at a stop string
    prefix_offset: int = 0  # incremental decoding window (see _decode_new)
    read_offset: int = 0


def _holdback(text: str, stops: Sequence[str]) -> int:
    """Characters at the end of ``text`` that may be the start of a stop string (not streamed yet)."""
    keep = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), keep, -1):
            if text.endswith(stop[:k]):
                keep = k
                break
    return keep


class PeftEngine:
    """See the module docstring."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        base_model: str,
        *,
        max_batch_size: int = 32,
        batch_wait_ms: float = 5.0,
        max_tokens_limit: int = 2048,
        gathered_lora: bool = True,
        spare_slots: int = 2,
    ) -> None:
        import torch
        from tracewheel.serving.gathered_lora import GatheredLora

        self.base_model = base_model
        self.tokenizer = tokenizer
        self._model = model.eval()
        self._device = next(model.parameters()).device
        self._max_batch = max_batch_size
        self._wait_s = batch_wait_ms / 1000
        self._max_tokens_limit = max_tokens_limit
        self.max_context = int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30)
        self._pad_id = (
            tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        )
        self._eos_ids = {i for i in (tokenizer.eos_token_id, model.config.eos_token_id) if isinstance(i, int)}
        for token in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>"):
            token_id = tokenizer.convert_tokens_to_ids(token)
            if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                self._eos_ids.add(token_id)
        self._torch = torch
        # Public adapter name -> PEFT name; a PEFT name is never reused (see the module docstring).
        self._adapters: dict[str, str] = {}
        self._in_use: dict[str, int] = {}  # PEFT name -> rows queued or generating with it
        self._retired: set[str] = set()  # unloaded public names whose PEFT weights await their last row
        # PEFT adapters no name and no row uses, kept to hot-load the next matching adapter into (lora_slots.py).
        self._spares: dict[str, Slot] = {}
        self._spare_limit = spare_slots
        self._names = (f"lora_{i}" for i in itertools.count(1))
        self._state_lock = threading.Lock()  # the maps above
        self._model_lock = threading.Lock()  # the model's modules: one forward step, or one load/unload
        self._model_version = 0  # bumped by every load/unload: the mixed-batch hooks are set again after one
        self._hooks: list[Any] = []
        self._hooked: tuple[int, tuple[str, ...]] | None = None
        # One LoRA product per layer for a mixed batch (gathered_lora.py); None = PEFT's per-adapter loop.
        self._gathered = GatheredLora() if gathered_lora else None
        self._gathered_for: int | None = None  # the model version its weights were concatenated for
        self._gathered_ok = False
        self._queue: queue.Queue[list[_Job] | None] = queue.Queue()
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="tracewheel-engine", daemon=True)
        self._worker.start()

    # --- adapters -----------------------------------------------------------------------------------------------

    def loaded_adapters(self) -> list[str]:
        with self._state_lock:
            return sorted(self._adapters)

    def load_adapter(self, name: str, path: Path, *, reuse_slot: bool = True) -> Literal["slot", "peft"]:
        """Load (or replace) the PEFT adapter at ``path`` under ``name``; safe while batches run.

        Returns how: ``"slot"``, its weights copied into a spare adapter's (tens of milliseconds, ``lora_slots.py``),
        or ``"peft"``, PEFT's ``load_adapter`` (no spare fits it, or ``reuse_slot=False``).
        """
        if not (Path(path) / lora_slots.CONFIG_FILE).exists():
            raise TracewheelError(f"{path} is not a PEFT adapter (no adapter_config.json)")
        how: Literal["slot", "peft"] = "slot"
        peft_name = self._load_into_slot(Path(path)) if reuse_slot else None
        if peft_name is None:
            how, peft_name = "peft", self._load_with_peft(name, Path(path))
        with self._state_lock:
            previous = self._adapters.get(name)
            self._adapters[name] = peft_name
        if previous is not None:
            self._retire(previous)
        return how

    def _load_into_slot(self, path: Path) -> str | None:
        """The PEFT name of the spare the adapter at ``path`` was copied into, or None (PEFT must load it)."""
        with self._state_lock:
            if not self._spares:
                return None
        config = lora_slots.read_config(path)
        if config is None:
            return None
        with self._state_lock:  # taken out of the spares, so a concurrent load cannot pick it too
            slot = next((s for s in self._spares.values() if lora_slots.fits(s, config)), None)
            if slot is None:
                return None
            del self._spares[slot.peft_name]
        try:
            tensors = lora_slots.read_weights(path)  # outside the model lock: generation goes on meanwhile
        except Exception:  # a broken file: PEFT's load reports it
            tensors = None
        with self._model_lock:
            copied = tensors is not None and lora_slots.copy_into(slot, config, tensors)
            if copied:
                self._model.peft_config[slot.peft_name] = lora_slots.peft_config_of(config)
                if (
                    self._gathered is not None
                    and self._gathered_ok
                    and self._gathered_for == self._model_version
                ):
                    self._gathered.refresh(slot.peft_name)
        if not copied:
            with self._state_lock:
                self._spares[slot.peft_name] = slot
            return None
        return slot.peft_name

    def _load_with_peft(self, name: str, path: Path) -> str:
        from peft import PeftModel

        with self._state_lock:
            peft_name = next(self._names)
        with self._model_lock:
            self._clear_adapter_hooks()
            self._model_version += 1
            try:
                if isinstance(self._model, PeftModel):
                    self._model.load_adapter(
                        str(path), adapter_name=peft_name, is_trainable=False, low_cpu_mem_usage=True
                    )
                else:
                    self._model = PeftModel.from_pretrained(
                        self._model,
                        str(path),
                        adapter_name=peft_name,
                        is_trainable=False,
                        low_cpu_mem_usage=True,
                    ).eval()
            except (ValueError, OSError, RuntimeError, KeyError) as exc:
                raise TracewheelError(f"cannot load adapter {name!r} from {path}: {exc}") from exc
        return peft_name

    def unload_adapter(self, name: str) -> None:
        with self._state_lock:
            peft_name = self._adapters.pop(name, None)
        if peft_name is None:
            raise UnknownAdapter(name)
        self._retire(peft_name)

    def _retire(self, peft_name: str) -> None:
        with self._state_lock:
            self._retired.add(peft_name)
        self._delete_retired()

    def _delete_retired(self) -> None:
        with self._state_lock:
            ready = [n for n in self._retired if not self._in_use.get(n)]
            self._retired.difference_update(ready)
        if not ready:
            return
        with self._model_lock:
            spares = self._spare_slots(ready)
            ready = [n for n in ready if n not in spares]
            with self._state_lock:
                self._spares.update(spares)
            if not ready:
                return
            self._clear_adapter_hooks()
            self._model_version += 1
            if set(ready) >= set(self._model.peft_config):
                # PEFT cannot run with no adapter at all: the last one goes by unwrapping the base model again.
                self._model = self._model.unload()
                return
            with warnings.catch_warnings():
                # PEFT warns that the deleted adapter was "active"; the engine never uses the active adapter.
                warnings.filterwarnings("ignore", message=r"Adapter .* was active which is now deleted")
                for peft_name in ready:
                    self._model.delete_adapter(peft_name)

    def _spare_slots(self, ready: list[str]) -> dict[str, Slot]:
        """Which of the ``ready`` adapters to keep as spares (up to the limit, plain LoRA only); model lock held."""
        from peft import PeftModel

        spares: dict[str, Slot] = {}
        if not isinstance(self._model, PeftModel):
            return spares
        with self._state_lock:
            room = self._spare_limit - len(self._spares)
        for peft_name in ready:
            if len(spares) >= room:
                break
            slot = lora_slots.make_slot(self._model, peft_name)
            if slot is not None:
                spares[peft_name] = slot
        return spares

    # --- requests -----------------------------------------------------------------------------------------------

    def _prepare(self, request: GenerationRequest, on_delta: DeltaSink | None) -> _Job:
        if request.params.max_tokens > self._max_tokens_limit:
            raise EngineError(
                f"max_tokens {request.params.max_tokens} is above this server's limit of {self._max_tokens_limit}",
                "invalid_value",
            )
        tools = request.tools if request.tool_choice != "none" else None
        messages = [_template_message(m) for m in request.messages]
        try:
            prompt = self.tokenizer.apply_chat_template(
                messages, tools=tools or None, add_generation_prompt=True, tokenize=False
            )
        except Exception as exc:  # jinja errors on a message shape the template cannot render
            raise EngineError(
                f"cannot render the messages with the chat template: {exc}", "invalid_messages"
            ) from exc
        prefix = _forced_prefix(request)
        prompt_ids = self.tokenizer(prompt + prefix, add_special_tokens=False)["input_ids"]
        wanted = len(prompt_ids) + request.params.max_tokens
        if wanted > self.max_context:
            raise ContextTooLong(
                f"this model's maximum context length is {self.max_context} tokens; the messages take "
                f"{len(prompt_ids)} and max_tokens asks for {request.params.max_tokens} more"
            )
        with self._state_lock:
            if self._closed:
                raise EngineClosed()
            if request.adapter is None:
                peft_name = BASE_ADAPTER
            else:
                peft_name = self._adapters.get(request.adapter, "")
                if not peft_name:
                    raise UnknownAdapter(request.adapter)
                self._in_use[peft_name] = self._in_use.get(peft_name, 0) + request.params.n
        return _Job(
            request=request,
            prompt_ids=prompt_ids,
            prefix=prefix,
            peft_name=peft_name,
            future=Future(),
            on_delta=on_delta,
        )

    def submit(
        self, request: GenerationRequest, on_delta: DeltaSink | None = None
    ) -> Future[GenerationResult]:
        """Queue one request; the future resolves when all its choices are done (``on_delta`` streams them)."""
        job = self._prepare(request, on_delta)
        self._queue.put([job])
        return job.future

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate for all ``requests`` together (mixed adapters in one batch); blocks until all are done."""
        jobs: list[_Job] = []
        try:
            for request in requests:
                jobs.append(self._prepare(request, None))
        except BaseException:
            self._release(jobs)
            raise
        self._queue.put(jobs)
        return [job.future.result() for job in jobs]

    def close(self) -> None:
        with self._state_lock:
            self._closed = True
        self._queue.put(None)
        self._worker.join(timeout=30)
        # A request that slipped in as the engine closed is failed, not left waiting.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            for job in item or []:
                if not job.future.done():
                    job.future.set_exception(EngineClosed())

    # --- the worker ---------------------------------------------------------------------------------------------

    def _gather(self, first: list[_Job]) -> tuple[list[_Job], bool]:
        """``first`` plus whatever arrives within the batching window, up to the batch size."""
        jobs = list(first)
        deadline = time.monotonic() + self._wait_s
        stop = False
        while sum(j.request.params.n for j in jobs) < self._max_batch:
            remaining = deadline - time.monotonic()
            try:
                more = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                stop = True
                break
            jobs.extend(more)
        return jobs, stop

    def _work(self) -> None:
        pending: list[_Job] = []
        stop = False
        while True:
            if not pending:
                if stop:
                    return
                item = self._queue.get()
                if item is None:
                    return
                pending = item
            if not stop:
                pending, stop = self._gather(pending)
            rows: list[_Row] = []
            while pending and (not rows or len(rows) + pending[0].request.params.n <= self._max_batch):
                job = pending.pop(0)
                rows.extend(self._rows(job))
            try:
                self._run(rows)
            except Exception as exc:  # one failed batch fails its requests, never the worker
                logger.exception("generation failed")
                for job in {id(r.job): r.job for r in rows}.values():
                    if not job.future.done():
                        job.future.set_exception(exc)
            finally:
                self._release({id(r.job): r.job for r in rows}.values())

    def _rows(self, job: _Job) -> list[_Row]:
        params = job.request.params
        job.texts = [""] * params.n
        job.finish = ["stop"] * params.n
        rows = []
        for i in range(params.n):
            generator = None
            if params.temperature > 0:
                generator = self._torch.Generator(device="cpu")
                seed = params.seed + i if params.seed is not None else secrets.randbits(63)
                generator.manual_seed(seed % (1 << 63))
            rows.append(_Row(job=job, index=i, generator=generator, text=job.prefix))
        return rows

    def _release(self, jobs: Any) -> None:
        with self._state_lock:
            for job in jobs:
                if job.released:
                    continue
                job.released = True
                if job.peft_name != BASE_ADAPTER:
                    self._in_use[job.peft_name] -= job.request.params.n
                    if self._in_use[job.peft_name] <= 0:
                        del self._in_use[job.peft_name]
        self._delete_retired()

    def _forward(self, names: list[str], **inputs: Any) -> Any:
        """One forward step of the batch, each row through its adapter (gathered LoRA, else PEFT's mixed batch).

        ``PeftModel(..., adapter_names=names)`` would walk every module of the model twice and register and remove
        a hook on every LoRA layer on each call, about an eighth of a decode step here. The same hooks (PEFT's
        ``_adapter_names_pre_forward_hook``, which hands ``adapter_names`` to each layer's mixed-batch forward)
        are instead registered once per batch composition and kept until the rows or the adapters change.
        """
        from peft import PeftModel

        with self._model_lock:
            model = self._model
            if not isinstance(model, PeftModel):
                return model(**inputs, use_cache=True, logits_to_keep=1)
            gathered = self._gathered
            if gathered is not None:
                if self._gathered_for != self._model_version:
                    self._gathered_ok = gathered.rebuild(model)
                    self._gathered_for = self._model_version
                if self._gathered_ok:
                    gathered.set_rows(tuple(names))
                    return model.get_base_model()(**inputs, use_cache=True, logits_to_keep=1)
            key = (self._model_version, tuple(names))
            if self._hooked != key:
                self._set_adapter_hooks(model, names)
                self._hooked = key
            return model.get_base_model()(**inputs, use_cache=True, logits_to_keep=1)

    def _set_adapter_hooks(self, model: Any, names: list[str]) -> None:
        from peft.tuners.lora.layer import LoraLayer
        from peft.tuners.lora.model import _adapter_names_pre_forward_hook
        from peft.utils.other import AuxiliaryTrainingWrapper

        self._clear_adapter_hooks()
        if self._gathered is not None:
            self._gathered_for = self._model_version  # PEFT's path for this version: the hooks stay valid
        hook = functools.partial(_adapter_names_pre_forward_hook, adapter_names=list(names))
        self._hooks = [
            module.register_forward_pre_hook(hook, with_kwargs=True)
            for module in model.modules()
            if isinstance(module, (LoraLayer, AuxiliaryTrainingWrapper))
        ]

    def _clear_adapter_hooks(self) -> None:
        for handle in self._hooks:
            handle.remove()
        self._hooks = []
        self._hooked = None
        if self._gathered is not None:
            self._gathered.clear()
            self._gathered_for = None

    def _run(self, rows: list[_Row]) -> None:
        torch = self._torch
        from transformers import DynamicCache

        # The n choices of one request share its prompt: prefill each prompt once and copy its KV cache to its
        # rows (prefill of a long prompt costs far more than a decode step; n=4 sampling paid it four times).
        jobs: dict[int, int] = {}
        for row in rows:
            jobs.setdefault(id(row.job), len(jobs))
        firsts = [next(r for r in rows if id(r.job) == key) for key in jobs]
        width = max(len(r.job.prompt_ids) for r in firsts)
        ids = torch.full((len(firsts), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(firsts), width), dtype=torch.long)
        for b, row in enumerate(firsts):
            prompt = row.job.prompt_ids
            ids[b, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            mask[b, width - len(prompt) :] = 1
        ids, mask = ids.to(self._device), mask.to(self._device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache(config=self._model.config)
        live = list(rows)
        with torch.inference_mode():
            out = self._forward(
                [r.job.peft_name for r in firsts],
                input_ids=ids,
                attention_mask=mask,
                position_ids=positions,
                past_key_values=cache,
            )
            logits = out.logits[:, -1, :]
            if len(firsts) < len(rows):
                index = torch.tensor([jobs[id(r.job)] for r in rows], device=self._device)
                cache.batch_select_indices(index)
                mask, positions, logits = mask[index], positions[index], logits[index]
            names = [r.job.peft_name for r in live]
            positions = positions[:, -1:]
            while True:
                next_ids = self._sample(logits, live)
                keep: list[int] = []
                for b, row in enumerate(live):
                    self._advance(row, int(next_ids[b]))
                    if row.finish is None:
                        keep.append(b)
                    else:
                        self._finish_row(row)
                if not keep:
                    return
                if self._closed:
                    # Shutting down: in-flight requests fail now (a stream ends with an error) instead of the
                    # shutdown waiting for every max_tokens.
                    raise EngineClosed()
                if len(keep) < len(live):
                    index = torch.tensor(keep, device=self._device)
                    cache.batch_select_indices(index)
                    mask, positions, next_ids = mask[index], positions[index], next_ids[index]
                    live = [live[b] for b in keep]
                    names = [r.job.peft_name for r in live]
                mask = torch.cat([mask, mask.new_ones((len(live), 1))], dim=-1)
                positions = positions + 1
                logits = self._forward(
                    names,
                    input_ids=next_ids.view(-1, 1),
                    attention_mask=mask,
                    position_ids=positions,
                    past_key_values=cache,
                ).logits[:, -1, :]

    def _sample(self, logits: torch.Tensor, rows: list[_Row]) -> torch.Tensor:
        torch = self._torch
        chosen = logits.argmax(dim=-1).cpu()
        for b, row in enumerate(rows):
            params = row.job.request.params
            if row.generator is None:
                continue
            scaled = logits[b].float().cpu() / params.temperature
            probs = torch.softmax(scaled, dim=-1)
            if params.top_p < 1.0:
                sorted_probs, order = probs.sort(descending=True)
                # Keep the smallest set whose mass reaches top_p (the first token always stays).
                drop = sorted_probs.cumsum(-1) - sorted_probs >= params.top_p
                sorted_probs[drop] = 0.0
                probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
            chosen[b] = torch.multinomial(probs, 1, generator=row.generator)[0]
        return chosen.to(self._device)

    def _advance(self, row: _Row, token: int) -> None:
        params = row.job.request.params
        if row.job.future.cancelled():  # the client went away
            row.finish = "stop"
            return
        if token in self._eos_ids and not params.ignore_eos:
            row.finish = "stop"
            return
        row.tokens.append(token)
        before = len(row.text)
        self._decode_new(row, final=False)
        if len(row.text) > before:
            for stop in params.stop:
                at = row.text.find(stop, max(0, before - len(stop) + 1))
                if at >= 0:
                    row.text = row.text[:at]
                    row.finish = "stop"
                    row.stopped = True
                    return
        if len(row.tokens) >= params.max_tokens:
            row.finish = "length"
            return
        self._emit(row, final=False)

    def _decode_new(self, row: _Row, final: bool) -> None:
        """Incremental detokenization: decode a window of recent tokens, not the whole answer, every step.

        The offsets are TGI's: text is appended once the window decodes to more than what was already read and
        does not end in an incomplete UTF-8 sequence (U+FFFD), so multi-token characters come out whole.
        """
        decode = self.tokenizer.decode
        seen = decode(row.tokens[row.prefix_offset : row.read_offset], skip_special_tokens=True)
        window = decode(row.tokens[row.prefix_offset :], skip_special_tokens=True)
        if len(window) > len(seen) and (final or not window.endswith("\ufffd")):
            row.text += window[len(seen) :]
            row.prefix_offset, row.read_offset = row.read_offset, len(row.tokens)

    def _emit(self, row: _Row, final: bool) -> None:
        sink = row.job.on_delta
        if sink is None:
            return
        end = len(row.text)
        if not final:
            # An incomplete UTF-8 sequence decodes as U+FFFD; a partial stop string may still turn out to be one.
            if row.text.endswith("\ufffd"):
                end -= 1
            end -= _holdback(row.text[:end], row.job.request.params.stop)
        if end > row.emitted:
            sink(row.index, row.text[row.emitted : end])
            row.emitted = end

    def _finish_row(self, row: _Row) -> None:
        if not row.stopped:
            self._decode_new(row, final=True)  # tokens held back for an incomplete character
        self._emit(row, final=True)
        job = row.job
        job.texts[row.index] = row.text
        job.finish[row.index] = row.finish or "stop"
        job.completion_tokens += len(row.tokens)
        job.rows_done += 1
        if job.rows_done == job.request.params.n and not job.future.done():
            # Released before the caller hears of it: an adapter unloaded right after is deleted (or kept as a
            # spare) at once, not when the rest of the batch ends.
            self._release([job])
            job.future.set_result(self._result(job))

    def _result(self, job: _Job) -> GenerationResult:
        choices = []
        for text, finish in zip(job.texts, job.finish, strict=True):
            parsed = parse_tool_calls(text)
            reason = "tool_calls" if parsed.tool_calls and finish == "stop" else finish
            choices.append(
                Choice(
                    text=parsed.content,
                    tool_calls=parsed.tool_calls,
                    tool_call_parse_error=parsed.parse_error,
                    finish_reason=reason,  # type: ignore[arg-type]
                    raw_text=text,
                )
            )
        return GenerationResult(
            choices=choices, prompt_tokens=len(job.prompt_ids), completion_tokens=job.completion_tokens
        )


def open_engine(
    serving: ServingSettings, trainer: TrainerSettings, paths: Paths, *, model: str | None = None
) -> PeftEngine:
    """The PEFT engine on the configured base model (CPU float32, or CUDA bf16 when a GPU is present)."""
    if serving.num_threads:
        import torch

        torch.set_num_threads(serving.num_threads)
    resolved = resolve_model(trainer, paths, model or serving.model)
    tokenizer = load_tokenizer(resolved.path)
    loaded = load_model(resolved.path)
    if loaded.config.pad_token_id is None:
        loaded.config.pad_token_id = tokenizer.pad_token_id
    return PeftEngine(
        loaded,
        tokenizer,
        resolved.name,
        max_batch_size=serving.max_batch_size,
        batch_wait_ms=serving.batch_wait_ms,
        max_tokens_limit=serving.max_tokens_limit,
        spare_slots=serving.spare_lora_slots,
    )
