"""Build benchmarks/data/pii_heldout6.jsonl: a blind, hand-written PII/secret redaction eval set.

Each text is written by hand. Gold spans are marked inline as «TYPE|value» and converted to
character offsets here, so offsets are computed, never typed. Values that need check digits
(cards, IBANs) or random bodies (keys, tokens) are computed once below and referenced as ⟦name⟧.

The committed ``pii_heldout6.jsonl`` is the source of truth; this file is its provenance, and
``python -m benchmarks.data.make_pii_heldout6`` writes it again byte for byte.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string

from benchmarks.data._guillemet_set import check_spans, tool_json, write_set
from benchmarks.data._pii_checks import iban_ok, luhn_ok, ssn_ok
from benchmarks.data._pii_marks import KINDS

R = random.Random(60606)
ALNUM = string.ascii_letters + string.digits
UPPER32 = string.ascii_uppercase + "234567"


def rs(n: int, alphabet: str = ALNUM) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- check-digit helpers -------------------------------------------------------------------


def luhn_complete(partial: str) -> str:
    for check in "0123456789":
        if luhn_ok(partial + check):
            return partial + check
    raise AssertionError(partial)


def group(num: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, i = [], 0
    for s in sizes:
        parts.append(num[i : i + s])
        i += s
    return sep.join(parts)


def iban(cc: str, bban: str) -> str:
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    return f"{cc}{98 - int(num) % 97:02d}{bban}"


def spaced4(s: str) -> str:
    return " ".join(s[i : i + 4] for i in range(0, len(s), 4))


# --- computed values -----------------------------------------------------------------------

V: dict[str, str] = {}

V["cc_visa1"] = group(luhn_complete("453201511283036"), (4, 4, 4, 4), " ")
V["cc_mc1"] = luhn_complete("542523343010990")
V["cc_amex1"] = group(luhn_complete("37828224631000"), (4, 6, 5), " ")
V["cc_disc1"] = group(luhn_complete("601100099013942"), (4, 4, 4, 4), "-")
V["cc_visa2"] = luhn_complete("448593102277461")
V["cc_mc2"] = group(luhn_complete("222300048817652"), (4, 4, 4, 4), " ")
V["cc_jcb1"] = group(luhn_complete("358812007741296"), (4, 4, 4, 4), "-")
V["cc_diners1"] = group(luhn_complete("3056930902590"), (4, 6, 4), " ")
V["cc_visa3"] = group(luhn_complete("400360004418726"), (4, 4, 4, 4), " ")
V["cc_mc3"] = luhn_complete("516732009814455")
# a 16-digit number that fails Luhn: gift-card style look-alike, must stay unlabelled
_good = luhn_complete("603628771049552")
V["giftcard_bad"] = group(_good[:-1] + str((int(_good[-1]) + 3) % 10), (4, 4, 4, 4), " ")

V["iban_de1"] = spaced4(iban("DE", "500105175407324931"))
V["iban_gb1"] = iban("GB", "NWBK60161331926819")
V["iban_fr1"] = spaced4(iban("FR", "30006000011234567890189"))
V["iban_es1"] = spaced4(iban("ES", "21000418450200051332"))
V["iban_nl1"] = iban("NL", "ABNA0417164300")
V["iban_it1"] = iban("IT", "X0542811101000000123456")
V["iban_ch1"] = spaced4(iban("CH", "00762011623852957"))
V["iban_be1"] = spaced4(iban("BE", "539007547034"))
V["iban_pl1"] = iban("PL", "109010140000071219812874")
V["iban_ae1"] = spaced4(iban("AE", "0331234567890123456"))

V["aws1"] = "AKIA" + rs(16, UPPER32)
V["aws_secret1"] = rs(40, ALNUM + "/+")
V["aws2"] = "AKIA" + rs(16, UPPER32)
V["ghp1"] = "ghp_" + rs(36)
V["ghp2"] = "ghp_" + rs(36)
V["ghpat1"] = "github_pat_11" + rs(20, string.ascii_uppercase + string.digits) + "_" + rs(59)
V["oai1"] = "sk-proj-" + rs(48, ALNUM + "-_") + "T3BlbkFJ" + rs(48, ALNUM + "-_")
V["oai2"] = "sk-" + rs(20) + "T3BlbkFJ" + rs(20)
V["xoxb1"] = f"xoxb-{R.randint(10**11, 10**12 - 1)}-{R.randint(10**12, 10**13 - 1)}-{rs(24)}"
V["xoxp1"] = (
    f"xoxp-{R.randint(10**11, 10**12 - 1)}-{R.randint(10**11, 10**12 - 1)}-{R.randint(10**12, 10**13 - 1)}-{rs(32, string.hexdigits.lower()[:16])}"
)
V["stripe1"] = "sk_live_51" + rs(22) + rs(70)
V["stripe2"] = "rk_live_51" + rs(22) + rs(60)
V["bearer1"] = "ya29.a0" + rs(60, ALNUM + "-_")
V["bearer2"] = rs(40, ALNUM)
V["bearer3"] = rs(32, string.hexdigits.lower()[:16])
_jh = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
_jp = b64url(
    json.dumps(
        {"sub": "8841203", "role": "admin", "iat": 1761900000, "exp": 1761986400}, separators=(",", ":")
    ).encode()
)
V["jwt1"] = f"{_jh}.{_jp}.{b64url(R.randbytes(32))}"
_jh2 = b64url(json.dumps({"alg": "RS256", "kid": "k7-2025-10", "typ": "JWT"}, separators=(",", ":")).encode())
_jp2 = b64url(
    json.dumps(
        {
            "iss": "https://auth.pelican-freight.io",
            "aud": "shipments-api",
            "scope": "shipments:write",
            "exp": 1762300800,
        },
        separators=(",", ":"),
    ).encode()
)
V["jwt2"] = f"{_jh2}.{_jp2}.{b64url(R.randbytes(64))}"


def pem(label: str, first: str, nlines: int) -> str:
    body = base64.b64encode(R.randbytes(48 * nlines + 17)).decode()
    body = first + body[len(first) :]
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


V["pem_rsa"] = pem("RSA PRIVATE KEY", "MIIEowIBAAKCAQEA", 6)
V["pem_pk"] = pem("PRIVATE KEY", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49", 3)
V["pem_ssh"] = pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU", 5)

# --- the texts -----------------------------------------------------------------------------


def J(obj) -> str:
    return tool_json(obj, V)


# fmt: off
TEXTS: list[tuple[str, str]] = [
    # 0
    ("chat", "hey can you pull up the last three invoices for «P|oluwaseun adebayo»? he says the march one charged his card twice"),
    ("chat", "pls email «P|nguyen thi mai» at «E|mai.nguyen@hoalinh-logistics.vn» and tell her the container slipped to friday"),
    ("tool_args", J({"to": "«E|b.lindqvist@nordvent.se»", "cc": ["«E|service@nordvent.se»"], "subject": "Re: RMA 88213 compressor unit", "body": "Hej «P|Björn»,\n\nthe replacement unit ships Monday from Malmö.\n\n/«P|Keiko»"})),
    ("tool_result", "From: «P|Siobhán Ní Bhriain» <«E|siobhan.nibhriain@corrib-analytics.ie»>\nTo: «E|data-team@corrib-analytics.ie»\nDate: Tue, 14 Oct 2025 09:12:44 +0100\nSubject: dashboards after the migration\n\nHi all,\n\nThe Looker tiles still point at the old warehouse. Until that's fixed please connect with\n«DB|postgresql://looker_ro:Vb7!qLm2x9@wh-eu-1.corrib.internal:5432/analytics»\n\nThanks,\nSiobhán"),
    ("system", "You are the support assistant for Kestrel Bank. Fraud escalations go to «P|Tomasz Wiśniewski» on the fraud desk («T|+48 22 573 91 40»). Never read a card number back to the customer in full."),
    ("answer", "I've moved your 1:1 with Dr. «P|Amara Diallo» to Thursday 15:00 CET and sent the updated invite to «E|amara.diallo@sahelhealth.org»."),
    ("tool_result", "id,name,email,phone,tier\n10442,«P|Chidinma Okafor»,«E|chidinma.okafor@gmail.com»,«T|+234 803 555 0142»,gold\n10443,«P|Mateus Carvalho»,«E|mcarvalho@uol.com.br»,«T|+55 11 98765-4321»,silver\n10444,«P|Ji-woo Park»,«E|jiwoo.park@naver.com»,«T|+82 10-2345-6789»,bronze"),
    ("chat", "my card «C|⟦cc_visa1⟧» got declined twice at checkout, expiry 09/27. can you see why?"),
    ("tool_args", J({"customer_id": "cus_Q8f2LmZ1xT", "payment_method": {"card_number": "«C|⟦cc_mc1⟧»", "exp_month": 11, "exp_year": 2028, "cvc_present": True}, "cardholder_name": "«P|EKATERINA VOLKOVA»"})),
    ("tool_result", "EMPLOYEE RECORD  #E-004417\nNAME: «P|OKONKWO, EMEKA»\nSSN: «S|214-63-0917»\nDOB: 1988-03-17\nDEPT: FIELD SERVICES / LAGOS\nMANAGER: «P|HARALDSEN, DAGNY»\nSTATUS: ACTIVE"),
    # 10
    ("system", "Internal tool configuration (never reveal to users):\n- github: token «K|⟦ghp1⟧» (read-only on acme/infra)\n- slack: bot token «K|⟦xoxb1⟧», post only to #support-escalations\nIf anyone asks for credentials, refuse and notify the on-call."),
    ("tool_result", "2025-11-02T03:14:07Z WARN auth: failed login user=«E|r.quispe@andeanmining.pe» src=«IP|190.117.52.9» attempts=5\n2025-11-02T03:14:09Z INFO ratelimit: blocked «IP|190.117.52.9» for 900s\n2025-11-02T03:15:41Z INFO auth: login ok user=svc-backup src=«IP|10.12.0.44»"),
    ("chat", "build 7f3c2a9 broke the ingest worker again. roll back to v2.14.1 please and link it to OPS-4471"),
    ("answer", "Done. The refund of €312.40 went to the account you gave us («I|⟦iban_de1⟧»). It usually arrives within two business days."),
    ("chat", "Hi, I'm «P|Priyanka Raghunathan», I moved flats last month. New number is «T|+91 98450 61237», could you update my profile?"),
    ("tool_args", J({"query": "SELECT * FROM tickets WHERE assignee = '«P|Hiroshi Watanabe»' AND status = 'open' ORDER BY updated_at DESC LIMIT 20"})),
    ("tool_result", "Ticket #58821 (priority: high)\nReporter: «P|Leilani Kahale» <«E|lkahale@islandgrid.com»>\nAssignee: «P|Yusuf Demir»\n\nCustomer reports the inverter at site HNL-07 drops offline every night around 02:00. Firmware 3.8.2, serial INV-88Q-20417.\n\n-- comment by Yusuf --\nPulled logs, the unit keeps renewing DHCP; gateway at «IP|192.168.40.1» hands it a new lease each time."),
    ("system", "You are Atlas, a scheduling agent for Meridian Consulting. The user you serve is «P|Astrid Van den Berg», Managing Partner. Her assistant is «P|Rohan Deshpande» («E|rohan.deshpande@meridian-consulting.com»); CC him on every invite you send."),
    ("answer", "Here is a summary of the thread: «P|Jean-Baptiste Moreau» approved the budget, «P|Marie-Claire Dubois» wants the launch moved to 12 January, and nobody has replied to the vendor yet."),
    ("chat", "what's the difference between a UUID v4 and v7? e.g. 0190f3a2-7c4e-7b91-9d2a-3c5e8f1a0b44 vs 9b2e4c1d-5f6a-4e8b-a1c3-7d9f0e2b4a68"),
    # 20
    ("tool_args", J({"command": "kubectl create secret generic billing-db --from-literal=DATABASE_URL='«DB|postgres://billing:Qz4#vT9wLp2@pg-billing.prod.svc.cluster.local:5432/billing?sslmode=require»' -n payments"})),
    ("tool_result", "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"id\": \"usr_01HF8Z\", \"display_name\": \"«P|Thandiwe Khumalo»\", \"email\": \"«E|thandiwe@khumalo-design.co.za»\", \"phone\": \"«T|+27 21 555 0199»\", \"last_login_ip\": \"«IP|41.13.250.77»\"}"),
    ("chat", "ok so «P|lars-erik» said the staging box is at «IP|10.20.3.15» but i can't ssh in. is there a vpn thing i need"),
    ("answer", "I found two contacts named Carlos at Tierra Verde: «P|Carlos Mendoza» (procurement) and «P|Carlos Ibáñez» (finance). Which one should I send the quote to?"),
    ("tool_result", "PAYROLL CHANGE REQUEST\nEMPLOYEE: «P|WANJIRU KAMAU»\nSSN: «S|523-09-4481»\nNEW BANK: «I|⟦iban_gb1⟧»\nEFFECTIVE: 2025-12-01\nAPPROVED BY: «P|M. OYELARAN»"),
    ("system", "Persona: you answer as the Nordlys Hotel concierge. Guests may ask about breakfast times, the sauna, or late checkout. Front desk phone for anything you can't solve: «T|+47 22 98 41 00». Do not invent room numbers."),
    ("tool_args", J({"name": "send_sms", "arguments": {"to": "«T|+61 412 387 904»", "text": "Hi «P|Aroha», your technician «P|Wiremu» is 10 min away. Reply STOP to opt out."}})),
    ("chat", "Can you explain why the Turing test is considered outdated? I read that Alan Turing himself thought of it as a thought experiment, not a benchmark."),
    ("tool_result", "Shipment 1Z999AA10123456784\nStatus: Out for delivery\nLast scan: Louisville, KY 06:42\nPackage weight 2.3 kg, ref PO-2025-118834, 3 of 3 pieces"),
    ("answer", "Your order ORD-7734-2291 shipped on 3 November via DHL (tracking JD014600006281902634). Expected delivery is Thursday."),
    # 30
    ("chat", "why does `aws s3 ls` fail with my keys? «K|⟦aws1⟧» / «K|⟦aws_secret1⟧» region eu-west-1"),
    ("tool_result", "[default]\naws_access_key_id = «K|⟦aws2⟧»\naws_secret_access_key = «K|"
     + rs(40, ALNUM + "/+") + "»\nregion = ap-southeast-2\n\n[profile readonly]\nrole_arn = arn:aws:iam::482913775610:role/ReadOnly\nsource_profile = default"),
    ("tool_args", J({"url": "https://api.openai.com/v1/chat/completions", "headers": {"Authorization": "Bearer «K|⟦oai1⟧»", "Content-Type": "application/json"}, "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}]}})),
    ("chat", "i accidentally pasted my openai key in the channel earlier: «K|⟦oai2⟧» - how do i rotate it??"),
    ("tool_result", "# .env.production (committed by mistake in 4c1e9d0)\nSTRIPE_SECRET_KEY=«K|⟦stripe1⟧»\nSTRIPE_WEBHOOK_TOLERANCE=300\nDATABASE_URL=«DB|mysql://shop_app:xR8!mP2kQ7@db-shop.internal:3306/shop_prod»\nFEATURE_FLAGS=checkout_v2,fast_refunds"),
    ("answer", "I rotated the restricted key. The old one («K|⟦stripe2⟧») is now revoked and the new key is stored in Vault under payments/stripe/rk."),
    ("tool_result", "$ curl -s -H 'Authorization: Bearer «K|⟦bearer1⟧»' https://www.googleapis.com/calendar/v3/users/me/calendarList\n{\n  \"items\": [\n    {\"id\": \"«E|kwame.mensah@accrapharma.com»\", \"summary\": \"«P|Kwame Mensah»\", \"timeZone\": \"Africa/Accra\"},\n    {\"id\": \"holidays-gh\", \"summary\": \"Holidays in Ghana\"}\n  ]\n}"),
    ("system", "You are a code-review bot. Use the GitHub API with this fine-grained token: «K|⟦ghpat1⟧». Only comment on pull requests; never push commits."),
    ("tool_args", J({"method": "POST", "url": "https://shipments.pelican-freight.io/v2/labels", "headers": {"Authorization": "Bearer «K|⟦jwt2⟧»"}, "json": {"recipient": "«P|Abebe Bekele»", "address": "Bole Road 14, Addis Ababa", "phone": "«T|+251 911 234 567»"}})),
    ("tool_result", "Session debug dump\nuser_id: 8841203\ncookie session=«K|⟦jwt1⟧»; Path=/; HttpOnly; Secure\nremote_addr: «IP|2001:db8:85a3::8a2e:370:7334»\nuser_agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15"),
    # 40
    ("chat", "deploy key for the build box below, can you check if the format is right? it keeps saying invalid format\n\n«K|⟦pem_ssh⟧»"),
    ("tool_args", J({"path": "/etc/nginx/certs/api.key", "content": "«K|⟦pem_rsa⟧»", "mode": "0600"})),
    ("tool_result", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: signer\nstringData:\n  ec.pem: |\n    " + "«K|" + V["pem_pk"].replace("\n", "\n    ") + "»" + "\n  issuer: pelican-signer"),
    ("answer", "The Slack user token you shared («K|⟦xoxp1⟧») has admin scope. I'd revoke it from the Slack app settings and issue a bot token with only chat:write instead."),
    ("tool_result", "Slack #eng-infra\n[09:02] «P|Mei-Ling Chou»: who owns the redis cluster now?\n[09:03] «P|Sipho Ndlovu»: @«P|Mei-Ling» that's still «P|Oksana»'s team\n[09:05] «P|Oksana Kovalenko»: yep, us. connection string is in 1Password, please don't paste it here\n[09:06] «P|Sipho Ndlovu»: lol too late «DB|redis://:Hk29vQmZ7x@redis-prod-01.infra.local:6379/0»"),
    ("chat", "can you ask «P|giulia» to resend the contract? the pdf she sent on monday is corrupted. her email is «E|giulia.romano@studiolegaleromano.it»"),
    ("tool_args", J({"calendar_id": "primary", "event": {"summary": "Quarterly review – «P|Matteo Esposito» / «P|Sofía Gutiérrez»", "start": "2025-12-04T10:00:00+01:00", "end": "2025-12-04T11:00:00+01:00", "attendees": [{"email": "«E|m.esposito@ferrara-tessuti.it»"}, {"email": "«E|sofia.gutierrez@altamar.es»"}], "location": "Sala Verde, 3rd floor"}})),
    ("tool_result", "Calendar for Wed 3 Dec\n09:00-09:30  Standup (Team Kite)\n11:00-12:00  Interview: «P|Tariq Haddad» (backend, round 2)\n13:30-14:00  Call with «P|Noor Al-Amin», dial «T|+971 50 412 7733»\n16:00-17:00  Focus time"),
    ("system", "The current user is «P|Arjun Krishnamurthy» (employee id 40318, role: analyst, locale en-IN). Address him by first name. He is allowed to read but not edit HR records."),
    ("answer", "Thanks, «P|Arjun». I checked the leave balance for «P|Lakshmi Venkatesan»: she has 11 days remaining for 2025, of which 3 expire on 31 December."),
    # 50
    ("chat", "The Kubernetes docs say to use a readiness probe, but my pods still get traffic before migrations finish. Version 1.29.4, chart 0.18.2. Any ideas?"),
    ("tool_result", "Title: Meet the team | Aurelia Ceramics\n\nFounded in 2011 in Faenza, Aurelia makes tableware by hand.\n\n«P|Chiara Benedetti» – Founder & Master Ceramist\n«P|Luca Moretti» – Head of Production\n«P|Amina Yusuf» – Export Sales («E|amina@aureliaceramics.it», «T|+39 0546 21 774»)\n\nVisit our showroom in Via Emilia 112."),
    ("tool_args", J({"to": ["«E|hr@lindholmen-group.se»"], "subject": "Background check consent – «P|Ingrid Bergström»", "body": "Attached is the signed consent form. SSN as provided by the candidate: «S|372-18-5540»."})),
    ("chat", "my wife «P|yael» and i want to book the family room for the 20th-23rd. name on the booking is «P|eitan levi», phone «T|+972 52-384-1196»"),
    ("tool_result", "Refund request RF-20931\nCustomer: «P|Camila Rojas»\nCard on file: «C|⟦cc_amex1⟧»\nAmount: USD 89.00\nReason: duplicate charge\nAgent note: verified with customer by phone «T|+56 9 8765 4321»"),
    ("answer", "I couldn't find anyone named «P|Diego Herrera» in the directory. The closest match is «P|Diego Herrero» in Logistics ext. 4471. Should I message him instead?"),
    ("tool_result", "INVOICE #INV-2025-00931\nBill to: «P|Pedro Henrique Albuquerque»\nPayment: bank transfer to «I|⟦iban_fr1⟧» (BIC BNPAFRPPXXX)\nTotal due: EUR 4,120.00\nReference: AC-88213-Q4"),
    ("chat", "hiya, «P|sarah mcallister» here. forgot my password and the reset email goes to my old address «E|smcallister@hotmail.co.uk» which i can't access anymore"),
    ("system", "You are the on-call assistant. Pager contacts this week: primary «P|Mikael Virtanen» («T|+358 40 718 2263»), secondary «P|Aino Korhonen» («T|+358 50 331 9087»). Escalate to the secondary after 15 minutes without ack."),
    ("tool_args", J({"sql": "UPDATE customers SET iban = '«I|⟦iban_es1⟧»', updated_by = 'agent' WHERE customer_id = 55120;"})),
    # 60
    ("tool_result", "git log --oneline -5\n3f9a2c1 fix: handle empty batch in exporter\nb71e04d chore: bump otel sdk to 1.27.0\n9c2d8e5 feat: add retry with jitter\ne04a1f3 docs: update README badges\n5d6b7a2 test: cover WAL rotation"),
    ("chat", "what's the checksum algorithm for an ISBN-13? e.g. 978-3-16-148410-0, is the last digit computed mod 10?"),
    ("answer", "Summary of the customer's last three tickets: all three concern sync delays on the Android app (builds 5.2.0 to 5.2.3). Ticket SUP-10442 was closed after the 5.2.4 hotfix; the others are still open."),
    ("tool_result", "Dear «P|Hamid»,\n\nThank you for your application to the Research Software Engineer position (req. 2025-RSE-07). We would like to invite you to a technical interview on 9 December.\n\nBest regards,\n«P|Ingrid Bergström»\nTalent Acquisition, Lindholmen Group\n«T|+46 31 772 10 00»"),
    ("chat", "Please wire the deposit to my Swiss account «I|⟦iban_ch1⟧», beneficiary «P|Jakob Huber». Thanks!"),
    ("tool_args", J({"action": "lookup_customer", "params": {"last_name": "«P|Novák»", "first_name": "«P|Petr»", "dob": "1979-06-02"}})),
    ("tool_result", "Customer 55120\nName: «P|Horváth Zsófia»\nPreferred language: hu\nEmail: «E|zsofia.horvath@freemail.hu»\nMobile: «T|+36 30 412 8856»\nNotes: prefers contact after 17:00 CET"),
    ("system", "When the user mentions a colleague, look them up with the directory tool before answering. Example: if asked 'what is the phone number of the CFO', call directory.search(role='CFO'). Never guess contact details."),
    ("answer", "The CFO is «P|Elif Yıldız». Her office line is «T|+90 212 555 34 81» and she is in Istanbul this week."),
    ("tool_result", "NAME,SSN,STATE,HIRE_DATE\n\"«P|WASHINGTON, TYRONE»\",«S|601-22-7394»,GA,2019-04-15\n\"«P|ZHAO, EMILY»\",«S|449-71-0036»,WA,2021-09-01\n\"«P|OKOYE-SMITH, BRIDGET»\",«S|287-65-4302»,TX,2023-02-20\n\"«P|NAKAMURA, KENJI»\",«S|158-44-9026»,CA,2024-07-08"),
    # 70
    ("chat", "can u check why my payment failed? tried «C|⟦cc_visa2⟧» and then my husband's card, both declined. account is under «P|fatima al-zahra», call «T|(415) 555-0132» if you need to verify"),
    ("tool_args", J({"name": "charge_card", "arguments": {"amount_cents": 4599, "currency": "JPY", "card": {"number": "«C|⟦cc_jcb1⟧»", "holder": "«P|AYUMI KOBAYASHI»"}, "idempotency_key": "4d0a7c1e-2f8b-4b5a-9e3d-61c0f7a2b9e8"}})),
    ("tool_result", "Fraud alert FA-7712\nCard «C|⟦cc_disc1⟧» used at 3 merchants in 4 minutes.\nCardholder: «P|Kalani Akana»\nIPs: «IP|203.0.113.45», «IP|198.51.100.7»\nLinked card «C|⟦cc_mc3⟧» (same device fingerprint) also frozen\nAction: cards frozen pending customer contact"),
    ("answer", "I've updated the billing card to the one ending in 1152 and removed the old Diners card («C|⟦cc_diners1⟧»). Your next invoice on 1 December will use the new card."),
    ("chat", "Hello, I am «P|Tsegaye Haile» and I would like to dispute a charge on card «C|⟦cc_visa3⟧» from 28 October, amount 240 USD. I did not make this purchase."),
    ("tool_result", "Gift card balance check\nCard number: ⟦giftcard_bad⟧\nPIN verified: yes\nBalance: $25.00\nExpires: never"),
    ("tool_args", J({"tool": "crm.create_contact", "input": {"full_name": "«P|Mariam Touré»", "company": "Dakar Agro SARL", "email": "«E|m.toure@dakaragro.sn»", "phone": "«T|+221 77 645 12 09»"}})),
    ("system", "You are a travel assistant for Cielo Air. Loyalty tiers: Blue, Silver, Gold. Never quote fares without calling fares.search. Internal escalations use the ops desk tool, never a phone line."),
    ("answer", "Booked: «P|Aminata Konaté», seat 14C on CA 882 from Abidjan to Paris on 19 December, confirmation QX7T2M. I'll send the e-ticket to «E|aminata.konate@orange.ci»."),
    ("tool_result", "<tr><td>«P|Kerem Aydın»</td><td>«E|kerem.aydin@bosphorus-tech.com.tr»</td><td>Istanbul</td></tr>\n<tr><td>«P|Ioana Popescu»</td><td>«E|ioana.popescu@carpatsoft.ro»</td><td>Cluj-Napoca</td></tr>\n<tr><td>«P|Andrei Ionescu»</td><td>«E|a.ionescu@carpatsoft.ro»</td><td>Bucharest</td></tr>"),
    # 80
    ("chat", "who was Ada Lovelace and why do people call her the first programmer? write it for a 10 year old"),
    ("tool_args", J({"host": "«IP|172.31.5.12»", "port": 22, "user": "ubuntu", "command": "sudo systemctl restart tracewheel-collector"})),
    ("tool_result", "Nmap scan report for gw-edge-2 («IP|2a02:26f0:fd::5c3e»)\nHost is up (0.012s latency).\nPORT    STATE SERVICE\n22/tcp  open  ssh\n443/tcp open  https\n\nNmap scan report for «IP|81.2.69.160»\nHost is up (0.031s latency).\n80/tcp open http"),
    ("answer", "The failing requests all come from a single client at «IP|fe80::1ff:fe23:4567:890a» on the office LAN; everything else succeeds. It looks like that laptop has a stale proxy config."),
    ("system", "Service endpoints for this agent:\n- vector store: «DB|mongodb+srv://rag_reader:pY6%40nR2vKq@cluster0.x7k2p.mongodb.net/embeddings?retryWrites=true&w=majority»\n- queue: «DB|amqp://agent:Wq9mZ2rLx4@rabbit.svc.internal:5672/agents»\nUse read-only operations unless the user is an admin."),
    ("tool_result", "appsettings.Production.json\n{\n  \"ConnectionStrings\": {\n    \"HrDb\": \"«DB|Server=tcp:sql-hr-eu.database.windows.net,1433;Initial Catalog=hr;User ID=hr_app;Password=K9#vLm2q!xT;Encrypt=True;»\"\n  },\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Warning\" } }\n}"),
    ("chat", "the etl job fails with 'password authentication failed' using «DB|host=pg-etl.internal port=5432 dbname=warehouse user=etl password=Z7hq2LxVn9» — did someone rotate it?"),
    ("tool_args", J({"engine_url": "«DB|mssql+pyodbc://sa:Passw0rd2024!@sqlsrv-legacy:1433/Inventory?driver=ODBC+Driver+18+for+SQL+Server»", "query": "SELECT TOP 10 sku, qty FROM stock WHERE qty < 5"})),
    ("answer", "The JDBC URL in your config embeds the password («DB|jdbc:postgresql://reports.db.internal:5432/bi?user=bi_reader&password=Rk3vQ8nTz1»). Move it to an environment variable and rotate it, since it is now in the ticket history."),
    ("tool_result", "Traceback (most recent call last):\n  File \"/app/worker.py\", line 88, in connect\n    engine = create_engine(url)\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect to server: Connection refused\n  Is the server running on host \"db-2\" and accepting TCP/IP connections on port 5432?\n[SQL: None]\n(Background on this error at: https://sqlalche.me/e/20/e3q8)"),
    # 90
    ("chat", "hey it's «P|dmitri», can you tell «P|ekaterina» i'll be late to the sync, train's stuck outside tver"),
    ("tool_result", "From: «P|Sokolov, Dmitri» <«E|d.sokolov@volga-systems.ru»>\nSent: Friday, 7 November 2025 08:41\nTo: «P|Volkova, Ekaterina» <«E|e.volkova@volga-systems.ru»>\nSubject: RE: sync\n\nRunning 20 min late. Start without me.\n\nDmitri"),
    ("tool_args", J({"channel": "C04T7KQ2M", "text": "<@U01BQ9XJ3> heads up: «P|Somchai Wongsakul» from the Bangkok office joins the call at 14:00 ICT"})),
    ("tool_result", "Contact card\nFN:«P|Siti Rahmawati»\nORG:PT Nusantara Logistik\nTEL;TYPE=CELL:«T|+62 812-3456-7890»\nEMAIL:«E|siti.rahmawati@nusantaralog.co.id»\nADR:;;Jl. Sudirman 45;Jakarta;;10210;Indonesia"),
    ("answer", "«P|Budi Santoso» confirmed the pallet count (42) and asked that the next delivery go to the Surabaya warehouse instead of Jakarta."),
    ("system", "You summarise support calls. Redact nothing yourself; the platform handles that. Output: 3 bullet points and a sentiment label (positive, neutral, negative)."),
    ("tool_result", "Call transcript (auto, 00:04:12)\nAgent: Thanks for calling, who am I speaking with?\nCaller: It's «P|Bùi Văn Thành», account under my daughter «P|Phạm Minh Châu».\nAgent: Can you confirm the last four of the SSN on the account?\nCaller: The full one is «S|531839427», I don't remember which part you need."),
    ("chat", "WHY IS MY ACCOUNT LOCKED?? I'M «P|ABDULLAHI MUSA» AND I'VE BEEN A CUSTOMER FOR 9 YEARS. CALL ME ON «T|+234 809 442 7751»"),
    ("tool_args", J({"recipient_iban": "«I|⟦iban_nl1⟧»", "recipient_name": "«P|Sven Olsen»", "amount": "1250.00", "currency": "EUR", "reference": "Huur december"})),
    ("tool_result", "Bank statement extract (ING)\n2025-10-28  SEPA credit  +2.400,00  from «P|Jana Dvořáková» «I|⟦iban_it1⟧»\n2025-10-30  Card payment  -54,20  Albert Heijn 1432\n2025-11-01  SEPA debit   -1.250,00  to «P|S. Olsen» «I|⟦iban_nl1⟧»"),
    # 100
    ("answer", "Your pull request #4821 passed all 312 checks. The coverage report shows 87.4% (up 0.6 points) and the benchmark run finished in 4m12s on runner ubuntu-22.04."),
    ("chat", "Hi! Could you translate this for my grandmother «P|Hana Novotná»? She only reads Czech. 'The appointment with Dr. «P|Kristóf Nagy» is on Tuesday at 10.'"),
    ("tool_result", "Search results for \"valve supplier Rotterdam\"\n1. Hollandse Kleppen BV – industrial valves since 1962 – www.hollandsekleppen.nl\n2. Rotterdam Flow Control – ISO 9001 – call via website\n3. Europort Valves – catalogue 2025 (PDF, 14 MB)"),
    ("tool_args", J({"to": "«E|lucia.fernandez@estudio-fm.com.ar»", "subject": "Tu reserva", "body": "Hola «P|Lucía», confirmamos la reserva para «P|Valentina Castro» y acompañante. Cualquier duda, llamanos al «T|+54 11 4312-8890»."})),
    ("system", "You are HelpBot for Quokka Payroll (Australia). Tax file numbers and bank details must never be echoed. Escalation contact for payroll errors: «P|Mitchell O'Brien», «E|mitchell.obrien@quokkapayroll.com.au»."),
    ("tool_result", "patient_id: MRN-0048821\nname: «P|Rafael Quispe Mamani»\nallergies: penicillin\nattending: Dr. «P|Ximena Huarachi»\nnext_of_kin: «P|Rosa Mamani» («T|+51 984 221 603»)"),
    ("chat", "nvm found it. the tracking no. was 9400 1118 9922 3856 7704 21, usps just hadn't scanned it yet"),
    ("answer", "I'd use the AWS key ID format check: keys start with AKIA or ASIA followed by 16 characters. The value in your screenshot («K|⟦aws1⟧») matches that format, so the error is more likely the secret key or the clock skew."),
    ("tool_result", "W-9 (excerpt)\nName: «P|Tevita Fifita»\nBusiness name: Fifita Landscaping LLC\nSSN: «S|765-20-3318»\nAddress: 1440 Kuhio Ave, Honolulu, HI 96815"),
    ("tool_args", J({"name": "ip_lookup", "arguments": {"ips": ["«IP|185.220.101.34»", "«IP|10.0.8.17»", "«IP|2001:4860:4860::8888»"]}})),
    # 110
    ("chat", "Semantic versioning question: is 2.0.0-rc.1 considered lower than 2.0.0? our release tooling sorts them wrong. sha of the tag is e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("tool_result", "commit 8d1f0a7c3e2b9d4f6a5c1e0b7d3a9f2c4e6b8d0a\nAuthor: «P|Liu Yang» <«E|liu.yang@qingcloud-dev.cn»>\nDate:   Mon Nov 10 14:22:09 2025 +0800\n\n    fix(auth): stop logging the bearer token\n\n    Reported-by: «P|Chen Jing» <«E|chen.jing@qingcloud-dev.cn»>"),
    ("answer", "Both API calls failed with 401. The bearer token in the request («K|⟦bearer2⟧») expired at 14:00 UTC; request a new one from the identity service and retry."),
    ("tool_result", "POST /internal/v1/refresh HTTP/1.1\nHost: billing.internal\nX-Api-Key: «K|⟦bearer3⟧»\nContent-Length: 0\n\nHTTP/1.1 204 No Content"),
    ("chat", "can you check ticket status for «P|seo-yeon lee»? she's on vacation and asked me to follow up. her ticket is CS-20117"),
    ("tool_result", "LinkedIn-style profile (scraped)\n«P|Daisuke Mori» · Staff Engineer at Kumo Robotics\nTokyo, Japan · 500+ connections\nPreviously: Sony, Preferred Networks\nContact: «E|daisuke.mori@kumorobotics.jp» · «T|+81 3-6812-4470»"),
    ("tool_args", J({"form": "direct_debit_mandate", "fields": {"account_holder": "«P|Anke de Vries-Jansen»", "iban": "«I|⟦iban_be1⟧»", "signed_at": "2025-11-12"}})),
    ("answer", "Paid: PLN 3 480,00 to «P|Agnieszka Zielińska» (account «I|⟦iban_pl1⟧»), title 'Faktura FV/2025/11/087'. Confirmation number 7711-20931."),
    ("tool_result", "Remittance advice\nPayee: «P|Faisal Al-Mansoori»\nIBAN: «I|⟦iban_ae1⟧»\nAmount: AED 18,750.00\nValue date: 2025-11-20\nOur ref: RA-44120"),
    ("chat", "Docker says the image digest is sha256:4f7c9d2a1b3e5c6d8f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e; tag 3.11-slim-bookworm. Is that the latest patch?"),
]


# --- marker parsing and checks -------------------------------------------------------------
# fmt: on


def check(text: str, spans: list[dict]) -> None:
    check_spans(text, spans)
    for s in spans:
        v = s["value"]
        if s["type"] == "CREDIT_CARD":
            assert luhn_ok(v) and re.fullmatch(r"[\d -]+", v), v
        if s["type"] == "IBAN_CODE":
            assert iban_ok(v), v
        if s["type"] == "US_SSN":
            assert ssn_ok(v), v
        if s["type"] == "PERSON":
            assert not re.match(r"(Dr|Mr|Mrs|Ms|Prof)\.?\s", v), v
    assert not luhn_ok(V["giftcard_bad"])


def main() -> None:
    write_set("pii_heldout6.jsonl", "ho6", TEXTS, V, KINDS, check)


if __name__ == "__main__":
    main()
