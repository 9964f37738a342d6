"""Trainer settings (the ``[trainer]`` section of the config file)."""

from pydantic import BaseModel, Field


class TrainerSettings(BaseModel):
    default_model: str = Field(
        default="embedded:smollm2-135m-instruct",
        description="Model trained when --model is not given: a Hugging Face id, a local path, or the embedded default.",
    )
