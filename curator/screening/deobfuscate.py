"""Undo the cheap disguises that hide an injection from pattern rules and classifiers.

Attackers split trigger words with zero-width characters, swap Latin letters for Cyrillic or Greek look-alikes,
write in fullwidth or mathematical letters, or encode the payload (base64, hex, percent-encoding, rot13,
leetspeak). :func:`deobfuscate` returns a normalized text plus every decoded segment it found, so the rules and the
classifier look at what a model would read, and the disguise itself becomes evidence.

Homoglyphs: NFKC folds fullwidth and mathematical alphanumerics; ``data/confusables.txt`` folds the letters of other scripts
that render like Latin ones (a subset of Unicode's confusables.txt: the Cyrillic, Greek and Armenian letters that
are actually used to spoof English words). It is applied only inside words that mix scripts with Latin, or that
are made of look-alikes only, so genuine Russian or Greek text is left alone.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import unquote

# Invisible characters that change nothing on screen: zero-width space/joiners, word joiner, BOM, soft hyphen,
# bidi controls, Mongolian vowel separator, invisible math operators, and the Unicode "tag" block.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f"
    "\u3164\ufeff\uffa0\U000e0000-\U000e007f]"
)
_TAG_BLOCK_START = 0xE0000


def _read_confusables() -> dict[str, str]:
    """``data/confusables.txt``: look-alike letter, then the Latin letter it stands for."""
    text = resources.files(__package__).joinpath("data", "confusables.txt").read_text(encoding="utf-8")
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {char: latin for char, latin in pairs}


_CONFUSABLES = _read_confusables()
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
_WORD_RE = re.compile(r"\w+")

_LEET_TABLE = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l"}
)
# A token is leet only if it mixes letters with the digits/symbols above (plain numbers are left alone).
_LEET_TOKEN_RE = re.compile(r"(?=[\w@$|]*[a-zA-Z])(?=[\w@$|]*[013457@$|])[\w@$|]{3,}")

_BASE64_RE = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX_RE = re.compile(r"(?<![0-9A-Fa-f])(?:(?:0x|\\x)?[0-9A-Fa-f]{2}[\s:]?){16,}")
_PERCENT_RE = re.compile(r"(?:%[0-9A-Fa-f]{2}[^%\s]{0,3}){6,}")
# A word spelled with separators between every letter: "I g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e".
_SPACED_RE = re.compile(r"\b(?:[A-Za-z][ .\-_*]){4,}[A-Za-z]\b")

_MAX_DECODED_SEGMENTS = 16
_MAX_JSON_CHARS = 2_000_000
_MAX_JSON_LEAVES = 5_000


@dataclass
class Deobfuscated:
    """A text as a model would read it, plus what was hidden in it."""

    text: str
    """Invisible characters removed, NFKC, homoglyphs folded, HTML entities unescaped, spaced-out words joined."""
    decoded: list[str] = field(default_factory=list)
    """Payloads decoded from base64, hex or percent-encoding (each a separate segment)."""
    signals: list[str] = field(default_factory=list)
    """Which disguises were seen (``zero-width characters``, ``homoglyphs``, ``base64``, ...)."""

    def views(self) -> list[str]:
        """Every text worth screening: the normalized text and each decoded payload."""
        return [self.text, *self.decoded]

    def alternates(self) -> dict[str, str]:
        """Readings that only make sense if an attacker chose them (leetspeak, rot13); for high-precision rules."""
        alternates = {"rot13": rot13(self.text)}
        leet = unleet(self.text)
        if leet != self.text:
            alternates["leetspeak"] = leet
        return alternates


def strip_invisible(text: str) -> tuple[str, int]:
    """Remove invisible characters; Unicode tag characters (U+E0020..E007E) are decoded to the ASCII they shadow."""
    count = 0

    def _replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        code = ord(match.group())
        if _TAG_BLOCK_START + 0x20 <= code <= _TAG_BLOCK_START + 0x7E:
            return chr(code - _TAG_BLOCK_START)
        return ""

    return _INVISIBLE_RE.sub(_replace, text), count


def fold_homoglyphs(text: str) -> tuple[str, int]:
    """Map look-alike letters to Latin inside words that are (partly) Latin, or wholly look-alikes on a Latin line.

    The line decides for look-alike-only words: "на" on a Russian line is Russian (the line keeps letters such as
    "п" or "и" that look like nothing Latin), "аnd" on a line that reads as English once folded is a spoof.
    """
    total = 0
    out_lines = []
    for line in text.split("\n"):
        folded_line, count = _fold_line(line)
        out_lines.append(folded_line)
        total += count
    return "\n".join(out_lines), total


def _fold_line(line: str) -> tuple[str, int]:
    if line.isascii():
        return line, 0
    folded = 0
    latin_line: bool | None = None

    def _fold_word(match: re.Match[str]) -> str:
        nonlocal folded, latin_line
        word = match.group()
        if word.isascii():
            return word
        mapped = word.translate(_CONFUSABLE_TABLE)
        if mapped == word:
            return word
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        if not has_latin:
            # A real Cyrillic/Greek word has letters outside the look-alike table; a spoof is look-alikes only.
            if not mapped.isascii():
                return word
            if latin_line is None:
                latin_line = _only_lookalikes(line)
            if not latin_line:
                return word
        folded += sum(1 for a, b in zip(word, mapped, strict=True) if a != b)
        return mapped

    return _WORD_RE.sub(_fold_word, line), folded


def _only_lookalikes(line: str) -> bool:
    """True when nearly every non-Latin letter on the line has a Latin twin: spoofing, not another language."""
    foreign = [c for c in line[:4000] if c.isalpha() and not c.isascii()]
    if not foreign:
        return False
    unmatched = sum(1 for c in foreign if c not in _CONFUSABLES)
    return unmatched <= 0.1 * len(foreign)


def unleet(text: str) -> str:
    """Read leetspeak tokens (``1gn0r3`` -> ``ignore``); other tokens are unchanged."""
    return _LEET_TOKEN_RE.sub(lambda m: m.group().translate(_LEET_TABLE), text)


def rot13(text: str) -> str:
    return codecs.decode(text, "rot_13")


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    good = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    return good / len(text)


def _looks_like_text(text: str) -> bool:
    """Decoded bytes count as a payload only if they read as words (not a hash, an image or random bytes)."""
    if len(text) < 8 or _printable_ratio(text) < 0.95:
        return False
    letters = sum(1 for c in text if c.isalpha())
    spaces = text.count(" ")
    return letters / len(text) > 0.5 and spaces >= 1


def _decode_bytes(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return decoded if _looks_like_text(decoded) else None


def decode_base64_blobs(text: str) -> list[str]:
    out: list[str] = []
    for match in _BASE64_RE.finditer(text):
        blob = match.group().rstrip("=")
        if blob.isalpha() or blob.isdigit():
            continue  # a long word or number, not an encoding
        padded = blob + "=" * (-len(blob) % 4)
        for decoder in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decoder(padded)
            except (binascii.Error, ValueError):
                continue
            decoded = _decode_bytes(raw)
            if decoded:
                out.append(decoded)
                break
        if len(out) >= _MAX_DECODED_SEGMENTS:
            break
    return out


def decode_hex_blobs(text: str) -> list[str]:
    out: list[str] = []
    for match in _HEX_RE.finditer(text):
        digits = re.sub(r"0x|\\x|[\s:]", "", match.group())
        if len(digits) % 2:
            digits = digits[:-1]
        try:
            decoded = _decode_bytes(bytes.fromhex(digits))
        except ValueError:
            continue
        if decoded:
            out.append(decoded)
        if len(out) >= _MAX_DECODED_SEGMENTS:
            break
    return out


def decode_percent(text: str) -> list[str]:
    out: list[str] = []
    for match in _PERCENT_RE.finditer(text):
        decoded = unquote(match.group())
        if decoded != match.group() and _looks_like_text(decoded):
            out.append(decoded)
        if len(out) >= _MAX_DECODED_SEGMENTS:
            break
    return out


def join_spaced_letters(text: str) -> tuple[str, int]:
    count = 0

    def _join(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return re.sub(r"[ .\-_*]", "", match.group())

    return _SPACED_RE.sub(_join, text), count


def flatten_json(text: str) -> str | None:
    """A JSON document as ``key: value`` lines of its string leaves (escapes decoded); None if not JSON.

    Tool results are often JSON: its strings are what a model reads, and ``\\u`` escapes are one more disguise.
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{" or len(stripped) > _MAX_JSON_CHARS:
        return None
    try:
        doc = json.loads(stripped)
    except (json.JSONDecodeError, RecursionError):
        return None
    lines: list[str] = []

    def _walk(node: object, key: str) -> None:
        if len(lines) >= _MAX_JSON_LEAVES:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                _walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                _walk(v, key)
        elif isinstance(node, str) and node.strip():
            lines.append(f"{key}: {node}" if key else node)

    _walk(doc, "")
    return "\n".join(lines)


def deobfuscate(text: str) -> Deobfuscated:
    """Normalize ``text`` and decode the payloads hidden in it (see the module docstring)."""
    signals: list[str] = []
    flattened = flatten_json(text)
    if flattened is not None:
        text = flattened
    visible, invisible = strip_invisible(text)
    if invisible:
        signals.append("zero-width/invisible characters")
    normalized = unicodedata.normalize("NFKC", visible)
    # Only fullwidth letters/digits and math alphanumerics are a disguise: fullwidth punctuation (，：。) is how
    # Chinese and Japanese are written.
    if normalized != visible and any(
        0xFF10 <= ord(c) <= 0xFF5A and c.isalnum() or 0x1D400 <= ord(c) <= 0x1D7FF for c in visible
    ):
        signals.append("fullwidth/math letters")
    normalized, folded = fold_homoglyphs(normalized)
    if folded:
        signals.append("homoglyphs")
    unescaped = html.unescape(normalized) if "&" in normalized else normalized
    joined, spaced = join_spaced_letters(unescaped)
    if spaced:
        signals.append("spaced-out letters")

    decoded: list[str] = []
    for name, decoder in (
        ("base64", decode_base64_blobs),
        ("hex", decode_hex_blobs),
        ("percent-encoding", decode_percent),
    ):
        found = decoder(visible)
        if found:
            signals.append(name)
            # A decoded payload may itself be disguised; one more level is enough for the layered encodings seen.
            decoded.extend(deobfuscate(seg).text for seg in found)
    return Deobfuscated(text=joined, decoded=decoded[:_MAX_DECODED_SEGMENTS], signals=signals)
