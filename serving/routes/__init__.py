"""One router per resource, as vLLM's OpenAI server lays them out."""
