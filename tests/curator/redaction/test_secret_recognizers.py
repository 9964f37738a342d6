"""Secrets recognizer (curator/redaction/recognizers/secrets.py): each kind of secret found, its near misses left alone."""

from __future__ import annotations

import pytest
from tracewheel.curator.redaction.recognizers.secrets import SecretsRecognizer

SECRETS = SecretsRecognizer()
ALL_SECRETS = list(SECRETS.supported_entities)


def found(text: str) -> list[tuple[str, str]]:
    """(entity type, matched text) for every secret in ``text``."""
    return sorted((r.entity_type, text[r.start : r.end]) for r in SECRETS.analyze(text, ALL_SECRETS))


PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500PRK+Lh9x5eJPo5CAZ3/ANBE0sTK0\n"


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("key AKIAIOSFODNN7EXAMPLE here", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("temp creds ASIAY34FZKBOKMUTVV7A", "AWS_ACCESS_KEY", "ASIAY34FZKBOKMUTVV7A"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("export GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", "GITHUB_TOKEN", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("oauth gho_16C7e42F292c6912E7710c838347Ae178B4a", "GITHUB_TOKEN", "gho_16C7e42F292c6912E7710c838347Ae178B4a"),
        (
            "pat github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuvw",
            "GITHUB_TOKEN",
            "github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuvw",
        ),
        ("OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD", "OPENAI_API_KEY", "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
        ("use sk-proj-Ab3_dEf-9hIjKlMnOpQrStUvWxYz012345 now", "OPENAI_API_KEY", "sk-proj-Ab3_dEf-9hIjKlMnOpQrStUvWxYz012345"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "SLACK_TOKEN", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        ("user token xoxp-123456789012-abcdefghij", "SLACK_TOKEN", "xoxp-123456789012-abcdefghij"),
        (
            "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U;",
            "JWT",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ),
        ("Authorization: Bearer 4kxegm7LKhgiXWnhiId2BJKKO8Nq", "BEARER_TOKEN", "4kxegm7LKhgiXWnhiId2BJKKO8Nq"),
        ("postgres://admin:s3cr3t@db.internal:5432/prod", "CONNECTION_STRING", "postgres://admin:s3cr3t@db.internal:5432/prod"),
        ("mongodb+srv://app:pA55w0rd@cluster0.ab1cd.mongodb.net/orders?retryWrites=true", "CONNECTION_STRING",
         "mongodb+srv://app:pA55w0rd@cluster0.ab1cd.mongodb.net/orders?retryWrites=true"),
        ("REDIS_URL=redis://:hunter22@cache:6379/0", "CONNECTION_STRING", "redis://:hunter22@cache:6379/0"),
        ("mysql://root:toor@10.0.0.4/shop", "CONNECTION_STRING", "mysql://root:toor@10.0.0.4/shop"),
        ("amqp://guest:guest@rabbit:5672/", "CONNECTION_STRING", "amqp://guest:guest@rabbit:5672/"),
        ("Server=sql1;Database=crm;User Id=sa;Password=Xy9!zz;", "CONNECTION_STRING",
         "Server=sql1;Database=crm;User Id=sa;Password=Xy9!zz;"),
        ('{"password": "Tr0ub4dor&3"}', "SECRET", "Tr0ub4dor&3"),
        ("client_secret=8f1c2e9a77b4", "SECRET", "8f1c2e9a77b4"),
        ('{"password": "$ecretP4ss"}', "SECRET", "$ecretP4ss"),  # a "$" that starts no variable
        ("access_token: ya29.a0AfH6SMBx3kQ", "SECRET", "ya29.a0AfH6SMBx3kQ"),  # dotted, yet random
        ('{"token": "tok_9a8b7c6d5e4f3g2h"}', "SECRET", "tok_9a8b7c6d5e4f3g2h"),
    ],
)  # fmt: skip
def test_secret_kinds_are_found(text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "XAKIAIOSFODNN7EXAMPLE and AKIA1234",  # inside a longer word; too short
        "commit 3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",  # SHA-1 is 40 chars but lowercase hex
        "ghp_short and ghx_16C7e42F292c6912E7710c838347Ae178B4a",
        "task-abcdefghijklmnopqrstuvwxyz and sk-short",
        "the xox- prefix and xoxb-123",
        "header eyJhbGciOiJIUzI1NiJ9 alone",
        "Bearer token required for authentication/authorization",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
        "postgres://db.internal:5432/app and https://example.com/a:b and user@example.com",
        "password: required, max_tokens: 512, password_reset: true, token: ********",
    ],
)
def test_near_misses_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----",
    ],
)
def test_private_key_blocks_are_taken_whole(text: str) -> None:
    assert found(text) == [("PRIVATE_KEY", text)]


