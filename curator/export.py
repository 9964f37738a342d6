"""Dataset rows as a Hugging Face ``datasets.Dataset``, and exported as JSONL or Parquet, without reshaping them.

Arrow gives every column one type, so inferring it from TRL rows merges every tool-call ``arguments`` dict (and
every tool JSON schema, every verifier spec) into one struct of all the keys seen, and fills each row's missing keys
with nulls: ``{"x": 1}`` comes back ``{"x": 1, "q": null}``, which a chat template then renders into training text.
``datasets`` has a feature type for exactly these free-form values, ``Json``: stored as JSON text (Arrow's
``arrow.json`` extension type, readable as strings by any Parquet reader) and decoded back to the same Python
objects by ``datasets``. Every column holding dicts or lists gets it (lists of dicts as ``List(Json())``, one JSON
value per message or tool), as do columns mixing scalar types; plain scalar columns keep their Arrow type.

So ``datasets.load_dataset("parquet", data_files=path)`` gives back rows equal to the rows exported (and to the
JSONL export), ready for TRL; the trainer builds its in-memory datasets the same way. The one thing a table cannot
tell apart: a key absent from a row comes back as ``None`` when other rows have it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tracewheel.core.errors import TracewheelError

if TYPE_CHECKING:
    from datasets import Dataset, Features

ExportFormat = Literal["jsonl", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "parquet")


def _column_feature(values: list[Any]) -> Any:
    """``Json``/``List(Json())`` for free-form values, ``None`` where Arrow's own inference is exact."""
    from datasets import Json, List

    present = [v for v in values if v is not None]
    if all(isinstance(v, list) and all(isinstance(x, dict) for x in v) for v in present) and present:
        return List(Json())
    if any(isinstance(v, (dict, list)) for v in present) or len({type(v) for v in present}) > 1:
        return Json()
    return None


def json_features(rows: Sequence[dict[str, Any]]) -> Features:
    """Features for ``rows``: ``Json`` where values are free-form (see the module docstring), inferred elsewhere."""
    import pyarrow as pa
    from datasets import Features

    columns = list(dict.fromkeys(key for row in rows for key in row))
    features: dict[str, Any] = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        feature = _column_feature(values)
        if feature is None:
            feature = Features.from_arrow_schema(pa.schema([pa.field(column, pa.array(values).type)]))[column]
        features[column] = feature
    return Features(features)


def rows_dataset(rows: Sequence[dict[str, Any]]) -> Dataset:
    """The rows as a ``datasets.Dataset`` whose rows read back equal to ``rows`` (missing keys as ``None``)."""
    from datasets import Dataset

    return Dataset.from_list(list(rows), features=json_features(rows))


def jsonl_text(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def export_rows(rows: Sequence[dict[str, Any]], path: Path, fmt: ExportFormat) -> None:
    """Write ``rows`` to ``path`` as JSONL or Parquet; a missing directory or unwritable path is a TracewheelError."""
    import pyarrow.parquet as pq

    if fmt not in FORMATS:
        raise TracewheelError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not path.parent.is_dir():
        raise TracewheelError(f"cannot write {path}: directory {path.parent} does not exist")
    try:
        if fmt == "jsonl":
            path.write_text(jsonl_text(rows), encoding="utf-8")
        else:
            # The table's schema metadata carries the datasets features, so load_dataset decodes the Json columns.
            pq.write_table(rows_dataset(rows).data.table, path, compression="zstd")
    except OSError as exc:
        raise TracewheelError(f"cannot write {path}: {exc.strerror or exc}") from exc
