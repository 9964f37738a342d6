"""deploy/accelerate/: the DDP and FSDP configs load in accelerate (which refuses unknown keys), and every
`accelerate launch` line in docs/16-deploy.md parses in accelerate's launcher and names a real config file and a real
`tracewheel` command. The 2-process launch itself runs here on CPU (gloo) through ddp.yaml: as the trainer stands,
a rank stops at the run lock, which the test reports as an expected failure until trainer/runner.py is rank-aware."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from _deploy_files import DEPLOY, REPO, parse_cli
from accelerate.commands.config.config_args import ClusterConfig
from accelerate.commands.launch import launch_command_parser
from accelerate.utils import DistributedType
from tracewheel.curator.versions import DatasetRow, record_decision, write_version
from tracewheel.trainer import registry
from tracewheel.trainer.model import build_tiny_model

from tracewheel.config import load_settings

CONFIGS = {"ddp.yaml": DistributedType.MULTI_GPU, "fsdp.yaml": DistributedType.FSDP}
DOC = REPO / "docs" / "16-deploy.md"
KNOWN_FAILURE = "the same training run is already in progress"


@pytest.mark.parametrize(("name", "kind"), CONFIGS.items())
def test_config_loads_in_accelerate(name: str, kind: DistributedType) -> None:
    config = ClusterConfig.from_yaml_file(DEPLOY / "accelerate" / name)
    assert config.distributed_type == kind
    assert config.num_machines == 1 and config.num_processes >= 2
    assert config.mixed_precision == "bf16"  # what the trainer picks on a bf16 GPU (trainer/model.py)


def test_fsdp_saves_the_adapter_whole() -> None:
    config = ClusterConfig.from_yaml_file(DEPLOY / "accelerate" / "fsdp.yaml")
    assert config.fsdp_config["fsdp_version"] == 2
    # The registry and the server load a whole PEFT adapter directory, not per-rank shards.
    assert config.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"


def _documented_launches() -> list[list[str]]:
    lines = [ln.strip() for ln in DOC.read_text().splitlines()]
    return [shlex.split(ln, comments=True) for ln in lines if ln.startswith("accelerate launch ")]


def test_the_documented_launch_commands_parse() -> None:
    launches = _documented_launches()
    used = set()
    assert launches, "docs/16-deploy.md shows no accelerate launch command"
    for words in launches:
        args = launch_command_parser().parse_args(words[2:])
        assert (REPO / args.config_file).is_file(), args.config_file
        used.add(Path(args.config_file).name)
        assert args.module and args.training_script == "tracewheel"
        names, _ = parse_cli(args.training_script_args)
        assert names[0] == "train"
    assert used == set(CONFIGS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"What is {a} + {a}?"},
            {"role": "assistant", "content": f"Answer: {2 * a}"},
        ]
    }
    for a in range(6)
]


@pytest.mark.slow
def test_two_process_ddp_launch_registers_one_adapter(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings({"TRACEWHEEL_HOME": str(home)}, config_file=None)
    rows = [DatasetRow(kind="sft", data=r, lineage={"trace_ids": [f"t{i}"]}) for i, r in enumerate(ROWS)]
    version = write_version(settings.paths.datasets_dir, "acme", rows)["version"]
    for row in rows:
        record_decision(settings.paths.datasets_dir, "acme", version, row.row_id, "accept")
    cache = Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    model = build_tiny_model(cache)
    max_steps = 2
    # ddp.yaml as shipped; no GPU here, so torch.distributed runs on gloo and bf16 autocast is turned off.
    command = [
        *(sys.executable, "-m", "accelerate.commands.launch"),
        *("--config_file", str(DEPLOY / "accelerate" / "ddp.yaml"), "--mixed_precision", "no"),
        *("--main_process_port", str(_free_port())),
        *("-m", "tracewheel", "train", "sft", "--dataset", version, "--tenant", "acme"),
        *("--model", str(model), "--max-steps", str(max_steps), "--json"),
    ]
    env = {
        **os.environ,
        "TRACEWHEEL_HOME": str(home),
        "OMP_NUM_THREADS": "1",
        "TRACEWHEEL_TRAINER__NUM_THREADS": "1",
        # Without CUDA, transformers' TrainingArguments sets up torch.distributed (gloo) only when told it is on CPU.
        "ACCELERATE_USE_CPU": "true",
    }
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 and KNOWN_FAILURE in proc.stderr:
        # Every rank takes the run's exclusive lock in trainer/runner.py (and would register an adapter): the
        # trainer is not rank-aware yet (docs/16-deploy.md, "Training past one GPU"). Any other failure fails.
        pytest.xfail(f"trainer/runner.py is not rank-aware: a rank stops with {KNOWN_FAILURE!r}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    adapters = registry.list_adapters(settings.paths.adapters_dir, "acme")
    assert len(adapters) == 1, [a.adapter_id for a in adapters]
    records = [json.loads(m.group(0)) for m in re.finditer(r"^\{.*?^\}", proc.stdout, re.S | re.M)]
    assert len(records) == 1  # the main process reports; the others stay quiet
    # Two ranks share each step's batch: the 6 rows take one step per epoch instead of two.
    assert records[0]["metrics"]["epoch"] == pytest.approx(max_steps)
