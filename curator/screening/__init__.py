"""Prompt-injection screening of tool results: deobfuscation, pattern rules, a learned classifier."""
