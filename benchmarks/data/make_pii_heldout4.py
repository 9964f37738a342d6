"""Writes the hand-written PII/secret held-out set 4 (``pii_heldout4.jsonl``).

The texts below are written one by one; entities are marked inline as ``⟦TYPE|value⟧`` and the
script strips the marks and records exact offsets.  Values that need check digits (card numbers,
IBANs) or look like secrets are built by the helpers so that they are valid, not by hand.
``⟦TYPE|@name⟧`` pulls a computed value from ``V``.

The committed ``pii_heldout4.jsonl`` is the source of truth; this file is its provenance, and
``python -m benchmarks.data.make_pii_heldout4`` writes it again byte for byte.
"""

from __future__ import annotations

import base64
import json
import random
import re

from benchmarks.data._heldout_writer import write_jsonl
from benchmarks.data._pii_checks import iban_ok, luhn_ok, ssn_ok
from benchmarks.data._pii_marks import BRACKET_MARK, KINDS, strip_marks


def card(body: str, groups: str, sep: str = " ") -> str:
    """Completes ``body`` with its Luhn check digit and prints it in ``groups`` (e.g. "4444")."""
    for check in "0123456789":
        if luhn_ok(body + check):
            digits = body + check
            break
    assert len(digits) == sum(int(g) for g in groups), (body, groups)
    parts, pos = [], 0
    for g in groups:
        parts.append(digits[pos : pos + int(g)])
        pos += int(g)
    return sep.join(parts)


IBAN_LEN = {
    "DE": 22,
    "GB": 22,
    "FR": 27,
    "NL": 18,
    "ES": 24,
    "IT": 27,
    "BE": 16,
    "CH": 21,
    "PL": 28,
    "SE": 24,
    "AT": 20,
    "IE": 22,
    "PT": 25,
    "NO": 15,
    "DK": 18,
    "FI": 18,
}


def iban(country: str, bban: str, grouped: bool = False) -> str:
    num = "".join(str(int(c, 36)) for c in bban + country + "00")
    value = f"{country}{98 - int(num) % 97:02d}{bban}"
    assert len(value) == IBAN_LEN[country], (value, len(value))
    assert iban_ok(value)
    if grouped:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


_rng = random.Random(20261123)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B64 = _ALNUM + "+/"
_B64URL = _ALNUM + "-_"