def test_truncated_private_key_body_is_still_covered() -> None:
    text = '{"out": "-----BEGIN EC PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\\nZ1BjP5CE'
    keys = [value for entity, value in found(text) if entity == "PRIVATE_KEY"]
    assert keys == [text[len('{"out": "') :]]


def test_aws_secret_key_needs_context_for_a_high_score() -> None:
    value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    bare = SECRETS.analyze(f"blob {value}", ["AWS_SECRET_KEY"])
    named = SECRETS.analyze(f"AWS_SECRET_ACCESS_KEY={value}", ["AWS_SECRET_KEY"])
    assert bare[0].score < named[0].score


# Vendor tokens are assembled from parts so that secret scanners do not take this file for a leak.
STRIPE_SECRET = "sk_" + "live_" + "MUOk7S4IhGXxXeLmFdfMMbxY"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"AuthenticationError: Invalid API Key provided: {STRIPE_SECRET}", STRIPE_SECRET),
        ("stripe " + "sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc.", "sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc"),
        ("restricted " + "rk_" + "live_51H8yQ2eZvKYlo2C0aB3dE4fG", "rk_" + "live_51H8yQ2eZvKYlo2C0aB3dE4fG"),
        ("publishable " + "pk_" + "live_51H8yQ2eZvKYlo2CxyZ12ab", "pk_" + "live_51H8yQ2eZvKYlo2CxyZ12ab"),
        ("STRIPE_WEBHOOK=" + "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLSGJ", "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLSGJ"),
        ("maps " + "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
        ("twilio " + "SK" + "2b4f1c9e8d7a6b5c4d3e2f1a0b9c8d7e", "SK" + "2b4f1c9e8d7a6b5c4d3e2f1a0b9c8d7e"),
        ("SG." + "ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
         "SG." + "ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"),
        ("//registry.npmjs.org/:_authToken=" + "npm_" + "1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ",
         "npm_" + "1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ"),
        ("twine " + "pypi-" + "AgEIcHlwaS5vcmcCJGE4YjQ1ZmE2LTU5ZjktNDhhZC04OWI3LTc1OTk3ZmFh",
         "pypi-" + "AgEIcHlwaS5vcmcCJGE4YjQ1ZmE2LTU5ZjktNDhhZC04OWI3LTc1OTk3ZmFh"),
        ("login " + "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
        ("clone https://gitlab.com with " + "glpat-" + "xY9zK2mN4pQ7rS1tU3vW", "glpat-" + "xY9zK2mN4pQ7rS1tU3vW"),
    ],
)  # fmt: skip
def test_vendor_api_keys_are_found(text: str, value: str) -> None:
    assert ("API_KEY", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "sk_" + "live_xxxxxxxxxxxxxxxxxxxxxxxx and " + "sk_" + "test_YOUR_KEY_HERE and " + "whsec_...",
        "webhook_secret: " + "whsec_(redacted)",
        "bot_token=xoxb-... signing_secret=not-set default_channel=#support",
        '{"api_key": "not-set", "password": "<redacted>", "token": "***", "secret": "${SECRET}"}',
        "password: (hidden)  api_key=YOUR_API_KEY  client_secret: REDACTED  password=********",
        '{"api_key": "$OPENAI_KEY", "token": "$(cat token.txt)", "pwd": "%DB_PWD%", "secret": "{{ vault }}"}',
        "SK_LIVE is a Stripe prefix; AIza alone, hf_short, npm_install, pypi-simple",
    ],
)
def test_placeholders_are_not_secrets(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "api_key = self.api_key\nadmin_api_key = os.environ.get('KEY')\ntoken = get_token()",
        "tokenizer(pad_token=eos_token, mask_token=mask_token, use_mask_token=False)",
        "if not token:\n    continue",
        "def login(password: Optional[str] = None, token: Tensor) -> Credentials:",
        "token = Punctuation; styles = {Token: '#d0d0d0'}; HEADER = \"X-Xet-Access-Token\"",
    ],
)
def test_code_that_handles_credentials_is_not_a_secret(text: str) -> None:
    assert [e for e, _ in found(text) if e == "SECRET"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Server=tcp:sql-hr.database.windows.net,1433;Initial Catalog=hr;User ID=hr_app;Password=Kd93!mzQ#x;Encrypt=True;",
        "Driver={ODBC Driver 18 for SQL Server};Server=db.example.net;Uid=crm_app;Pwd={p@ss;w0rd};Encrypt=yes;",
        "Host=pg.internal;Port=5432;Username=app;Password=Zx81!qq;Database=orders",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net",
        "snowflake://LOADER:Pz7#nK4qWs@xy12345.eu-central-1/RAW/PUBLIC?warehouse=LOAD_WH",
        "clickhouse://ingest:Hq2!mZ8wRt@ch-events.int:9000/events",
        "jdbc:postgresql://db.internal:5432/hr?user=hr_app&password=Qw3rty!9&ssl=true",
        "jdbc:sqlserver://sql1.corp:1433;databaseName=crm;user=sa;password=S3cure#Pass;",
        "jdbc:oracle:thin:scott/tiger9@//ora.internal:1521/ORCLPDB1",
        "redis://:p4ssW0rd@cache.internal:6379/0",
    ],
)  # fmt: skip
def test_connection_strings_are_taken_whole(text: str) -> None:
    """Every part goes: host, database and user name say which system the password opens."""
    assert ("CONNECTION_STRING", text) in found(f'{{"conn": "{text}"}}')


