"""Make ``benchmarks/data/pii_heldout1.jsonl``: the first held-out PII set, Faker-filled like ``pii_corpus.jsonl``.

Its templates were written once, after the recognizers, and never used to tune them; ``benchmarks.curate`` reports
them apart, as a check that the figures on the corpus do not come from fitting the recognizers to its sentences.
Values come from ``make_pii_corpus.build_corpus`` with another seed.

The committed ``pii_heldout1.jsonl`` is the source of truth (Faker's output can change between its versions);
this file is its provenance, and ``python -m benchmarks.data.make_pii_heldout1`` writes it again byte for byte.
"""

from __future__ import annotations

from benchmarks.data._heldout_writer import write_jsonl
from benchmarks.data.make_pii_corpus import SEED, build_corpus

HELDOUT_TEMPLATES: list[tuple[str, str]] = [
    ("chat", "Quick question from {PERSON}: why was {CREDIT_CARD} declined at [COMPANY]?"),
    ("chat", "{PERSON} here. Our VPN gateway {IP_ADDRESS} rejects my login since [TS]."),
    (
        "chat",
        "Forward the invoice to accounting ({EMAIL_ADDRESS}) and notify {PERSON} by SMS at {PHONE_NUMBER}.",
    ),
    (
        "tool_args",
        '{"recipient_name": "{PERSON}", "recipient_phone": "{PHONE_NUMBER}", "message": "Your [PRODUCT] is ready"}',
    ),
    ("tool_args", "{\"sql\": \"UPDATE accounts SET iban = '{IBAN_CODE}' WHERE email = '{EMAIL_ADDRESS}'\"}"),
    (
        "tool_args",
        '{"env": {"GITHUB_TOKEN": "{GITHUB_TOKEN}", "SLACK_BOT_TOKEN": "{SLACK_TOKEN}"}, "script": "deploy.sh"}',
    ),
    (
        "tool_result",
        "SELECT name, email FROM users LIMIT 2;\n name | email\n {PERSON} | {EMAIL_ADDRESS}\n"
        " {PERSON2} | {EMAIL_ADDRESS2}",
    ),
    ("tool_result", '{"session": {"jwt": "{JWT}", "user_ip": "{IP_ADDRESS}"}, "ok": true}'),
    (
        "tool_result",
        "kubectl get secret db -o yaml\ndata:\n  url: {CONNECTION_STRING}\n  openai: {OPENAI_API_KEY}",
    ),
    ("tool_result", "ssh-keygen output saved. Contents of id_rsa:\n{PRIVATE_KEY}"),
    (
        "final",
        "Thanks for waiting, {PERSON}! I have updated your IBAN to {IBAN_CODE} and your phone to {PHONE_NUMBER}.",
    ),
    (
        "final",
        "Summary: {PERSON} (SSN {US_SSN}) requested account closure; confirmation sent to {EMAIL_ADDRESS}.",
    ),
    (
        "system",
        "You are Max, the booking assistant. Contact the manager {PERSON} at {PHONE_NUMBER} for overrides. "
        "AWS: {AWS_ACCESS_KEY}:{AWS_SECRET_KEY}",
    ),
    (
        "chat",
        "Can you compare the [PRODUCT] with the [PRODUCT] and summarize in a table? Use data from [TS].",
    ),
    (
        "tool_result",
        '{"forecast": [{"city": "[CITY]", "high": [COUNT], "low": [COUNT]}], "source": "Open-Meteo", '
        '"generated": "[TS]"}',
    ),
    (
        "final",
        "The deployment of version [VERSION] to the [CITY] region succeeded (trace [UUID], commit [SHA]).",
    ),
]


def main() -> None:
    records = build_corpus(160, SEED + 1, HELDOUT_TEMPLATES)
    out = write_jsonl("pii_heldout1.jsonl", records)
    print(f"wrote {len(records)} records to {out}")


if __name__ == "__main__":
    main()
