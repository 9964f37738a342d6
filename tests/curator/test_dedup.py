"""Stage 5b: exact and near-duplicate removal with MinHash LSH (curator/dedup.py)."""

import pytest
from tracewheel.curator.dedup import Deduplicator, dedup_rows, row_text
from tracewheel.curator.versions import DatasetRow

FORECAST = (
    "Tomorrow in Paris expect light rain in the afternoon with a high of twelve degrees and a low of six, winds from "
    "the south west at fifteen kilometres per hour, humidity around eighty percent, sunrise at eight and sunset at "
    "five, so bring an umbrella and a warm coat if you are planning a walking tour of the old town."
)


def sft(user: str, answer: str) -> DatasetRow:
    return DatasetRow(
        "sft",
        {
            "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
            "tools": [],
        },
        {"trace_ids": [user[:8]]},
    )


def test_exact_duplicates_ignore_case_and_punctuation():
    a = sft("Weather in Paris?", FORECAST)
    b = sft("weather in paris", FORECAST + "!")
    c = sft("Weather in Lyon?", "Sunny in Lyon all day.")
    kept, dropped = dedup_rows([a, b, c])
    assert kept == [a, c]
    assert [(d.row, d.of, d.how) for d in dropped] == [(b, a.row_id, "exact")]


def test_near_duplicate_is_found_and_a_different_row_is_not():
    base = sft("Weather in Paris tomorrow?", FORECAST)
    near = sft("Weather in Paris tomorrow?", FORECAST.replace("warm", "heavy"))
    other = sft("Weather in Paris tomorrow?", "It will be sunny and warm all day; no umbrella needed at all.")
    kept, dropped = dedup_rows([base, near, other], threshold=0.85)
    assert kept == [base, other]
    assert dropped[0].how == "near" and dropped[0].of == base.row_id and 0.85 <= dropped[0].similarity < 1.0


def test_existing_rows_are_indexed_first_and_kinds_are_separate():
    old = sft("Weather in Paris?", FORECAST)
    same_again = sft("Weather in Paris?", FORECAST)
    as_kto = DatasetRow(
        "kto",
        {
            "prompt": [{"role": "user", "content": "Weather in Paris?"}],
            "completion": [{"role": "assistant", "content": FORECAST}],
            "label": True,
            "tools": [],
        },
    )
    kept, dropped = dedup_rows([same_again, as_kto], existing=[old])
    assert kept == [as_kto]
    assert dropped[0].of == old.row_id


def test_row_text_covers_tool_calls_but_not_roles():
    row = DatasetRow(
        "sft",
        {
            "messages": [
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
                        }
                    ],
                }
            ]
        },
    )
    text = row_text(row)
    assert "get_weather" in text and "paris" in text and "assistant" not in text


def test_threshold_is_checked():
    with pytest.raises(ValueError, match="threshold"):
        Deduplicator(threshold=0)