def rnd(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def b64url(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def jwt(payload: dict, alg: str = "HS256") -> str:
    return f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(payload)}.{rnd(43, _B64URL)}"


def pem(kind: str, lines: int) -> str:
    body = "\n".join(rnd(64, _B64) for _ in range(lines))
    return f"-----BEGIN {kind}-----\n{body}\n{rnd(24, _B64)}==\n-----END {kind}-----"


V: dict[str, str] = {
    # cards: Visa, Mastercard (51-55 and 2-series), Amex, Discover, JCB, Diners
    "cc1": card("453201511283036", "4444"),
    "cc2": card("539078123409821", "4444", "-"),
    "cc3": card("37914460218875", "465"),
    "cc4": card("601112904478312", "4444"),
    "cc5": card("411487203356911", "4444", ""),
    "cc6": card("222310045598713", "4444"),
    "cc7": card("516832009147722", "4444", ""),
    "cc8": card("34128806671942", "465", "-"),
    "cc9": card("354021187734009", "4444"),
    "cc10": card("492960773018455", "4444", "-"),
    "cc11": card("551900348720163", "4444"),
    "cc12": card("3056930902590", "464"),
    "cc13": card("401288004217736", "4444", ""),
    "cc14": card("263100812254907", "4444", "-"),
    "cc15": card("471603339981204", "4444"),
    "cc16": card("37624013390518", "465"),
    "cc17": card("601100870334125", "4444", ""),
    "cc18": card("448590011267734", "4444"),
    # IBANs
    "ib1": iban("DE", "370400440532013099", grouped=True),
    "ib2": iban("GB", "NWBK60161331926819"),
    "ib3": iban("FR", "30006000011234567890189", grouped=True),
    "ib4": iban("NL", "RABO0300065264"),
    "ib5": iban("ES", "21000418450200051332", grouped=True),
    "ib6": iban("IT", "X0542811101000000123456"),
    "ib7": iban("BE", "539007547034"),
    "ib8": iban("CH", "00762011623852957", grouped=True),
    "ib9": iban("PL", "109010140000071219812874"),
    "ib10": iban("SE", "50000000058398257466", grouped=True),
    "ib11": iban("AT", "1904300234573201"),
    "ib12": iban("IE", "AIBK93115212345678"),
    "ib13": iban("PT", "000201231234567890154"),
    "ib14": iban("NO", "86011117947"),
    "ib15": iban("DK", "00400440116243"),
    "ib16": iban("FI", "12345600000785", grouped=True),
    "ib17": iban("DE", "100110012624938415"),
    "ib18": iban("GB", "BARC20038471502277", grouped=True),
    "ib19": iban("PL", "114020040000350278956321", grouped=True),
    # secrets
    "aws1": "AKIA" + rnd(16, _UPNUM),
    "aws2": "AKIA" + rnd(16, _UPNUM),
    "awssec1": rnd(40, _B64),
    "ghp1": "ghp_" + rnd(36),
    "ghp2": "ghp_" + rnd(36),
    "ghpat1": "github_pat_11" + rnd(20, _UPNUM + "0123456789") + "_" + rnd(59),
    "sk1": "sk-" + rnd(48),
    "sk2": "sk-proj-" + rnd(64, _ALNUM + "-_") + "T3BlbkFJ" + rnd(24, _ALNUM + "-_"),
    "sk3": "sk-ant-api03-" + rnd(86, _ALNUM + "-_") + "-" + rnd(6) + "AA",
    "sk4": "sk-" + rnd(48),
    "xoxb1": f"xoxb-{_rng.randint(10**11, 10**12 - 1)}-{_rng.randint(10**12, 10**13 - 1)}-{rnd(24)}",
    "xoxp1": f"xoxp-{_rng.randint(10**11, 10**12 - 1)}-{_rng.randint(10**11, 10**12 - 1)}-{_rng.randint(10**12, 10**13 - 1)}-{rnd(32, '0123456789abcdef')}",
    "xapp1": f"xoxe.xoxp-1-{rnd(60)}",
    "jwt1": jwt(
        {"sub": "usr_8812", "iss": "https://auth.lumenpay.io", "exp": 1795478400, "scope": "payments:write"}
    ),
    "jwt2": jwt({"sub": "4f1c2a", "role": "service", "tenant": "northwind", "iat": 1763900000}, "RS256"),
    "jwt3": jwt({"aud": "api.harborfreight-logistics.com", "sub": "svc-ingest", "exp": 1764000000}),
    "bearer1": rnd(40, _ALNUM),
    "bearer2": "ya29." + rnd(120, _ALNUM + "-_"),
    "pem1": pem("RSA PRIVATE KEY", 6),
    "pem2": pem("OPENSSH PRIVATE KEY", 4),
    "pem3": pem("EC PRIVATE KEY", 2),
    "stripe1": "sk_live_" + rnd(24),
    "gcp1": "AIza" + rnd(35, _ALNUM + "-_"),
    "sk5": "sk-" + rnd(48),
}
# inside JSON arguments a PEM block travels with escaped newlines
V["pem1j"] = V["pem1"].replace("\n", "\\n")
V["pem2j"] = V["pem2"].replace("\n", "\\n")

# fmt: off
TEXTS: list[tuple[str, str]] = [
    # ---------------------------------------------------------------- chat
    ("chat", "hey can you draft a reply to ⟦P|oluwaseun adebayo⟧? he wants to move our sync to thursday"),
    ("chat", "Please book a table for 4 at Osteria Francescana under the name ⟦P|Giulia Bernasconi-Ferraro⟧, 8pm Saturday."),
    ("chat", "my card ⟦CC|@cc1⟧ got charged twice for the Pro plan, order #A-77120. can you refund one?"),
    ("chat", "What's the difference between asyncio.gather and asyncio.wait in Python 3.12?"),
    ("chat", "ask ⟦P|Priya⟧ if the Q3 deck is final, then send it to the board list"),
    ("chat", "I'm ⟦P|Mei-Ling Tsai⟧, my number changed to ⟦PH|+886 912 345 678⟧, please update my profile"),
    ("chat", "can u remind ⟦P|tomasz⟧ and ⟦P|ewa kowalczyk⟧ about the retro at 3"),
    ("chat", "Here's the prod DB url so you can debug: ⟦CS|postgres://svc_billing:Vq9!rT2mLx@db-prod-3.internal.lumen.io:5432/billing⟧ — don't paste it anywhere else pls"),
    ("chat", "My SSN is ⟦SSN|521-44-8093⟧ and I need to fill out the W-9 for the contractor portal. Which box does it go in?"),
    ("chat", "translate to spanish: 'Dear Mr. ⟦P|Okafor⟧, your shipment ORD-5589201 has left our Rotterdam warehouse.'"),
    ("chat", "pls wire 2,400 EUR to ⟦IBAN|@ib1⟧ (account holder ⟦P|Jörg Schäfer⟧) reference INV-2025-0412"),
    ("chat", "why does my docker container on ⟦IP|172.31.44.19⟧ keep restarting? logs say OOMKilled"),
    ("chat", "I accidentally committed ⟦KEY|@aws1⟧ to our public repo 10 minutes ago. What do I do first?"),
    ("chat", "who is on call this week? i think it's ⟦P|siddharth⟧ but the pagerduty schedule says ⟦P|Nnamdi Eze⟧"),
    ("chat", "Write a short bio for our website: Dr. ⟦P|Fatima Al-Zahrani⟧ leads our clinical NLP team and previously worked at Mayo Clinic."),
    ("chat", "Can you check whether ⟦E|h.nakamura@tsubame-logistics.jp⟧ is on the invite list for the Osaka workshop?"),
    ("chat", "reset my password, username is jdoe_ops, phone on file ⟦PH|(415) 555-0172⟧"),
    ("chat", "plz add ⟦P|joão pedro almeida⟧ to the #payments-eng channel, his email is ⟦E|joao.almeida@fintrave.com.br⟧"),
    ("chat", "my colleague ⟦P|Kwame Asante-Mensah⟧ says the staging box is ⟦IP|10.40.2.117⟧ but I can't ssh in. is port 22 blocked?"),
    ("chat", "use this token for the github api: ⟦KEY|@ghp1⟧"),
    ("chat", "Remind me to call Grandma ⟦P|Rosa⟧ on her birthday, it's the 14th."),
    ("chat", "Is version 2.14.1 of the SDK compatible with Node 20.11.0? Build 4471 failed on CI."),
    ("chat", "hi its ⟦P|aigerim nurlanovna⟧, my flight to Almaty got cancelled, can you find alternatives for tomorrow"),
    ("chat", "Please cancel the subscription tied to card ending 9119 — the full number is ⟦CC|@cc5⟧, exp 09/28."),
    ("chat", "Tell ⟦P|Björn⟧ the staging deploy is green and he can start QA."),
    ("chat", "Draft an email to Ms. ⟦P|Ngozi Chukwu⟧ (⟦E|ngozi.chukwu@lagosmedical.ng⟧) confirming her appointment on Dec 3rd."),
    ("chat", "explain what a JWT is, eg this one from our app ⟦KEY|@jwt1⟧"),
    ("chat", "my wife ⟦P|ananya⟧ and I want to open a joint account, what documents does Chase require?"),
    ("chat", "The customer ⟦P|Hamid Reza Tehrani⟧ called from ⟦PH|+98 912 555 0143⟧ about the damaged sofa. Log a ticket."),
    ("chat", "How do I rotate the redis password without downtime? current url is ⟦CS|redis://:p4ssW0rd_r3dis@cache-eu-1.orbitly.net:6379/0⟧"),
    ("chat", "send the signed NDA to ⟦P|lucía fernández⟧ and cc ⟦P|martín⟧ from legal"),
    ("chat", "I need a cover letter. My name is ⟦P|Thandiwe Dlamini⟧, I live in Johannesburg, phone ⟦PH|+27 82 441 9035⟧."),
    ("chat", "Our Slack webhook stopped working. Bot token is ⟦KEY|@xoxb1⟧ — is it revoked?"),
    ("chat", "can you look up order 118-4420917-3312456 on Amazon? it says delivered but I never got it"),
    ("chat", "schedule 1:1s with ⟦P|Dmitri Volkov⟧, ⟦P|Svetlana Morozova⟧ and ⟦P|Arjun Mehta⟧ for next week, 30 min each"),
    ("chat", "fix this: my paypal says the IBAN ⟦IBAN|@ib4⟧ is invalid but my bank says it's right"),
    ("chat", "Is 192.168 notation the same as CIDR? e.g. what does /24 mean"),
    ("chat", "hey, ⟦P|nguyen van minh⟧ here. forgot my employee ID, my SSN last 4 are 7781 if that helps"),
    ("chat", "Write a thank-you note to Professor ⟦P|Adaeze Obi⟧ for reviewing my thesis draft."),
    ("chat", "ok so the api key is ⟦KEY|@sk1⟧ and the model should be gpt-4o-mini, can you write the curl"),
    ("chat", "Find me flights from Nairobi to Kigali on Dec 12, returning Dec 15, for ⟦P|Wanjiru Kamau⟧ and ⟦P|Otieno Ochieng⟧."),
    ("chat", "Ping ⟦P|Ibrahim⟧ — the vendor invoice from Siemens still has the old IBAN on it."),
    ("chat", "please update the shipping address for customer ⟦P|ELENA PETROVA⟧ to 14 Ulitsa Lenina, Kazan"),
    ("chat", "I got an email from ⟦E|security-alerts@paypa1-support.com⟧ asking for my card number. scam?"),
    ("chat", "my laptop's ipv6 is ⟦IP|2001:db8:85a3::8a2e:370:7334⟧ and the vpn keeps dropping it, any idea?"),
    ("chat", "Could you proofread this paragraph? 'The Andersen report concluded that the Hudson River crossing was feasible.'"),
    ("chat", "tell ⟦P|keiko⟧ her expense report for the Kyoto trip was approved"),
    ("chat", "Add ⟦P|Sebastián Ortiz Quispe⟧ as a beneficiary on my policy. DOB 1988-04-02, SSN ⟦SSN|602-18-4471⟧."),
    ("chat", "call mum later"),
    ("chat", "The vendor ⟦P|Chidi Okonkwo⟧ wants payment by card, I'll use ⟦CC|@cc6⟧ exp 11/27 cvv 341"),
    ("chat", "Can you convert this mysql DSN to SQLAlchemy format? ⟦CS|mysql://reporting:Gx7#kPq2@analytics-db.corp.naveo.com:3306/warehouse⟧"),
    ("chat", "who won the 2018 world cup"),
    # ---------------------------------------------------------------- tool_args
    ("tool_args", '{"to": ["⟦E|r.mbeki@kalahari-solar.co.za⟧"], "subject": "Site survey follow-up", "body": "Hi ⟦P|Refilwe⟧,\\n\\nAttached are the panel specs we discussed.\\n\\nBest,\\n⟦P|Lars Eriksson⟧"}'),
    ("tool_args", '{"query": "SELECT id, status FROM orders WHERE created_at > now() - interval \'7 days\' LIMIT 50"}'),
    ("tool_args", '{"customer_name": "⟦P|Aisha Bello⟧", "phone": "⟦PH|+234 803 555 2917⟧", "address": "12 Admiralty Way, Lekki, Lagos", "items": [{"sku": "TV-55-QLED", "qty": 1}]}'),
    ("tool_args", '{"url": "https://api.github.com/repos/orbitly/core/pulls?state=open", "headers": {"Authorization": "Bearer ⟦KEY|@ghp2⟧", "Accept": "application/vnd.github+json"}}'),
    ("tool_args", '{"action": "create_contact", "first_name": "Hiroshi", "last_name": "Tanabe", "full_name": "⟦P|Hiroshi Tanabe⟧", "email": "⟦E|tanabe.h@kitaoka-seiki.co.jp⟧"}'),
    ("tool_args", '{"dsn": "⟦CS|postgresql://etl_runner:8nF$wq2Zp!@warehouse.c9x2kq.eu-west-1.rds.amazonaws.com:5432/analytics⟧", "sql": "VACUUM ANALYZE events;"}'),
    ("tool_args", '{"path": "/srv/app/config/settings.yaml", "mode": "read"}'),
    ("tool_args", '{"payee": "⟦P|Marta Nowakowska⟧", "iban": "⟦IBAN|@ib9⟧", "amount": 1850.00, "currency": "PLN", "reference": "FV/2025/11/0193"}'),
    ("tool_args", '{"host": "⟦IP|203.0.113.48⟧", "port": 443, "check": "tls_expiry"}'),
    ("tool_args", '{"calendar_id": "primary", "summary": "Interview: ⟦P|Carlos Eduardo Nascimento⟧", "attendees": ["⟦E|carlos.nasc@gmail.com⟧", "⟦E|hiring@brightloop.io⟧"], "start": "2025-12-04T15:00:00-03:00"}'),
    ("tool_args", '{"env": {"AWS_ACCESS_KEY_ID": "⟦KEY|@aws2⟧", "AWS_SECRET_ACCESS_KEY": "⟦KEY|@awssec1⟧", "AWS_REGION": "us-east-2"}, "cmd": "aws s3 ls s3://orbitly-exports"}'),
    ("tool_args", '{"search": "⟦P|svetlana ivanova⟧ linkedin", "num_results": 5}'),
    ("tool_args", '{"card_number": "⟦CC|@cc7⟧", "exp_month": 3, "exp_year": 2028, "cardholder": "⟦P|PRIYA RAMANATHAN⟧", "amount_cents": 12900}'),
    ("tool_args", '{"ticket_id": "SUP-20931", "comment": "Spoke with Mr. ⟦P|Abdullah⟧ again, he confirmed the router serial RTX-88120-B. Escalating to L2."}'),
    ("tool_args", '{"channel": "#incidents", "text": "Paging ⟦P|Ifeoma⟧ and ⟦P|Rahul⟧: checkout latency p99 > 4s since 09:12 UTC", "token": "⟦KEY|@xoxp1⟧"}'),
    ("tool_args", '{"ssn": "⟦SSN|287-65-4321⟧", "dob": "1979-11-02", "name": "⟦P|Latoya Jenkins⟧", "purpose": "background_check"}'),
    ("tool_args", '{"firewall_rule": {"action": "allow", "source": "⟦IP|198.51.100.23⟧/32", "dest_port": 5432, "comment": "temp access for contractor"}}'),
    ("tool_args", '{"recipient": "⟦PH|+44 7700 900123⟧", "message": "Your Orbitly verification code is 482913. It expires in 10 minutes."}'),
    ("tool_args", '{"uuid": "3f6c9a2e-8b1d-4e57-a0c4-91d2b7f3e610", "commit": "9e4b1c7d2a58f0e3b6c1d9a7e2f4058b3c6d1a9e", "release": "v4.12.0-rc.2"}'),
    ("tool_args", '{"to": "⟦E|moussa.diallo@sahelagri.sn⟧", "cc": "⟦E|aminata.toure@sahelagri.sn⟧", "subject": "Contrat de fourniture", "body": "Bonjour ⟦P|Moussa⟧, veuillez trouver ci-joint le contrat signé. Cordialement, ⟦P|Élodie Marchand⟧"}'),
    ("tool_args", '{"mongo_uri": "⟦CS|mongodb+srv://app_user:Zt8vLq3rKp9w@cluster0.x7hqk.mongodb.net/prod?retryWrites=true&w=majority⟧", "collection": "sessions"}'),
    ("tool_args", '{"query": "weather in São Paulo tomorrow", "units": "metric"}'),
    ("tool_args", '{"employee": {"name": "⟦P|Nikolai Petrenko⟧", "ssn": "⟦SSN|433-09-1276⟧", "iban": "⟦IBAN|@ib11⟧", "start_date": "2026-01-05"}}'),
    ("tool_args", '{"method": "POST", "url": "https://api.openai.com/v1/chat/completions", "headers": {"Authorization": "Bearer ⟦KEY|@sk2⟧"}, "json": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}}'),
    ("tool_args", '{"name": "⟦P|O\'BRIEN, SIOBHAN⟧", "member_id": "MBR-0049921", "plan": "Gold PPO"}'),
    ("tool_args", '{"to": "⟦PH|+1 (646) 555-0198⟧", "voice": true, "script": "Hi ⟦P|Deshawn⟧, this is a reminder about your dental cleaning tomorrow at 10am."}'),
    ("tool_args", '{"key_id": "prod-signing-2025", "private_key": "⟦KEY|@pem1j⟧"}'),
    ("tool_args", '{"lookup": "ip", "value": "⟦IP|2a02:c7f:4e10:8b00:1d4c:22ff:fe3a:9c01⟧"}'),
    ("tool_args", '{"sql": "UPDATE users SET email = \'⟦E|kateryna.bondarenko@ukr.net⟧\' WHERE id = 88213;"}'),
    ("tool_args", '{"refund": {"order_id": "ORD-2025-118734", "card_last4": "0366", "amount": 49.99, "reason": "duplicate charge"}}'),
    ("tool_args", '{"assignee": "⟦P|wei zhang⟧", "title": "Migrate cron jobs to Temporal", "labels": ["infra", "q1"]}'),
    ("tool_args", '{"connection": "⟦CS|Server=tcp:sql-hr-prod.database.windows.net,1433;Initial Catalog=hr;User ID=hr_app;Password=Kd93!mzQ#x;Encrypt=True;⟧", "query": "SELECT COUNT(*) FROM employees"}'),
    ("tool_args", '{"beneficiary_name": "⟦P|Anders Kristoffersen⟧", "beneficiary_iban": "⟦IBAN|@ib14⟧", "amount": 12000, "currency": "NOK"}'),
    ("tool_args", '{"from": "⟦E|noura.alqahtani@riyadhventures.sa⟧", "to": "⟦E|ops@fleetwise.ae⟧", "subject": "Driver roster", "body": "Please add ⟦P|Yousef Al-Harbi⟧ (⟦PH|+966 55 123 4567⟧) to the Jeddah night shift."}'),
    ("tool_args", '{"broker": "⟦CS|amqp://orders_svc:R7u!kP2e@rabbit-01.int.freshcart.io:5672/orders⟧", "queue": "order.created", "prefetch": 20}'),
    ("tool_args", '{"token": "⟦KEY|@jwt2⟧", "verify": true}'),
    ("tool_args", '{"patient": "⟦P|GUADALUPE HERNÁNDEZ RUIZ⟧", "mrn": "0048812237", "appointment": "2025-12-09T09:30"}'),
    ("tool_args", '{"repo": "orbitly/infra", "secret_name": "GH_TOKEN", "value": "⟦KEY|@ghpat1⟧"}'),
    ("tool_args", '{"charge": {"card": "⟦CC|@cc8⟧", "cvc": "8812", "holder": "⟦P|Ravi Shankar Iyer⟧", "amount": 320.00}}'),
    ("tool_args", '{"invitee": "⟦P|zeynep yıldız⟧", "email": "⟦E|zeynep.yildiz@boun.edu.tr⟧", "role": "viewer"}'),
    ("tool_args", '{"ssh": {"host": "⟦IP|185.199.110.42⟧", "user": "deploy", "key": "⟦KEY|@pem2j⟧"}}'),
    # ---------------------------------------------------------------- tool_result
    ("tool_result", "From: ⟦P|Kofi Boateng⟧ <⟦E|kofi.boateng@accra-textiles.com⟧>\nTo: ⟦E|procurement@meridianretail.com⟧\nSubject: Re: PO 44871 delivery\n\nHello,\n\nThe 600 bolts of kente will ship from Tema on Friday. Our finance contact ⟦P|Abena Owusu⟧ will send the invoice; please pay to ⟦IBAN|@ib18⟧.\n\nRegards,\n⟦P|Kofi⟧"),
    ("tool_result", "id,name,email,phone,city\n10231,⟦P|Sofía Ramírez⟧,⟦E|sofia.ramirez@correo.mx⟧,⟦PH|+52 55 4123 8890⟧,Guadalajara\n10232,⟦P|Jakub Novák⟧,⟦E|jnovak@seznam.cz⟧,⟦PH|+420 602 318 774⟧,Brno\n10233,⟦P|Lina Haddad⟧,⟦E|lina.haddad@outlook.com⟧,⟦PH|+961 3 412 887⟧,Beirut"),
    ("tool_result", "2025-11-21T08:14:02Z INFO  auth login ok user=svc-metrics src=⟦IP|10.12.8.54⟧ ua=\"Go-http-client/2.0\"\n2025-11-21T08:14:05Z WARN  auth login failed user=admin src=⟦IP|45.155.205.233⟧ attempts=14\n2025-11-21T08:14:05Z INFO  ratelimit bucket=login key=⟦IP|45.155.205.233⟧ blocked=true"),
    ("tool_result", "{\"status\": \"ok\", \"results\": [{\"title\": \"Python 3.13 release notes\", \"url\": \"https://docs.python.org/3.13/whatsnew/3.13.html\"}, {\"title\": \"PEP 703 – Making the GIL Optional\", \"url\": \"https://peps.python.org/pep-0703/\"}]}"),
    ("tool_result", "Customer record\n----------------\nNAME: ⟦P|MOHAMMED AL-FARSI⟧\nDOB: 04/17/1983\nSSN: ⟦SSN|318-72-0456⟧\nPHONE: ⟦PH|(312) 555-0147⟧\nCARD ON FILE: ⟦CC|@cc10⟧\nSTATUS: ACTIVE"),
    ("tool_result", "$ cat .env\nDATABASE_URL=⟦CS|postgres://app:hunter2-prod-8812@pg-main.internal:5432/app⟧\nREDIS_URL=redis://cache.internal:6379/1\nOPENAI_API_KEY=⟦KEY|@sk4⟧\nLOG_LEVEL=info"),
    ("tool_result", "Ticket #88120 — opened by ⟦P|beatriz santos⟧ (⟦E|bia.santos@hotmail.com⟧)\n\"oi, my order never arrived, tracking says it's stuck in Curitiba since last week. my phone is ⟦PH|+55 41 99812-3344⟧\"\nPriority: normal | Assigned: ⟦P|Mateus Carvalho⟧"),
    ("tool_result", "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"access_token\": \"⟦KEY|@jwt3⟧\", \"token_type\": \"Bearer\", \"expires_in\": 3600}"),
    ("tool_result", "Invoice INV-77412\nBill to: ⟦P|Henrik Lindqvist⟧, Storgatan 14, 411 38 Göteborg\nAmount due: 18 400 SEK\nPay to: Nordvind AB, IBAN ⟦IBAN|@ib10⟧, BIC SWEDSESS\nDue: 2025-12-15"),
    ("tool_result", "commit 7a3f9e21c4b8d0f6e5a1b2c3d4e5f60718293a4b\nAuthor: ⟦P|Tran Thi Huong⟧ <⟦E|huong.tran@orbitly.dev⟧>\nDate:   Tue Nov 18 16:42:10 2025 +0700\n\n    fix(billing): round VAT per line, not per invoice"),
    ("tool_result", "Page title: About Us – Harbor & Pine Architects\nHarbor & Pine was founded in 1998 in Portland, Oregon. Our studio has designed libraries, schools and the Willamette riverfront pavilion. Contact: ⟦E|studio@harborpine.com⟧"),
    ("tool_result", "[\n  {\"employee_id\": 4410, \"name\": \"⟦P|Ahmed Hassan⟧\", \"dept\": \"Finance\", \"manager\": \"⟦P|Claire Dubois⟧\"},\n  {\"employee_id\": 4411, \"name\": \"⟦P|Yuki Watanabe⟧\", \"dept\": \"Design\", \"manager\": \"⟦P|Claire Dubois⟧\"},\n  {\"employee_id\": 4412, \"name\": \"⟦P|Olumide Fashola⟧\", \"dept\": \"Sales\", \"manager\": \"⟦P|Marcus Webb⟧\"}\n]"),
    ("tool_result", "Traceback (most recent call last):\n  File \"/app/worker.py\", line 88, in connect\n    engine = create_engine(\"⟦CS|mysql+pymysql://etl:Wq2#9vLm@10.0.5.21:3306/staging⟧\")\nsqlalchemy.exc.OperationalError: (2003, \"Can't connect to MySQL server\")"),
    ("tool_result", "Payment declined.\nCard: **** **** **** 9821\nReason: insufficient_funds\nRequest ID: req_8Fh2kQ9xLm3Pz"),
    ("tool_result", "From: HR Team <⟦E|hr@globex-industries.com⟧>\nTo: ⟦P|Daniela Costa⟧ <⟦E|daniela.costa@globex-industries.com⟧>\nSubject: Payroll details confirmed\n\nHi ⟦P|Daniela⟧, we've updated your salary account to ⟦IBAN|@ib13⟧. Your SSN on file (⟦SSN|145-38-6602⟧) was used for the tax form."),
    ("tool_result", "nmap scan report for ⟦IP|192.168.4.23⟧\nPORT     STATE SERVICE\n22/tcp   open  ssh\n80/tcp   open  http\n3306/tcp open  mysql\nMAC Address: 3C:22:FB:1A:9E:04 (Apple)"),
    ("tool_result", "CRM > Contact\nName: Dr. ⟦P|Amara Nwosu-Bright⟧\nCompany: Enugu Health Partners\nTitle: Medical Director\nEmail: ⟦E|a.nwosubright@enuguhealth.org⟧\nMobile: ⟦PH|+234 809 221 4410⟧\nLast touch: 2025-10-30 (demo call)"),
    ("tool_result", "stripe.error.AuthenticationError: Invalid API Key provided: ⟦KEY|@stripe1⟧"),
    ("tool_result", "Meeting notes – Vendor review (Nov 20)\nAttendees: ⟦P|Ingrid Solberg⟧, ⟦P|Pedro Álvarez⟧, ⟦P|Chen Jing⟧, ⟦P|Samuel Osei⟧\n- ⟦P|Pedro⟧ to renegotiate the Siemens maintenance contract\n- ⟦P|Chen⟧ owns the migration to the Frankfurt region\n- Next review: Dec 18"),
    ("tool_result", "whois ⟦IP|91.198.174.192⟧\nnetname: WIKIMEDIA-EU\ncountry: NL\norg: Wikimedia Foundation Inc."),
    ("tool_result", "Reservation confirmed\nGuest: ⟦P|KOWALSKI/MAREK⟧ MR\nHotel: Hilton Garden Inn Kraków\nCheck-in: 2025-12-02  Check-out: 2025-12-05\nConfirmation: 3318 4402 19\nCard guarantee: ⟦CC|@cc9⟧"),
    ("tool_result", "$ git log --oneline -5\na91f3c2 bump version to 3.8.2\n44e0b7d fix flaky test_retry\n0c2d9e1 docs: update README\n7f1a6b3 merge branch 'release/3.8'\nde83f20 ci: cache pip"),
    ("tool_result", "Slack export #general (Nov 19)\n[09:02] ⟦P|fatou ndiaye⟧: morning all, anyone has the wifi password for the Dakar office?\n[09:04] ⟦P|Ousmane Sarr⟧: ask ⟦P|Mariama⟧ at reception\n[09:05] ⟦P|fatou ndiaye⟧: thx!"),
    ("tool_result", "W-2 Wage and Tax Statement 2024\nEmployee: ⟦P|JENNIFER L. MCALLISTER⟧\nEmployee SSN: ⟦SSN|401-55-9283⟧\nEmployer: Acme Tooling LLC, EIN 84-1923377\nWages: $87,412.00"),
    ("tool_result", "{\"user\": {\"id\": 99102, \"login\": \"kmurthy\", \"name\": \"⟦P|Kavya Murthy⟧\", \"email\": \"⟦E|kavya.murthy@protonmail.com⟧\", \"last_ip\": \"⟦IP|49.207.188.31⟧\"}}"),
    ("tool_result", "Web page: Contact – Zhang & Partners LLP\nOur Shanghai office: 1788 Nanjing West Road, Jing'an District. Tel: ⟦PH|+86 21 6288 1234⟧. Managing partner ⟦P|Zhang Wei⟧ and senior associate ⟦P|Liu Yang⟧ lead the IP practice."),
    ("tool_result", "kubectl get secret db-creds -o yaml\napiVersion: v1\nkind: Secret\ndata:\n  url: cG9zdGdyZXM6Ly8=\nstringData:\n  DATABASE_URL: ⟦CS|postgresql://orders:Jq7mX2pLw9@orders-db.prod.svc.cluster.local:5432/orders⟧"),
    ("tool_result", "Order summary\nOrder: #WX-55210-88\nShip to: ⟦P|Mariana Gutiérrez López⟧, Av. Providencia 1208, Santiago\nPhone: ⟦PH|+56 9 8765 4321⟧\nPaid with Amex ⟦CC|@cc3⟧"),
    ("tool_result", "LinkedIn result: ⟦P|Tatiana Sokolova⟧ – Head of Data at Yandex Cloud. Previously Kaspersky Lab. Moscow, Russia."),
    ("tool_result", "sshd[4412]: Accepted publickey for deploy from ⟦IP|2001:41d0:303:1c2a::17⟧ port 51822 ssh2\nsshd[4413]: Invalid user oracle from ⟦IP|218.92.0.112⟧ port 40211"),
    ("tool_result", "From: ⟦P|Matteo Rinaldi⟧ <⟦E|matteo.rinaldi@studiorinaldi.it⟧>\nSubject: Fattura ottobre\n\nCiao ⟦P|Francesca⟧, ti giro la fattura. IBAN: ⟦IBAN|@ib6⟧. Grazie!"),
    ("tool_result", "Build #4471 failed\nStep 7/12: RUN pip install -r requirements.txt\nERROR: Could not find a version that satisfies the requirement torch==2.99.0"),
    ("tool_result", "applicants.csv (first rows)\nname,ssn,phone\n⟦P|DeAndre Washington⟧,⟦SSN|219-84-3307⟧,⟦PH|404-555-0163⟧\n⟦P|Hannah Goldberg⟧,⟦SSN|072-61-5589⟧,⟦PH|617-555-0134⟧"),
    ("tool_result", "config.toml\n[slack]\nbot_token = \"⟦KEY|@xapp1⟧\"\nchannel = \"#alerts\"\n[maps]\napi_key = \"⟦KEY|@gcp1⟧\""),
    ("tool_result", "Call transcript (auto)\nAgent: Thank you for calling Westfield Bank, who am I speaking with?\nCaller: it's ⟦P|ruth abernathy⟧\nAgent: Can you confirm the last four of your social?\nCaller: 4410\nAgent: And the callback number?\nCaller: ⟦PH|503-555-0119⟧"),
    ("tool_result", "Search: 'Ernst & Young Kraków office'\nEY Poland – Rondo ONZ 1, Warsaw. EY GDS Kraków, ul. Generała Bora-Komorowskiego 25B."),
    ("tool_result", "Vault read secret/data/payments:\n  stripe_key: (redacted by policy)\n  webhook_secret: whsec_(redacted)\n  db_url: ⟦CS|postgres://payments:Lk29!vBz7q@payments-db.int:5432/payments⟧"),
    ("tool_result", "Directory entry\nSURNAME: ⟦P|MUKHERJEE⟧\nGIVEN NAMES: ⟦P|ANIRBAN⟧\nEXT: 4471\nDESK: B2-118"),
    ("tool_result", "Email thread:\n> On Mon, ⟦P|Isabela Moreira⟧ <⟦E|isa.moreira@uol.com.br⟧> wrote:\n> Pode me mandar o contrato?\nClaro, segue em anexo. Abraço, ⟦P|Rodrigo⟧"),
    ("tool_result", "AWS CloudTrail event: ConsoleLogin success\nuserIdentity.arn: arn:aws:iam::448812339021:user/ncampbell\nsourceIPAddress: ⟦IP|81.2.69.160⟧\neventTime: 2025-11-22T19:44:03Z"),
    ("tool_result", "Product catalog: Samsung Galaxy S24 Ultra (SM-S928B), 512GB, Titanium Gray – €1,449. Apple iPhone 16 Pro (A3293) – €1,329."),
    ("tool_result", "Bank transfer receipt\nFrom: ⟦P|Oleksandr Shevchenko⟧\nTo: ⟦P|Katarzyna Wiśniewska⟧\nBeneficiary IBAN: ⟦IBAN|@ib19⟧\nAmount: 3 200,00 PLN\nTitle: czynsz grudzień"),
    ("tool_result", "curl -v output:\n> GET /v2/accounts HTTP/1.1\n> Host: api.ledgerly.com\n> Authorization: Bearer ⟦KEY|@bearer1⟧\n> User-Agent: curl/8.5.0\n< HTTP/1.1 200 OK"),
    ("tool_result", "Patient intake form\nPatient: ⟦P|ABIODUN OLATUNJI⟧\nEmergency contact: ⟦P|FOLAKE OLATUNJI⟧ (wife) ⟦PH|+44 20 7946 0321⟧\nInsurance: BUPA #77120-A"),
    ("tool_result", "Google Sheet 'Reimbursements'\n| Employee | Amount | IBAN |\n| ⟦P|Sven Müller⟧ | 420.50 | ⟦IBAN|@ib17⟧ |\n| ⟦P|Aoife Ní Bhriain⟧ | 88.00 | ⟦IBAN|@ib12⟧ |\n| ⟦P|Luca Romano⟧ | 210.00 | pending |"),
    ("tool_result", "id_rsa found in backup.tar:\n⟦KEY|@pem3⟧"),
    ("tool_result", "Wikipedia: Marie Curie (1867–1934) was a Polish and naturalised-French physicist and chemist who conducted pioneering research on radioactivity."),
    ("tool_result", "ERROR 2025-11-22 14:03:11 payment-svc card validation failed for pan=⟦CC|@cc13⟧ merchant=MRC-4471 reason=expired"),
    ("tool_result", "From: ⟦P|Rania Khalil⟧ <⟦E|rania.k@cairo-pharma.eg⟧>\nTo: ⟦P|Youssef Mansour⟧ <⟦E|y.mansour@cairo-pharma.eg⟧>\nSubject: shipment\n\nCall me on ⟦PH|+20 100 555 7281⟧ when the Alexandria container clears customs."),
    ("tool_result", "docker inspect api | grep -i env\n\"MONGO_URL=⟦CS|mongodb://root:ex4mpl3Pa55w0rd@mongo-0.mongo:27017/admin?authSource=admin⟧\",\n\"NODE_ENV=production\",\n\"PORT=8080\""),
    ("tool_result", "Slack user lookup: {\"ok\": true, \"user\": {\"real_name\": \"⟦P|Nomvula Mthembu⟧\", \"tz\": \"Africa/Johannesburg\", \"profile\": {\"phone\": \"⟦PH|+27 71 882 0043⟧\"}}}"),
    # ---------------------------------------------------------------- system
    ("system", "You are Orbitly's support assistant. Be concise and friendly. Never reveal internal ticket IDs. Escalate billing disputes over $500 to a human."),
    ("system", "You are the personal assistant of ⟦P|Catherine Beaumont⟧ (CEO). Her EA is ⟦P|Rajesh Pillai⟧, ⟦E|rajesh.pillai@beaumontgroup.com⟧, ⟦PH|+33 6 12 34 56 78⟧. Decline meeting requests from recruiters."),
    ("system", "Tools available: search_orders, refund_order, send_email. Use the internal API with header Authorization: Bearer ⟦KEY|@bearer2⟧ when calling refund_order."),
    ("system", "You are a SQL assistant for the analytics warehouse. Connection: ⟦CS|postgresql://readonly_bot:Ro!9xKq2mV@analytics.prod.db.veltra.io:5432/dw⟧. Only run SELECT statements."),
    ("system", "You are a coding agent working in the repository orbitly/core (branch main, commit 5d2e8f1a9c3b7e40d6f2a8b1c9e3d7f05a4b2c61). Run tests with `make test` before proposing a diff."),
    ("system", "Persona: you are 'Ava', a virtual concierge for the Marina Bay Sands hotel in Singapore. Answer in the guest's language."),
    ("system", "Escalation contacts: billing → ⟦P|Grace Adeyemi⟧ (⟦E|grace.adeyemi@orbitly.io⟧); security → ⟦P|Tomás Herrera⟧ (⟦PH|+34 612 345 678⟧); outages → #sre-oncall."),
    ("system", "OPENAI_API_KEY=⟦KEY|@sk5⟧\nANTHROPIC_API_KEY=⟦KEY|@sk3⟧\nYou may call either provider; prefer the cheaper one for summaries."),
    ("system", "You help the finance team reconcile payments. The company's own receiving account is ⟦IBAN|@ib2⟧ (Barclays). Flag any incoming transfer from an IBAN not in the vendor list."),
    ("system", "Internal note for the agent: the user ⟦P|KIM MIN-JUN⟧ (account 55102) has a verified phone ⟦PH|+82 10-4821-7730⟧ and prefers Korean. Do not upsell."),
    ("system", "You are a DevOps copilot. Allowed hosts: ⟦IP|10.8.0.12⟧, ⟦IP|10.8.0.13⟧, ⟦IP|fd12:3456:789a:1::20⟧. Use the deploy key below only for git pulls.\n⟦KEY|@pem1⟧"),
    ("system", "Rules: 1) Never output credit card numbers. 2) Mask emails as j***@domain. 3) If a user shares a password, tell them to rotate it. 4) Answer in under 200 words."),
    ("system", "You are a recruiting assistant for Brightloop. Hiring manager: ⟦P|Valentina Rossi⟧. Interviewers this week: ⟦P|Ömer Çelik⟧, ⟦P|Akosua Frimpong⟧, ⟦P|Hugo Lefèvre⟧. Candidate packets are in the ATS."),
    ("system", "Slack integration configured. bot_token=⟦KEY|@xoxb1⟧ signing_secret=not-set default_channel=#support-triage"),
    ("system", "You are a medical scribe. Do not include the patient's SSN or insurance ID in the visit summary. The clinician today is Dr. ⟦P|Imran Qureshi⟧."),
    ("system", "Knowledge cutoff: 2024-06. You are running as agent 'ledger-recon' version 0.9.14, build 2025.11.20-3f2a1c."),
    ("system", "Corporate card for travel bookings: ⟦CC|@cc11⟧, exp 04/27, name on card ⟦P|LEONARDO DA SILVA PEREIRA⟧. Only use it for flights and hotels under the travel policy."),
    ("system", "Data sources: Salesforce (read-only), Zendesk (read/write), ⟦CS|redis://default:Xc8!pQz2Lw@redis-sessions.prod.int:6380/2⟧ for session cache."),
    # ---------------------------------------------------------------- answer
    ("answer", "I've sent the follow-up to ⟦P|Refilwe⟧ with the panel specs attached and copied ⟦P|Lars⟧. Anything else?"),
    ("answer", "Done — the refund of $49.99 for order ORD-2025-118734 has been issued to the card ending in 0366. It should appear in 5–10 business days."),
    ("answer", "The key you pasted (⟦KEY|@aws1⟧) is an AWS access key ID. Deactivate it in IAM immediately, then check CloudTrail for any calls made with it in the last hour."),
    ("answer", "Here's the curl command:\n\ncurl https://api.openai.com/v1/chat/completions \\\n  -H \"Authorization: Bearer ⟦KEY|@sk1⟧\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}'"),
    ("answer", "I found 2 matching contacts: ⟦P|Tatiana Sokolova⟧ (Head of Data, Yandex Cloud) and ⟦P|Tatyana Sokolova-Ilyina⟧ (Product Manager). Which one did you mean?"),
    ("answer", "Your profile is updated: phone is now ⟦PH|+886 912 345 678⟧. ⟦P|Mei-Ling⟧, you'll get an SMS to confirm the change."),
    ("answer", "The W-9 asks for your SSN in Part I. Enter ⟦SSN|521-44-8093⟧ there, leave the EIN box empty, then sign and date Part II."),
    ("answer", "The transfer of 2,400 EUR to ⟦P|Jörg Schäfer⟧ (⟦IBAN|@ib1⟧) with reference INV-2025-0412 is scheduled for tomorrow."),
    ("answer", "I've booked 1:1s: ⟦P|Dmitri⟧ Mon 10:00, ⟦P|Svetlana⟧ Tue 14:30, ⟦P|Arjun⟧ Wed 09:00. Invites went to ⟦E|dmitri.volkov@orbitly.io⟧, ⟦E|s.morozova@orbitly.io⟧ and ⟦E|arjun.mehta@orbitly.io⟧."),
    ("answer", "The email from ⟦E|security-alerts@paypa1-support.com⟧ is a phishing attempt — note the '1' instead of 'l' in the domain. Don't reply; forward it to ⟦E|phishing@paypal.com⟧."),
    ("answer", "The IBAN ⟦IBAN|@ib4⟧ passes the mod-97 check, so it's structurally valid. PayPal may be rejecting it because the account name doesn't match."),
    ("answer", "The container on ⟦IP|172.31.44.19⟧ is being OOM-killed: its limit is 512Mi but the JVM heap is set to 768m. Lower -Xmx or raise the limit."),
    ("answer", "Version 2.14.1 supports Node 18 and 20, so Node 20.11.0 is fine. Build 4471 failed because of a torch pin, not Node."),
    ("answer", "Flights found for ⟦P|Wanjiru Kamau⟧ and ⟦P|Otieno Ochieng⟧: Kenya Airways KQ478 NBO→KGL Dec 12 07:05, return RwandAir WB440 Dec 15 18:20. Total $612 for two."),
    ("answer", "Here is a short bio: \"Dr. ⟦P|Fatima Al-Zahrani⟧ leads our clinical NLP team. Before joining, she spent six years at Mayo Clinic building models for radiology reports.\""),
    ("answer", "I couldn't charge ⟦CC|@cc6⟧ — the issuer returned 'do not honor'. Would you like me to try another card for ⟦P|Chidi Okonkwo⟧'s invoice?"),
    ("answer", "SQLAlchemy URL: ⟦CS|mysql+pymysql://reporting:Gx7%23kPq2@analytics-db.corp.naveo.com:3306/warehouse⟧ (the # in the password must be percent-encoded as %23)."),
    ("answer", "France won the 2018 FIFA World Cup, beating Croatia 4–2 in the final in Moscow."),
    ("answer", "Ticket SUP-20931 escalated to L2. I noted that Mr. ⟦P|Abdullah⟧ confirmed router serial RTX-88120-B."),
    ("answer", "Hi ⟦P|aigerim⟧! Air Astana has KC 906 tomorrow at 14:50 and a SCAT option at 19:10. Want me to hold a seat?"),
    ("answer", "That token decodes to {\"sub\": \"usr_8812\", \"scope\": \"payments:write\"} — it's a live credential, so please revoke ⟦KEY|@jwt1⟧ since you shared it in chat."),
    ("answer", "The shipping address for ⟦P|Elena Petrova⟧ is now 14 Ulitsa Lenina, Kazan. The courier (CDEK) will text ⟦PH|+7 917 555 24 18⟧ before delivery."),
    ("answer", "Summary of the call: ⟦P|Ruth Abernathy⟧ verified with the last four of her SSN and asked for a callback at ⟦PH|503-555-0119⟧ about a disputed wire."),
    # ---------------------------------------------------------------- more, mixed kinds
    ("chat", "hey it's ⟦P|rashid mahmoud⟧, both my cards got flagged after the trip: ⟦CC|@cc2⟧ and ⟦CC|@cc4⟧. can you unblock them?"),
    ("tool_result", "chargebacks_nov.csv\ncase_id,cardholder,pan,amount\nCB-1101,⟦P|LINDA HOLLOWAY⟧,⟦CC|@cc12⟧,212.40\nCB-1102,⟦P|VIKRAM SETHI⟧,⟦CC|@cc14⟧,89.00\nCB-1103,⟦P|ADEOLA BABATUNDE⟧,⟦CC|@cc15⟧,1020.00"),
    ("tool_args", '{"applicant": {"name": "⟦P|Maria José Carvalho⟧", "ssn": "⟦SSN|534-19-2270⟧"}, "co_applicant": {"name": "⟦P|Tiago Carvalho⟧", "ssn": "⟦SSN|611-07-3398⟧"}, "loan_amount": 240000, "term_months": 360}'),
    ("tool_result", "Form I-9 extract (OCR)\nLAST NAME: ⟦P|SALAZAR⟧  FIRST NAME: ⟦P|ROBERTO⟧  MI: A\nU.S. SOCIAL SECURITY NUMBER: ⟦SSN|271903845⟧\nPreparer: ⟦P|Gwen Kowalczyk⟧, HR Generalist"),
    ("chat", "my ssn is ⟦SSN|765-22-1049⟧ and my husband ⟦P|kenji⟧'s is ⟦SSN|229-60-1185⟧, can you fill in the joint 1040 for us"),
    ("tool_result", "virements_decembre.csv\nbeneficiaire;iban;montant\n⟦P|Émilie Laurent⟧;⟦IBAN|@ib3⟧;3 450,00\n⟦P|Pablo Moreno⟧;⟦IBAN|@ib5⟧;2 980,00\n⟦P|Noor Peeters⟧;⟦IBAN|@ib7⟧;1 760,00"),
    ("system", "Database pools for the reporting agent:\nprimary = ⟦CS|postgres://report_rw:T9!zq4Wm2x@pg-primary.eu1.veltra.io:5432/reports⟧\nreplica = ⟦CS|postgres://report_ro:Ye3$kL8pVn@pg-replica.eu1.veltra.io:5432/reports⟧\nNever write to the replica."),
    ("tool_args", '{"source": "⟦CS|clickhouse://ingest:Hq2!mZ8wRt@ch-events.int.freshcart.io:9000/events⟧", "target": "⟦CS|snowflake://LOADER:Pz7#nK4qWs@xy12345.eu-central-1/RAW/PUBLIC?warehouse=LOAD_WH⟧", "tables": ["clicks", "sessions"]}'),
    ("chat", "ugh, ⟦P|fernanda⟧ pasted ⟦CS|postgresql://admin:Sup3rS3cret!2025@crm-db.brightloop.internal:5432/crm⟧ in #general. can you tell her to rotate it?"),
    ("tool_result", "From: Fraud Alerts <⟦E|alerts@westfieldbank.com⟧>\nTo: ⟦P|Gabriel Mbeki⟧ <⟦E|gabe.mbeki@icloud.com⟧>\nSubject: Unusual activity\n\nWe blocked a purchase of $1,284.00 on your card ⟦CC|@cc16⟧ from IP ⟦IP|102.89.33.170⟧. Reply YES if this was you."),
    ("answer", "I've opened a dispute for the duplicate charge on ⟦CC|@cc17⟧. ⟦P|Rashid⟧, you'll get a provisional credit within 2 business days."),
    ("tool_result", "TaxPrep audit log\nTAXPAYER: ⟦P|SAMIRA EL-AMIN⟧ SSN ⟦SSN|680-31-4402⟧\nSPOUSE: ⟦P|KHALID EL-AMIN⟧ SSN ⟦SSN|512-90-7736⟧\nFILING STATUS: MFJ  STATE: MI"),
    ("chat", "can you email ⟦P|anh thu⟧ and ⟦P|bongani⟧ the link to the onboarding doc? her address is ⟦E|anhthu.le@brightloop.io⟧"),
    ("tool_args", '{"batch": "SEPA-2025-12-01", "payments": [{"name": "⟦P|Femke de Vries⟧", "iban": "⟦IBAN|@ib16⟧", "amount": 640.0}, {"name": "⟦P|Mikkel Jensen⟧", "iban": "⟦IBAN|@ib15⟧", "amount": 1210.5}, {"name": "⟦P|Chiara Colombo⟧", "iban": "⟦IBAN|@ib8⟧", "amount": 300.0}]}'),
    ("tool_result", "Call summary (IVR bot)\nCaller said her name is ⟦P|bernadette o'connell⟧, gave SSN ⟦SSN|381 44 2019⟧ and asked to close the card ⟦CC|@cc18⟧. Verified via callback to ⟦PH|+353 87 123 4567⟧."),
]
# fmt: on


def parse(marked: str) -> tuple[str, list[dict]]:
    """Strips ``⟦TYPE|value⟧`` marks and returns the plain text with exact entity offsets."""
    text, pii = strip_marks(
        marked, BRACKET_MARK, lambda _, value: V[value[1:]] if value.startswith("@") else value
    )
    assert "⟦" not in text and "⟧" not in text, marked
    for e in pii:
        assert text[e["start"] : e["end"]] == e["value"], e
    return text, pii


def check_value(e: dict) -> None:
    t, v = e["type"], e["value"]
    if t == "CREDIT_CARD":
        digits = re.sub(r"[ -]", "", v)
        assert digits.isdigit() and 13 <= len(digits) <= 19 and luhn_ok(digits), v
    elif t == "IBAN_CODE":
        assert iban_ok(v), v
    elif t == "US_SSN":
        assert ssn_ok(v), v
    elif t == "PERSON":
        assert v == v.strip() and v, v


def main() -> None:
    rows = []
    for i, (kind, marked) in enumerate(TEXTS):
        assert kind in KINDS, kind
        text, pii = parse(marked)
        for e in pii:
            check_value(e)
        if kind == "tool_args":
            json.loads(text)  # the arguments stay valid JSON (fails loudly with the row below)
        rows.append({"id": f"ho4-{i:04d}", "kind": kind, "text": text, "pii": pii})
    out = write_jsonl("pii_heldout4.jsonl", rows)
    counts: dict[str, int] = {}
    for row in rows:
        for e in row["pii"]:
            counts[e["type"]] = counts.get(e["type"], 0) + 1
    persons = [e["value"] for r in rows for e in r["pii"] if e["type"] == "PERSON"]
    lower = sum(1 for p in persons if p == p.lower())
    upper = sum(1 for p in persons if p == p.upper())
    empty = sum(1 for r in rows if not r["pii"])
    print(f"{out.name}: {len(rows)} texts, {sum(counts.values())} values, {empty} without PII")
    print(", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print(f"PERSON lowercase={lower} uppercase={upper}")


if __name__ == "__main__":
    main()