@pytest.mark.parametrize(
    "text",
    [
        "jdbc:mysql://db.internal:3306/shop?useSSL=false and https://github.com/acme/app",
        "s3://bucket/key, ftp://ftp.example.org/pub, postgres://{username}:{password}@{host}/db",
        "github://org:repo@sha/catalog.yml and git://[path-to-repo[:]][ref@]path/to/file",
        "e.g. postgres://user:pass@localhost:5432/db or https://user:password@host/path",
        "Server=sql1;Database=crm;Trusted_Connection=True;Encrypt=yes;",
    ],
)
def test_connection_strings_without_a_password_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "U.S. SOCIAL SECURITY NUMBER: 271903845",
        '{"ssn": "271903845"}',
        "My SSN (no dashes): 271903845",
        "For your records the TIN submitted was 271903845.",
    ],
)
def test_bare_ssn_with_an_ssn_cue(text: str) -> None:
    assert found(text) == [("US_SSN", "271903845")]


@pytest.mark.parametrize(
    "text",
    [
        "employee id 271903845, order 271903845",  # nine digits alone are an id, not an SSN
        "ssn: 000123456 or 666123456 or 123456789",  # never issued / the published sample
        "SSN last four: 3845 (ref 2719038451)",
    ],
)
def test_bare_nine_digits_need_a_cue_and_a_valid_number(text: str) -> None:
    assert found(text) == []
