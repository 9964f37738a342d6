"""A labelled corpus of agent-trace texts carrying PII and secrets, generated reproducibly (Faker, fixed seed).

Each record is ``{"id", "kind", "text", "pii": [{"type", "value", "start", "end"}]}`` where ``kind`` is the trace
field the text imitates (``chat``, ``tool_args`` (JSON), ``tool_result`` (JSON or text), ``system``, ``final``) and
offsets point at the value as it appears in ``text`` (JSON-escaped inside JSON texts). Texts also carry look-alikes
that are NOT PII (git SHAs, UUIDs, order numbers, timestamps, versions, prices, ports, loopback addresses,
``max_tokens: 512``, city and company names) so that precision means something.

The committed ``pii_corpus.jsonl`` is the source of truth (Faker's output can change between its versions); this
file is its provenance, and ``python -m benchmarks.data.make_pii_corpus`` writes it again byte for byte.
``make_pii_heldout1.py`` fills its own held-out templates with the same machinery.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable

import phonenumbers
from faker import Faker

from benchmarks.data._heldout_writer import write_jsonl

SEED = 20261123
DEFAULT_SIZE = 360
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"]
PHONE_REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "BR", "CA", "JP", "MX", "CH", "IE"]


class _Values:
    """Generators of one PII value per entity type, all drawn from one seeded Faker and one seeded Random."""

    def __init__(self, seed: int):
        self.fake = Faker(LOCALES)
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    def _loc(self) -> Faker:
        return self.fake[self.rng.choice(LOCALES)]

    def _chars(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def PERSON(self) -> str:
        loc = self._loc()
        return f"{loc.first_name()} {loc.last_name()}"

    def EMAIL_ADDRESS(self) -> str:
        return self._loc().email() if self.rng.random() < 0.6 else self._loc().company_email()

    def PHONE_NUMBER(self) -> str:
        region = self.rng.choice(PHONE_REGIONS)
        while True:
            cc = phonenumbers.country_code_for_region(region)
            example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
            national = str(example.national_number)
            # Same length and leading digits as the region's example mobile number, random tail.
            candidate = national[:3] + "".join(self.rng.choice(string.digits) for _ in national[3:])
            number = phonenumbers.parse(f"+{cc}{candidate}")
            if phonenumbers.is_valid_number(number):
                break
        fmt = self.rng.choice(
            [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164]
            + ([phonenumbers.PhoneNumberFormat.NATIONAL] if region in ("US", "GB", "DE", "FR") else [])
        )
        return phonenumbers.format_number(number, fmt)

    def CREDIT_CARD(self) -> str:
        number = self.fake["en_US"].credit_card_number(
            card_type=self.rng.choice(["visa", "mastercard", "amex"])
        )
        if self.rng.random() < 0.4 and len(number) == 16:
            number = " ".join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def IBAN_CODE(self) -> str:
        iban = self.fake[self.rng.choice(["de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL"])].iban()
        if self.rng.random() < 0.4:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def IP_ADDRESS(self) -> str:
        kind = self.rng.random()
        if kind < 0.45:
            return self.fake["en_US"].ipv4_public()
        if kind < 0.7:
            return self.fake["en_US"].ipv4_private()
        return self.fake["en_US"].ipv6()

    def US_SSN(self) -> str:
        return self.fake["en_US"].ssn()

    def AWS_ACCESS_KEY(self) -> str:
        return "AKIA" + self._chars(16, string.ascii_uppercase + "234567")

    def AWS_SECRET_KEY(self) -> str:
        while True:
            key = self._chars(40, string.ascii_letters + string.digits + "/+")
            if (
                any(c.isdigit() for c in key)
                and any(c.isupper() for c in key)
                and any(c.islower() for c in key)
            ):
                return key

    def GITHUB_TOKEN(self) -> str:
        kind = self.rng.choice(["ghp_", "gho_", "github_pat_"])
        if kind == "github_pat_":
            return f"github_pat_11{self._chars(20, string.ascii_uppercase + string.digits)}_{self._chars(59)}"
        return kind + self._chars(36)

    def OPENAI_API_KEY(self) -> str:
        if self.rng.random() < 0.5:
            return "sk-proj-" + self._chars(48, string.ascii_letters + string.digits + "-_") + self._chars(20)
        return "sk-" + self._chars(48)

    def SLACK_TOKEN(self) -> str:
        kind = self.rng.choice(["xoxb", "xoxp"])
        return f"{kind}-{self._chars(12, string.digits)}-{self._chars(13, string.digits)}-{self._chars(24)}"

    def JWT(self) -> str:
        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = b64(
            json.dumps(
                {
                    "sub": str(self.rng.randrange(10**6, 10**7)),
                    "email": self.fake["en_US"].email(),
                    "iat": 1731000000,
                }
            ).encode()
        )
        return f"{header}.{payload}.{b64(self.rng.randbytes(32))}"

    def BEARER_TOKEN(self) -> str:
        return self._chars(self.rng.randrange(32, 64), string.ascii_letters + string.digits + "-_.")

    def PRIVATE_KEY(self) -> str:
        label = self.rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        body = "\n".join(
            self._chars(64, string.ascii_letters + string.digits + "+/")
            for _ in range(self.rng.randrange(3, 8))
        )
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"

    def CONNECTION_STRING(self) -> str:
        scheme, port = self.rng.choice(
            [("postgres", 5432), ("postgresql", 5432), ("mysql", 3306), ("mongodb+srv", None), ("redis", 6379),
             ("amqp", 5672), ("rediss", 6380), ("mssql", 1433)]
        )  # fmt: skip
        user = self.fake["en_US"].user_name()
        password = self.fake["en_US"].password(length=self.rng.randrange(10, 20), special_chars=False)
        host = self.rng.choice(
            [
                f"db-{self._chars(4, string.ascii_lowercase)}.internal",
                self.fake["en_US"].domain_name(),
                "10.0.3.17",
            ]
        )
        netloc = f"{host}:{port}" if port else host
        return f"{scheme}://{user}:{password}@{netloc}/{self.rng.choice(['prod', 'app', 'orders', '0'])}"


# Look-alikes that must survive: none of them is PII.
def _distractors(v: _Values) -> dict[str, Callable[[], str]]:
    rng, fake = v.rng, v.fake["en_US"]
    return {
        "SHA": lambda: "".join(rng.choice("0123456789abcdef") for _ in range(40)),
        "UUID": lambda: str(fake.uuid4()),
        "ORDER": lambda: f"ORD-{rng.randrange(10000, 99999)}",
        "ORDERNUM": lambda: str(rng.randrange(10**7, 10**8)),
        "TS": lambda: (
            f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:"
            f"{rng.randrange(60):02d}:00Z"
        ),
        "VERSION": lambda: f"{rng.randrange(1, 5)}.{rng.randrange(30)}.{rng.randrange(20)}",
        "PRICE": lambda: f"{rng.randrange(5, 3000)}.{rng.randrange(100):02d}",
        "CITY": lambda: rng.choice(
            ["Paris", "Berlin", "Tokyo", "Lisbon", "Denver", "Toronto", "Madrid", "Oslo"]
        ),
        "COMPANY": lambda: rng.choice(
            ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics"]
        ),
        "PRODUCT": lambda: rng.choice(
            ["Pro plan", "Starter plan", "Model X charger", "USB-C hub", "Team seat"]
        ),
        "COUNT": lambda: str(rng.randrange(1, 5000)),
        "PORT": lambda: str(rng.choice([8080, 5432, 443, 9090, 3000])),
        "TOOL": lambda: rng.choice(["search_orders", "get_customer", "send_email", "run_sql", "http_get"]),
    }


# Templates: {TYPE} is a PII slot, {TYPE2} a second value of the same type, [NAME] a distractor. JSON templates
# are JSON text; values are JSON-escaped into them.
TEMPLATES: list[tuple[str, str]] = [
    (
        "chat",
        "Hi, I'm {PERSON}. Please update the email on my account to {EMAIL_ADDRESS}; order [ORDER] is still "
        "pending since [TS].",
    ),
    ("chat", "Can you call {PERSON} on {PHONE_NUMBER} about the [PRODUCT] renewal? Quote was $[PRICE]."),
    (
        "chat",
        "My card {CREDIT_CARD} was charged twice for order [ORDERNUM]. Refund to IBAN {IBAN_CODE} please.",
    ),
    (
        "chat",
        "Our staging box at {IP_ADDRESS} keeps timing out on port [PORT]; the local proxy on 127.0.0.1 is fine.",
    ),
    (
        "chat",
        "Here is the key for the deploy: {AWS_ACCESS_KEY} / {AWS_SECRET_KEY}. Region us-east-1, build [VERSION].",
    ),
    ("chat", "I pasted my token by mistake: {GITHUB_TOKEN} - can you rotate it? Commit [SHA] broke CI."),
    ("chat", "Use this OpenAI key for the eval run: {OPENAI_API_KEY} (max_tokens: 512, temperature 0.2)."),
    (
        "chat",
        "Send the report to {PERSON} ({EMAIL_ADDRESS}) and cc {PERSON2} at {EMAIL_ADDRESS2}. We meet in [CITY].",
    ),
    ("chat", "The DB is {CONNECTION_STRING}, migrations are at [VERSION]. [COMPANY] owns the account."),
    ("chat", "My SSN is {US_SSN} and my phone is {PHONE_NUMBER}. I live near [CITY] and work at [COMPANY]."),
    (
        "tool_args",
        '{"to": "{EMAIL_ADDRESS}", "subject": "Order [ORDER] shipped", "body": "Dear {PERSON}, your '
        '[PRODUCT] ships today."}',
    ),
    (
        "tool_args",
        '{"query": "SELECT * FROM users WHERE phone = \'{PHONE_NUMBER}\'", "database": "{CONNECTION_STRING}",'
        ' "limit": [COUNT]}',
    ),
    (
        "tool_args",
        '{"url": "https://api.[CITY].example.com/v1/orders/[ORDERNUM]", "headers": {"Authorization": '
        '"Bearer {BEARER_TOKEN}", "X-Request-Id": "[UUID]"}}',
    ),
    (
        "tool_args",
        '{"customer": {"name": "{PERSON}", "email": "{EMAIL_ADDRESS}", "phone": "{PHONE_NUMBER}"}, '
        '"plan": "[PRODUCT]"}',
    ),
    ("tool_args", '{"channel": "#ops", "token": "{SLACK_TOKEN}", "text": "Deploy [VERSION] done at [TS]"}'),
    (
        "tool_args",
        '{"cmd": "curl -H \'Authorization: Bearer {JWT}\' https://internal.example.com/api/me", '
        '"timeout": 30}',
    ),
    (
        "tool_args",
        '{"iban": "{IBAN_CODE}", "amount": "[PRICE]", "reference": "[ORDER]", "beneficiary": "{PERSON}"}',
    ),
    ("tool_args", '{"host": "{IP_ADDRESS}", "port": [PORT], "user": "deploy", "ssh_key": "{PRIVATE_KEY}"}'),
    (
        "tool_result",
        '{"id": "[UUID]", "name": "{PERSON}", "email": "{EMAIL_ADDRESS}", "phone": "{PHONE_NUMBER}", '
        '"created_at": "[TS]", "orders": [COUNT]}',
    ),
    ("tool_result", 'HTTP 200 OK\nset-cookie: session=[UUID]\n{"access_token": "{JWT}", "expires_in": 3600}'),
    (
        "tool_result",
        "cat .env\nDATABASE_URL={CONNECTION_STRING}\nOPENAI_API_KEY={OPENAI_API_KEY}\n"
        "AWS_ACCESS_KEY_ID={AWS_ACCESS_KEY}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET_KEY}\nDEBUG=false\n"
        "WORKERS=[COUNT]",
    ),
    ("tool_result", "{PRIVATE_KEY}"),
    (
        "tool_result",
        '[{"ip": "{IP_ADDRESS}", "hits": [COUNT], "last_seen": "[TS]"}, {"ip": "{IP_ADDRESS2}", '
        '"hits": [COUNT], "last_seen": "[TS]"}]',
    ),
    (
        "tool_result",
        "Found 1 customer: {PERSON}, card on file {CREDIT_CARD}, billing phone {PHONE_NUMBER}. "
        "Account created [TS] via [TOOL].",
    ),
    ("tool_result", "git log -1\ncommit [SHA]\nAuthor: {PERSON} <{EMAIL_ADDRESS}>\n\n    Bump to [VERSION]"),
    (
        "tool_result",
        '{"slack_webhook_token": "{SLACK_TOKEN}", "github": {"token": "{GITHUB_TOKEN}"}, "retries": [COUNT]}',
    ),
    (
        "system",
        "You are the support agent for [COMPANY]. Escalate refunds above $[PRICE] to {PERSON} "
        "({EMAIL_ADDRESS}, {PHONE_NUMBER}). Never reveal internal tools such as [TOOL].",
    ),
    (
        "system",
        "You are a DevOps assistant. Credentials for the read replica: {CONNECTION_STRING}. "
        "The on-call engineer is {PERSON}.",
    ),
    (
        "final",
        "Done! I emailed {PERSON} at {EMAIL_ADDRESS} and refunded $[PRICE] to card ending in the number "
        "{CREDIT_CARD}. Reference [ORDER].",
    ),
    (
        "final",
        "I rotated the leaked key {GITHUB_TOKEN} and the Slack token {SLACK_TOKEN}. New build [VERSION] is live "
        "in [CITY].",
    ),
    (
        "final",
        "The server {IP_ADDRESS} was blocked after [COUNT] failed logins from {IP_ADDRESS2}. Ticket [ORDER].",
    ),
    (
        "final",
        "{PERSON} can be reached on {PHONE_NUMBER}; the transfer to {IBAN_CODE} is scheduled for [TS].",
    ),
    # Contexts none of the name cues cover.
    (
        "chat",
        "Please book a table for {PERSON} and {PERSON2} at 7pm in [CITY], confirmation to {EMAIL_ADDRESS}.",
    ),
    (
        "tool_result",
        "Ticket [ORDER] assigned to {PERSON}; reporter {PERSON2} says the export at [TS] failed.",
    ),
    (
        "final",
        "I've scheduled the call between {PERSON} and the [COMPANY] team for [TS]. Dial-in: {PHONE_NUMBER}.",
    ),
    (
        "chat",
        "Hey, it's {PERSON} again - my card {CREDIT_CARD} expired, the new billing email is {EMAIL_ADDRESS}.",
    ),
    ("chat", "Ring me on {PHONE_NUMBER} after 6pm, or text {PHONE_NUMBER2}."),
    # Secrets in shell and headers.
    ("tool_args", '{"command": "psql \\"{CONNECTION_STRING}\\" -c \\"select count(*) from orders\\""}'),
    ("chat", "export GITHUB_TOKEN={GITHUB_TOKEN} && gh pr list --limit [COUNT]"),
    ("tool_result", "Slack API error for token {SLACK_TOKEN}: not_in_channel (request [UUID])"),
    (
        "tool_args",
        '{"headers": {"x-api-key": "{OPENAI_API_KEY}"}, "model": "gpt-4o-mini", "max_tokens": [COUNT]}',
    ),
    (
        "chat",
        "aws configure set aws_secret_access_key {AWS_SECRET_KEY} && aws configure set aws_access_key_id "
        "{AWS_ACCESS_KEY}",
    ),
    (
        "tool_args",
        '{"method": "GET", "url": "https://api.example.com/me", "headers": {"Authorization": '
        '"Bearer {JWT}"}}',
    ),
    # No PII at all, with look-alikes and name cues that lead nowhere: every span found here is a false positive.
    ("chat", "Weather in [CITY] tomorrow? Also remind me to renew the [PRODUCT] before [TS]."),
    (
        "tool_result",
        '{"results": [{"title": "Getting started with the [COMPANY] API", "url": '
        '"https://docs.example.com/[TOOL]", "updated": "[TS]"}], "total": [COUNT]}',
    ),
    (
        "final",
        "Dear Customer, ticket [ORDER] is resolved. Hi Team - build [VERSION] passed [COUNT] checks on "
        "commit [SHA].",
    ),
    (
        "tool_result",
        'Traceback (most recent call last):\n  File "/app/main.py", line 42, in handler\n'
        "ConnectionRefusedError: [Errno 111] connect to 127.0.0.1:[PORT] failed, retry [COUNT] of 5",
    ),
    (
        "system",
        "You are a helpful assistant for [COMPANY]. Tools: [TOOL], search_docs. Today is [TS]. Use "
        "max_tokens: 1024 and never print api_key values. Prices are in USD, e.g. $[PRICE].",
    ),
]

_SLOT = re.compile(r"\{([A-Z_]+?)(2?)\}|\[([A-Z]+)\]")


def _fill(kind: str, template: str, values: _Values, distractors: dict[str, Callable[[], str]]) -> dict:
    is_json = kind in ("tool_args", "tool_result") and template.lstrip()[:1] in "{[" and '"' in template
    out: list[str] = []
    pii: list[dict] = []
    chosen: dict[tuple[str, str], str] = {}
    pos = last = 0
    for m in _SLOT.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        last = m.end()
        if m.group(3):
            text = distractors[m.group(3)]()
        else:
            key = (m.group(1), m.group(2))
            if key not in chosen:
                chosen[key] = getattr(values, m.group(1))()
            raw = chosen[key]
            text = json.dumps(raw, ensure_ascii=False)[1:-1] if is_json else raw
            pii.append({"type": m.group(1), "value": text, "start": pos, "end": pos + len(text)})
        out.append(text)
        pos += len(text)
    out.append(template[last:])
    text = "".join(out)
    if is_json:
        json.loads(text)  # a template that does not give valid JSON is a bug here, not a test of the redactor
    return {"kind": kind, "text": text, "pii": pii}


def build_corpus(
    size: int = DEFAULT_SIZE, seed: int = SEED, templates: list[tuple[str, str]] | None = None
) -> list[dict]:
    """``size`` records, the same ones for the same ``seed``, templates and Faker version."""
    templates = TEMPLATES if templates is None else templates
    values = _Values(seed)
    distractors = _distractors(values)
    records = []
    for i in range(size):
        kind, template = templates[i % len(templates)]
        record = _fill(kind, template, values, distractors)
        records.append({"id": f"pii-{i:04d}", **record})
    return records


def main() -> None:
    records = build_corpus()
    out = write_jsonl("pii_corpus.jsonl", records)
    print(f"wrote {len(records)} records to {out}")


if __name__ == "__main__":
    main()
