"""Dataset rows as a Hugging Face ``datasets.Dataset``, and exported as JSONL or Parquet, without reshaping them.

Arrow gives every column one type, so inferring it from TRL rows merges every tool-call ``arguments`` dict (and
every tool JSON schema, every verifier spec) into one struct of all the keys seen, and fills each row's missing keys
with nulls: ``{"x": 1}`` comes back ``{"x": 1, "q": null}``, which a chat template then renders into training text.
``datasets`` has a feature type for exactly these free-form values, ``Json``: JSON text in Arrow's ``arrow.json``
extension type (plain strings to any other Parquet reader), decoded back to Python objects by ``datasets``. Every
column holding dicts or lists gets it (lists of dicts as ``List(Json())``, one JSON value per message or tool), as do
columns mixing scalar types; plain scalar columns keep their Arrow type.

So ``datasets.load_dataset("parquet", data_files=path)`` gives back the rows that were exported. Two limits of
``datasets`` itself are handled here rather than left to corrupt data silently:

- it encodes with pandas' ujson, which keeps 10 digits of a float (``1/3`` becomes ``0.3333333333``): values are
  encoded here with Python's ``json`` instead, which is exact;
- it decodes with pandas' ujson too, which misreads some floats by one unit in the last place (``0.6`` loads back
  as ``0.6000000000000001``). ``export_rows`` checks that every row loads back equal and refuses otherwise, naming
  the row (JSONL is exact); ``rows_dataset``, what the trainer hands to TRL, decodes with Python's ``json``.

A table cannot tell a missing key from a null: a key absent from a row loads back as ``None`` when others have it.
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
_Shape = Literal["values", "value"]  # a list of JSON values (List(Json())), or one JSON value (Json())


def _free_form(values: list[Any]) -> _Shape | None:
    """How a column's values are stored as JSON, or ``None`` where Arrow's own type is exact."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, list) and all(isinstance(x, dict) for x in v) for v in present):
        return "values"
    if any(isinstance(v, (dict, list)) for v in present) or len({type(v) for v in present}) > 1:
        return "value"
    return None


def _shapes(rows: Sequence[dict[str, Any]]) -> dict[str, _Shape | None]:
    columns = dict.fromkeys(key for row in rows for key in row)
    return {column: _free_form([row.get(column) for row in rows]) for column in columns}


def json_features(rows: Sequence[dict[str, Any]], *, decode: bool = True) -> Features:
    """Features for ``rows``: ``Json`` where values are free-form (see the module docstring), inferred elsewhere."""
    import pyarrow as pa
    from datasets import Features, Json, List

    features: dict[str, Any] = {}
    for column, shape in _shapes(rows).items():
        if shape == "values":
            features[column] = List(Json(decode=decode))
        elif shape == "value":
            features[column] = Json(decode=decode)
        else:
            arrow_type = pa.array([row.get(column) for row in rows]).type
            features[column] = Features.from_arrow_schema(pa.schema([pa.field(column, arrow_type)]))[column]
    return Features(features)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _encoded(rows: Sequence[dict[str, Any]], shapes: dict[str, _Shape | None]) -> list[dict[str, Any]]:
    """The rows with free-form values as exact JSON text (so ``datasets`` stores the text as given)."""
    out = []
    for row in rows:
        encoded = {}
        for column, shape in shapes.items():
            value = row.get(column)
            if value is not None and shape == "values":
                value = [_dumps(v) for v in value]
            elif value is not None and shape == "value":
                value = _dumps(value)
            encoded[column] = value
        out.append(encoded)
    return out


def _decode_batch(batch: dict[str, list[Any]], shapes: dict[str, _Shape | None]) -> dict[str, list[Any]]:
    out = {}
    for column, values in batch.items():
        shape = shapes.get(column)
        if shape == "values":
            values = [None if v is None else [json.loads(x) for x in v] for v in values]
        elif shape == "value":
            values = [None if v is None else json.loads(v) for v in values]
        out[column] = values
    return out


def rows_dataset(rows: Sequence[dict[str, Any]]) -> Dataset:
    """The rows as a ``datasets.Dataset`` that reads back equal to ``rows`` (missing keys as ``None``).

    Free-form columns are stored as JSON text and decoded with Python's ``json`` on access (a dataset transform,
    which ``Dataset.map`` applies too, so TRL's tokenization sees the exact values).
    """
    from functools import partial

    from datasets import Dataset

    shapes = _shapes(rows)
    dataset = Dataset.from_list(_encoded(rows, shapes), features=json_features(rows, decode=False))
    dataset.set_transform(partial(_decode_batch, shapes=shapes))
    return dataset


def parquet_dataset(rows: Sequence[dict[str, Any]]) -> Dataset:
    """The rows as ``load_dataset("parquet")`` will read them: ``Json`` columns decoded by ``datasets``."""
    from datasets import Dataset

    return Dataset.from_list(_encoded(rows, _shapes(rows)), features=json_features(rows))


def _check_round_trip(rows: Sequence[dict[str, Any]], dataset: Dataset) -> None:
    for i, (row, loaded) in enumerate(zip(rows, dataset, strict=True)):
        if {k: row.get(k) for k in loaded} != loaded:
            raise TracewheelError(
                f"row {i} would not load back from Parquet as it is: the datasets library's JSON decoder misreads "
                "some floats (0.6 as 0.6000000000000001); export it with --format jsonl"
            )


def jsonl_text(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def export_rows(rows: Sequence[dict[str, Any]], path: Path, fmt: ExportFormat) -> None:
    """Write ``rows`` to ``path`` as JSONL or Parquet; a missing directory or unwritable path is a TracewheelError."""
    import pyarrow.parquet as pq

    if fmt not in FORMATS:
        raise TracewheelError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not path.parent.is_dir():
        raise TracewheelError(f"cannot write {path}: directory {path.parent} does not exist")
    dataset = parquet_dataset(rows) if fmt == "parquet" else None
    if dataset is not None:
        _check_round_trip(rows, dataset)
    try:
        if dataset is None:
            path.write_text(jsonl_text(rows), encoding="utf-8")
        else:
            # The table's schema metadata carries the features, so load_dataset decodes the Json columns.
            pq.write_table(dataset.data.table, path, compression="zstd")
    except OSError as exc:
        raise TracewheelError(f"cannot write {path}: {exc.strerror or exc}") from exc
