"""Build the blind PII/secret held-out set #5 (benchmarks/data/pii_heldout5.jsonl).

Every text below is hand-written. Labelled spans are marked inline as ⟦TYPE|value⟧;
the script strips the markers, computes offsets, fills check digits ('?' in a card
number is its Luhn digit, '??' in an IBAN are its mod-97 digits) and asserts that
every value is valid and that text[start:end] == value.

The committed ``pii_heldout5.jsonl`` is the source of truth; this file is its provenance, and
``python -m benchmarks.data.make_pii_heldout5`` writes it again byte for byte.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter

from benchmarks.data._heldout_writer import write_jsonl
from benchmarks.data._pii_checks import iban_mod97, iban_ok, luhn_ok, ssn_ok
from benchmarks.data._pii_marks import BRACKET_MARK, KINDS, strip_marks

IBAN_LENGTHS = {
    "DE": 22,
    "GB": 22,
    "FR": 27,
    "ES": 24,
    "NL": 18,
    "IT": 27,
    "BE": 16,
    "CH": 21,
    "PL": 28,
    "SA": 24,
    "AE": 23,
    "NO": 15,
    "IE": 22,
    "PT": 25,
    "TR": 26,
    "BR": 29,
    "AT": 20,
    "SE": 24,
    "FI": 18,
    "DK": 18,
    "RO": 24,
    "GR": 27,
}


def fill_luhn(card: str) -> str:
    assert card.endswith("?"), card
    for d in "0123456789":
        cand = card[:-1] + d
        if luhn_ok(re.sub(r"\D", "", cand)):
            return cand
    raise AssertionError(card)


def fill_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    assert compact[2:4] == "??", iban
    check = 98 - iban_mod97(compact[:2] + "00" + compact[4:])
    return iban.replace("??", f"{check:02d}", 1)


def fill_check_digits(entity_type: str, value: str) -> str:
    if entity_type == "CREDIT_CARD" and value.endswith("?"):
        return fill_luhn(value)
    if entity_type == "IBAN_CODE" and "??" in value:
        return fill_iban(value)
    return value


def build(kind: str, raw: str, idx: int) -> dict:
    text, spans = strip_marks(raw, BRACKET_MARK, fill_check_digits)
    assert "⟦" not in text and "⟧" not in text, text
    for s in spans:
        v = s["value"]
        assert text[s["start"] : s["end"]] == v
        assert v == v.strip() and v, (idx, v)
        if s["type"] == "CREDIT_CARD":
            assert luhn_ok(re.sub(r"\D", "", v)) and 14 <= len(re.sub(r"\D", "", v)) <= 19, v
        elif s["type"] == "IBAN_CODE":
            assert iban_ok(v, IBAN_LENGTHS), v
        elif s["type"] == "US_SSN":
            assert ssn_ok(v), v
    if kind == "tool_args":
        json.loads(text)
    assert kind in KINDS, kind
    return {"id": f"ho5-{idx:04d}", "kind": kind, "text": text, "pii": spans}


# fmt: off
# (kind, text) pairs, all hand-written.
TEXTS: list[tuple[str, str]] = [
    # ------------------------------------------------------------------ chat
    ("chat", "Can you draft a thank-you note to ⟦P|Oluwaseun Adebayo-Bello⟧ for covering my on-call shift last weekend?"),
    ("chat", "hey its ⟦P|mei-ling tsao⟧ again, my card ⟦CC|4916 3382 0574 119?⟧ got declined twice on the annual plan, what gives"),
    ("chat", "What's the difference between a B-tree and an LSM tree? Keep it short, I'm prepping for an interview."),
    ("chat", "please reschedule my 1:1 with ⟦P|tomasz wiśniewski⟧ to thursday, he's out wednesday"),
    ("chat", "i need to update the phone on my account to ⟦PH|+234 803 517 2290⟧ — the old one was my office line"),
    ("chat", "Summarise the attached board deck in five bullets. Skip the appendix about the Mandela Day volunteering program."),
    ("chat", "my name is ⟦P|ngozi eze⟧, i ordered the standing desk (order #WD-88231-A) and it arrived with a cracked leg"),
    ("chat", "Book a table for four at Nobu Malibu on Friday at 8 and put it under Dr. ⟦P|Rangi Parata⟧, he's hosting."),
    ("chat", "Refund went to the wrong account. Please send it to ⟦IBAN|DE?? 4306 0967 1184 2290 05⟧ instead, account holder ⟦P|Friederike Holtmann⟧."),
    ("chat", "Is 3.12.4 or 3.11.9 the safer Python for the Airflow 2.10.2 upgrade? Our CI image is pinned to ubuntu 22.04."),
    ("chat", "ok so ⟦P|aroha⟧ said the staging box at ⟦IP|10.42.7.118⟧ is down again, can you check the last deploy"),
    ("chat", "Write a short LinkedIn post congratulating ⟦P|Siddharth Venkataraman⟧ on his promotion to VP Engineering."),
    ("chat", "Hi! I'm ⟦P|Valentina Ruiz Castañeda⟧ from the Bogotá office. Could you tell me how to add ⟦P|Joaquín⟧ as a billing admin?"),
    ("chat", "why does my script fail with KeyError: 'customer_id' when the CSV has a BOM? file is exports/2025-11-customers.csv"),
    ("chat", "here's my ssn for the W-9 since the form keeps timing out: ⟦SSN|287-54-1190⟧. name ⟦P|Dwayne Whitfield⟧"),
    ("chat", "Translate this into Japanese for ⟦P|Haruto Kobayashi⟧-san: 'The shipment will arrive at Narita on the 14th.'"),
    ("chat", "can u ping ⟦P|bilal⟧ and ⟦P|fatoumata⟧ and ask if they want to join the offsite in Lisbon"),
    ("chat", "I'm travelling, reach me on ⟦PH|+44 7700 900461⟧ or WhatsApp ⟦PH|+351 912 345 078⟧ until the 20th."),
    ("chat", "Compare the Kafka consumer lag for topics orders.v2 and payments.v3 over the last 24h and tell me which partition is hot."),
    ("chat", "Here's the key I used locally, maybe it's revoked? ⟦K|sk-proj-kDci4qB6bIIbiVublu4qmoSTum3bq5uEtoG4ldNUJ3kIDCNM⟧"),
    ("chat", "Please find a good biography of Ada Lovelace for my nephew, ideally under 200 pages."),
    ("chat", "yo the db creds in the README are wrong, prod is ⟦CS|postgresql://orders_rw:Tq7!vLx9pz@pg-prod-02.internal.acme-logistics.com:5432/orders⟧ not the old host"),
    ("chat", "add ⟦P|kgosi molefe⟧ (⟦E|kgosi.molefe@mokoenaholdings.co.za⟧) to the vendor onboarding thread pls"),
    ("chat", "my mom ⟦P|lupe fa'asalele⟧ needs to be added as an authorized user, her number is ⟦PH|+685 7214 903⟧"),
    ("chat", "How do I configure nginx to forward the real client IP from Cloudflare? We terminate TLS on the load balancer."),
    ("chat", "can you find out who approved PR #4412? i think it was ⟦P|anneliese⟧ but git blame shows a bot."),
    ("chat", "Pay the invoice from Lindqvist & Berg AB with the corporate Amex ⟦CC|3714 496353 9843?⟧, exp 09/28."),
    ("chat", "I'm ⟦P|Hoang Thi Thu Trang⟧ and I can't log in since yesterday, the 2FA code goes to my old number ⟦PH|+84 90 318 4427⟧."),
    ("chat", "Plan a 3-day itinerary for Kyoto in April for two adults who love gardens and don't eat pork."),
    ("chat", "tell ⟦P|marcus⟧ the build is green, and ask ⟦P|yusuf okonkwo⟧ to cut the release tag v4.18.0"),
    ("chat", "Our partner ⟦P|Ekaterina Volkova-Reyes⟧ wants the NDA in Spanish too. Can you prep both versions?"),
    ("chat", "Why is my GitHub Action failing? I set GH_TOKEN=⟦K|ghp_aDZbvI80gDPQQ9sg3loWbXx3DNuf17NNcxnD⟧ in the repo secrets but it says bad credentials."),
    ("chat", "I'd like to dispute a charge of €412.80 on my statement. Card ending 4417, charge ref TX-7Q2M-0091."),
    ("chat", "could u look up what time ⟦P|chiamaka⟧'s flight from lagos lands? shes on the emirates one via dubai"),
    ("chat", "please wire the deposit to the landlord, ⟦P|Ioannis Papadakis⟧, IBAN ⟦IBAN|GR?? 0172 0530 0050 5304 8921 774⟧, reference 'Flat 3B October'"),
    ("chat", "find me the last 3 emails from ⟦P|priyanka chaudhary⟧ about the q3 forecast and summarise them"),
    ("chat", "hi team it's ⟦P|tane wiremu⟧ — laptop got stolen, please kill my sessions and rotate the slack bot token ⟦K|xoxb-312803814891-0218242455935-ScEDvX2WOhUIref1ExJ9AMah⟧ which was in my .env"),
    ("chat", "Is there a way to get the Stripe webhook to retry? The events for cus_Q8vXk2LmN0pRt7 keep failing with 500."),
    ("chat", "send an invite to ⟦P|sung-min park⟧ and ⟦P|camille dubois-lefèvre⟧ for the architecture review, 45 min"),
    ("chat", "My SSN on file is wrong. It should be ⟦SSN|519-03-7762⟧, not the one ending 7726. — ⟦P|Rosa Delgado⟧"),
    ("chat", "whats the weather going to be like in Reykjavík on saturday"),
    ("chat", "Can you check why user logins from ⟦IP|2a02:8109:b6c0:1d00:5d1e:4c3a:9f2b:77e1⟧ are being blocked? It's our Berlin office."),
    ("chat", "ask ⟦P|tupac quispe mamani⟧ whether the Cusco warehouse has the replacement parts (SKU HX-2209-BLK)."),
    ("chat", "Thanks so much! Tell Dr. ⟦P|Amadou Diallo⟧ I'll bring the signed consent forms on Monday."),
]
TEXTS += [
    # ------------------------------------------------------------- tool_args
    ("tool_args", '{"to": ["⟦E|o.adebayo-bello@northwind-freight.com⟧"], "subject": "Thanks for Saturday", "body": "Hi ⟦P|Seun⟧, thanks again for covering the pager. Drinks on me. — ⟦P|Lars⟧"}'),
    ("tool_args", '{"query": "SELECT id, status FROM orders WHERE created_at > now() - interval \'2 days\' AND region = \'EU-WEST\'", "limit": 50}'),
    ("tool_args", '{"customer_name": "⟦P|Nguyễn Văn Phúc⟧", "phone": "⟦PH|+84 28 3823 9101⟧", "plan": "business", "seats": 12}'),
    ("tool_args", '{"attendees": ["⟦E|sungmin.park@hanbit-robotics.kr⟧", "⟦E|camille.dubois@lefevre-conseil.fr⟧"], "title": "Architecture review", "duration_minutes": 45, "room": "Ada Lovelace (3F)"}'),
    ("tool_args", '{"action": "charge", "amount": 129.0, "currency": "USD", "card_number": "⟦CC|5425 2334 3010 910?⟧", "cardholder": "⟦P|MAHLET TESFAYE⟧", "exp": "11/27"}'),
    ("tool_args", '{"repo": "acme/infra", "path": "terraform/modules/vpc/main.tf", "ref": "3f9c2e1b7a4d5c6e8f0a1b2c3d4e5f6a7b8c9d0e"}'),
    ("tool_args", '{"dsn": "⟦CS|mongodb+srv://analytics:M0ngoPa55w0rd2026@cluster0.x7k2p.mongodb.net/events?retryWrites=true&w=majority⟧", "collection": "page_views", "pipeline": [{"$match": {"day": "2026-11-20"}}]}'),
    ("tool_args", '{"recipient_iban": "⟦IBAN|NL?? INGB 0006 8431 27⟧", "recipient_name": "⟦P|Sanne de Vries-Oosterhuis⟧", "amount_eur": 2350.00, "reference": "INV-2026-0417"}'),
    ("tool_args", '{"name": "search_contacts", "arguments": {"q": "⟦P|Abdirahman Warsame⟧", "fields": ["email", "phone", "company"]}}'),
    ("tool_args", '{"ip": "⟦IP|185.220.101.47⟧", "action": "block", "duration": "24h", "reason": "credential stuffing against /api/login"}'),
    ("tool_args", '{"ticket_id": "SUP-55102", "assignee": "⟦P|Catalina Herrera⟧", "priority": "high", "tags": ["billing", "refund"]}'),
    ("tool_args", '{"url": "https://api.openweathermap.org/data/2.5/weather", "params": {"q": "Ulaanbaatar", "units": "metric"}}'),
    ("tool_args", '{"headers": {"Authorization": "Bearer ⟦K|JFagPDLrsFF5awvz9incO14E3jFJ20_Dg3iYI4WN⟧", "Content-Type": "application/json"}, "method": "POST", "url": "https://hooks.partner-portal.io/v1/events"}'),
    ("tool_args", '{"applicant": {"first_name": "⟦P|Keisha⟧", "last_name": "⟦P|Alexander-Boateng⟧", "ssn": "⟦SSN|073-28-4415⟧", "dob": "1989-04-17"}, "product": "personal_loan"}'),
    ("tool_args", '{"to": "⟦PH|+61 412 883 015⟧", "message": "Hi ⟦P|Bronwyn⟧, your parcel AU-7731-QX is out for delivery today."}'),
    ("tool_args", '{"command": "kubectl rollout restart deployment/checkout-api -n prod", "cluster": "eks-prod-use1"}'),
    ("tool_args", '{"env": {"AWS_ACCESS_KEY_ID": "⟦K|AKIAVYMZI0FID272MYOD⟧", "AWS_SECRET_ACCESS_KEY": "⟦K|wncMZtUxoCOp9tOnglkyrC9KWE50a1xjz3Mww/FV⟧", "AWS_REGION": "eu-central-1"}, "cmd": "aws s3 ls s3://acme-trace-archive/"}'),
    ("tool_args", '{"filter": {"last_name": "⟦P|Szabó⟧", "first_name": "⟦P|Réka⟧"}, "table": "employees", "columns": ["department", "start_date"]}'),
    ("tool_args", '{"from": "⟦E|billing@kestrel-outdoor.com⟧", "to": "⟦E|t.quispe@andesparts.pe⟧", "subject": "Order HX-2209-BLK back in stock", "body": "Hola ⟦P|Tupac⟧, the replacement parts ship Monday."}'),
    ("tool_args", '{"order_id": "7c1e9a44-2b0f-4d3e-9a61-5f2d8c7b3e10", "status": "shipped", "carrier": "DHL", "tracking": "JJD0002249186573"}'),
    ("tool_args", '{"connection_string": "⟦CS|Server=tcp:sqlprod-eu.database.windows.net,1433;Initial Catalog=crm;User ID=crm_app;Password=Zx!92kLm#q;Encrypt=True;⟧", "sql": "SELECT TOP 20 * FROM dbo.Accounts ORDER BY CreatedAt DESC"}'),
    ("tool_args", '{"participants": ["@⟦P|Kwame Mensah⟧", "@⟦P|Li Wei⟧", "@⟦P|Ayşe Yılmaz⟧"], "channel": "#release-train", "text": "Cutting 4.18.0 at 15:00 UTC"}'),
    ("tool_args", '{"query": "flights from LOS to DXB on 2026-12-03", "passengers": [{"name": "⟦P|OKAFOR/CHIAMAKA⟧ MS"}], "cabin": "economy"}'),
    ("tool_args", '{"api_key": "⟦K|sk_live_xtavdrMJDse9i7iynLPa1NYd⟧", "endpoint": "/v1/refunds", "payload": {"charge": "ch_3QxLm2Kp9Zt0", "amount": 4999}}'),
    ("tool_args", '{"contact": {"name": "⟦P|Javier Ortega Mendoza⟧", "email": "⟦E|jortega@mendoza-agro.com.ar⟧", "phone": "⟦PH|+54 9 11 4387-2210⟧"}, "list": "webinar-2026-q4"}'),
    ("tool_args", '{"document": "Q3_forecast_v7.xlsx", "share_with": ["⟦E|priyanka.chaudhary@helixbio.in⟧"], "role": "commenter"}'),
    ("tool_args", '{"source_ip": "⟦IP|fe80::1c2b:3aff:fe4d:9e01⟧", "dest_ip": "⟦IP|2001:db8:85a3::8a2e:370:7334⟧", "proto": "tcp", "port": 443}'),
    ("tool_args", '{"search": "Martin Luther King Jr Blvd warehouse lease", "max_results": 10, "date_from": "2025-01-01"}'),
    ("tool_args", '{"patient": "⟦P|O\'Sullivan, Siobhán⟧", "mrn": "MRN-00482213", "appointment": "2026-12-01T09:30:00", "clinician": "Dr. ⟦P|Farhan Qureshi⟧"}'),
    ("tool_args", '{"token": "⟦K|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⟧", "repo": "helix/bio-pipeline", "workflow": "nightly.yml"}'),
    ("tool_args", '{"payee": "⟦P|Björn Lindqvist⟧", "iban": "⟦IBAN|SE?? 6000 0000 0004 3817 2259⟧", "amount_sek": 18400, "note": "consulting October"}'),
    ("tool_args", '{"lookup": "whois", "domain": "kestrel-outdoor.com"}'),
    ("tool_args", '{"message": "⟦P|sione⟧ can you cover the 6am standup tomorrow?", "to_user": "⟦P|Sione Tupou⟧", "workspace": "pacific-ops"}'),
]
TEXTS += [
    # ----------------------------------------------------------- tool_result
    ("tool_result", "From: ⟦P|Amara Okafor⟧ <⟦E|amara.okafor@brightlane.io⟧>\nTo: ⟦P|Jonas Fischer⟧ <⟦E|jonas.fischer@brightlane.io⟧>\nDate: Tue, 18 Nov 2026 09:14:02 +0100\nSubject: Re: renewal pricing\n\n⟦P|Jonas⟧ — the customer accepted 12% off if we lock three years. Can you update the quote?\n\n⟦P|Amara⟧"),
    ("tool_result", "id,full_name,email,phone,country\n1041,⟦P|Aigerim Nurlanovna⟧,⟦E|aigerim.n@steppe-analytics.kz⟧,⟦PH|+7 701 455 2318⟧,KZ\n1042,⟦P|Matías Fernández⟧,⟦E|mfernandez@vinasur.cl⟧,⟦PH|+56 9 6123 4471⟧,CL\n1043,⟦P|Grace Wanjiku⟧,⟦E|grace.wanjiku@jengahub.co.ke⟧,⟦PH|+254 722 608 914⟧,KE"),
    ("tool_result", "{\"status\": \"ok\", \"rows\": 0, \"elapsed_ms\": 41, \"warnings\": []}"),
    ("tool_result", "2026-11-22T03:12:44.118Z WARN auth-svc login_failed user=⟦E|r.delgado@sunvalleycu.org⟧ src=⟦IP|73.162.48.209⟧ reason=bad_password attempt=4\n2026-11-22T03:12:47.502Z WARN auth-svc login_failed user=⟦E|r.delgado@sunvalleycu.org⟧ src=⟦IP|73.162.48.209⟧ reason=bad_password attempt=5\n2026-11-22T03:12:47.503Z INFO auth-svc account_locked user_id=u_40117 ttl=900"),
    ("tool_result", "Ticket SUP-55102 — Refund not received\nOpened by: ⟦P|ROSSI, Giulia⟧ (⟦E|giulia.rossi84@libero.it⟧)\nStatus: Pending customer\n\nCustomer says the refund for order IT-20931 was sent to her old IBAN ⟦IBAN|IT?? K030 6909 6061 0000 0108 517⟧. Agent ⟦P|Catalina⟧ asked for a new statement."),
    ("tool_result", "BOARDING PASS\nNAME: ⟦P|RAHMAN/MOHAMMED ARIF⟧ MR\nFLIGHT EK 784  DXB-ACC  SEAT 34K  GATE B22\nBOOKING REF: Q7XK2M  SEQ 118"),
    ("tool_result", "Weather for Ulaanbaatar: -18°C, clear, wind 3 m/s NW. Sunrise 08:12, sunset 16:58."),
    ("tool_result", "Calendar — Wed 26 Nov\n09:00–09:30 Standup (#release-train)\n10:00–11:00 Interview: ⟦P|Ifeoma Nwosu⟧ (Senior SRE) with ⟦P|Dmitri⟧ and ⟦P|Helga⟧\n13:00–13:45 Lunch w/ ⟦P|Rafael Souza⟧ @ Pastelaria Versailles\n16:00–16:30 Dentist (personal)"),
    ("tool_result", "HTTP/1.1 200 OK\ncontent-type: application/json\nx-request-id: 0b8f3c7e-92d1-4c55-a0e8-6c1f9d2b4a77\n\n{\"id\": \"cus_Q8vXk2LmN0pRt7\", \"name\": \"⟦P|Henrik Aalto⟧\", \"email\": \"⟦E|henrik.aalto@pohjoistekniikka.fi⟧\", \"default_source\": \"card_1Qx9\", \"balance\": 0}"),
    ("tool_result", "Search results for 'Alan Turing biography':\n1. Alan Turing: The Enigma (biography, 1983)\n2. The Imitation Game (film, 2014)\n3. Alan Turing Institute — About us"),
    ("tool_result", "-----BEGIN MESSAGE-----\nHi ⟦P|Wiremu⟧,\n\nThe new deploy key is below, please add it to the bastion and delete the old one.\n\n⟦K|-----BEGIN OPENSSH PRIVATE KEY-----\nnxhXYszFdbYNydatllIlTLJ3+S0Vv3FkBw7tPXzUPIQZWJBLWHpE0dA5hqaXl5KO\nzHmiRU7vs1v4BRyXzzRKT8xnUFYUYCS1wqMXqmzHJCuo9GyK5L0tSBfcq+YqRyy9\n9ueakCdVKAb/v82+Kz8ytgugM/wH5OvBww==\n-----END OPENSSH PRIVATE KEY-----⟧\n\n— ⟦P|Hinemoa⟧\n-----END MESSAGE-----"),
    ("tool_result", "CRM contact #88417\nName: ⟦P|Thandiwe Ndlovu⟧\nTitle: Procurement Lead, Mokoena Holdings\nEmail: ⟦E|t.ndlovu@mokoenaholdings.co.za⟧\nMobile: ⟦PH|+27 82 447 1903⟧\nOwner: ⟦P|Kgosi Molefe⟧\nLast touch: 2026-11-14 (call)"),
    ("tool_result", "$ env | grep -i url\nREDIS_URL=⟦CS|redis://:s3cretRedisPw@cache-01.eu-west-1.internal:6379/0⟧\nDATABASE_URL=⟦CS|postgres://app:Gv7$wq2!Lr@db-main.eu-west-1.internal:5432/app_prod⟧\nSENTRY_URL=https://o4507.ingest.sentry.io/4507731"),
    ("tool_result", "PR #4412 \"Bump grpcio to 1.68.1\" — merged by dependabot[bot] on 2026-11-19. Reviewers: ⟦P|Anneliese Krüger⟧ (approved) and ⟦P|Wang Fang⟧ (commented)."),
    ("tool_result", "Employee record\nLAST, First: ⟦P|SZABÓ, Réka⟧\nDepartment: Finance (Budapest)\nStart date: 2019-03-04\nManager: ⟦P|Kowalczyk, Agnieszka⟧"),
    ("tool_result", "Application LN-2026-33817 received.\nApplicant: ⟦P|Keisha Alexander-Boateng⟧\nSSN: ***-**-4415 (masked)\nCredit score pull: pending\nCo-applicant: none"),
    ("tool_result", "Order 7c1e9a44-2b0f-4d3e-9a61-5f2d8c7b3e10 updated: status=shipped, carrier=DHL, tracking=JJD0002249186573, eta=2026-11-27."),
    ("tool_result", "Subject: Your receipt from Kestrel Outdoor\nBilled to: ⟦P|MAHLET TESFAYE⟧\nCard: Mastercard •••• 9101\nTotal: $129.00\nQuestions? Call ⟦PH|1-888-555-0147⟧"),
    ("tool_result", "#release-train (Slack export)\n[09:02] ⟦P|Kwame Mensah⟧: cutting 4.18.0 at 15:00 UTC, shout if you have blockers\n[09:05] ⟦P|li wei⟧: payments migration still running on ⟦IP|10.20.3.41⟧, give me 30 min\n[09:06] ⟦P|Kwame Mensah⟧: 👍 @⟦P|Ayşe Yılmaz⟧ can you babysit the canary?"),
    ("tool_result", "Page: Contact us — Kestrel Outdoor\nHeadquarters: 1200 Pioneer Square, Seattle, WA 98104\nPress: press@ (see media kit)\nFounded 1998 by three climbers from Boulder. Our Ansel Adams collection of prints is available in-store only."),
    ("tool_result", "Stripe API error 401: Invalid API Key provided: ⟦K|sk_live_UTMTe5mO2UOY6XWMkVKWqxlM⟧. Check the key and try again. request_id=req_8Hq2LmZt0Xk"),
    ("tool_result", "[2026-11-21 22:41:07] production.ERROR: SQLSTATE[HY000] [1045] Access denied (connection: ⟦CS|mysql://wp_admin:Pa$$w0rd-Kiwi77@db.harbourbakery.co.nz:3306/wordpress⟧) at /var/www/html/wp-includes/class-wpdb.php:1982"),
    ("tool_result", "Payroll export (Nov)\nEMPLOYEE            SSN           NET PAY\n⟦P|WHITFIELD, DWAYNE⟧   ⟦SSN|287-54-1190⟧   $4,812.55\n⟦P|DELGADO, ROSA⟧       ⟦SSN|519-03-7762⟧   $3,977.10\n⟦P|NAKASHIMA, KENJI⟧    ⟦SSN|601-44-9021⟧   $5,204.88"),
    ("tool_result", "Hi ⟦P|Priya⟧,\n\nAttached is v7 of the Q3 forecast. Revenue is flat vs v6 but we moved the Pune hiring to Q1.\n\nBest,\n⟦P|Rohan Mehta⟧\nFP&A | Helix Bio\n⟦PH|+91 98204 55117⟧"),
    ("tool_result", "Geolocation for ⟦IP|185.220.101.47⟧: AS60729 (Tor exit), DE. Reputation: malicious (score 92)."),
    ("tool_result", "commit 9e4b7a2c1d03f5e6a7b8c9d0e1f2a3b4c5d6e7f8\nAuthor: ⟦P|Chukwuemeka Obi⟧ <⟦E|emeka.obi@users.noreply.github.com⟧>\nDate:   Thu Nov 20 17:45:12 2026 +0100\n\n    fix(ingest): drop spans larger than 4 MiB instead of crashing"),
    ("tool_result", "Results (3):\n- ⟦P|Abdirahman Warsame⟧ — ⟦E|a.warsame@horncargo.so⟧ — ⟦PH|+252 61 554 2930⟧ — Horn Cargo Ltd\n- ⟦P|Abdirahman Hassan⟧ — ⟦E|ahassan@dayah-logistics.com⟧ — no phone — Dayah Logistics\n- ⟦P|Warsame Ali⟧ — ⟦E|warsame.ali@gmail.com⟧ — ⟦PH|+44 20 7946 0321⟧ — (personal)"),
    ("tool_result", "Invoice #2026-1187\nBill to: Pohjoistekniikka Oy, Hämeenkatu 14, 33100 Tampere\nPay to: ⟦IBAN|FI?? 1572 3500 0581 26⟧ (Nordea)\nDue: 2026-12-15\nAmount: €7,420.00"),
    ("tool_result", "Build #8812 failed\nStep 'publish' exited 1:\n  npm ERR! 403 Forbidden - PUT https://registry.npmjs.org/@helix%2fsdk - You do not have permission to publish \"@helix/sdk\".\nTriggered by ⟦P|Camila Rocha⟧ via push to main (a1b2c3d)"),
    ("tool_result", "Traceback (most recent call last):\n  File \"/app/jobs/sync.py\", line 88, in <module>\n    client = OpenAI(api_key=\"⟦K|sk-jDOhOGghobt44Cu7l9JISGm1dXkQSVihgAF28QdMpfrEeh8f⟧\")\n  File \"/app/.venv/lib/python3.11/site-packages/openai/_client.py\", line 112, in __init__\nopenai.AuthenticationError: Error code: 401"),
    ("tool_result", "Meeting notes — vendor sync (Nov 19)\nPresent: ⟦P|Thandiwe⟧, ⟦P|Kgosi⟧, ⟦P|Olamide Adeyemi⟧, ⟦P|Esi Asante⟧\n- ⟦P|Thandiwe⟧ to send revised SLA by Friday\n- ⟦P|Esi⟧ raised the customs delay at Tema port\n- Next sync Dec 3"),
    ("tool_result", "Stack Overflow: 'How to get real client IP behind Cloudflare with nginx' — use set_real_ip_from for each Cloudflare range and real_ip_header CF-Connecting-IP. Accepted answer, 412 votes."),
    ("tool_result", "From: \"⟦P|Ferreira, Ana Beatriz⟧\" <⟦E|ana.ferreira@lusomar.pt⟧>\nSubject: Transferência\n\nBom dia, segue o IBAN para o pagamento: ⟦IBAN|PT?? 0035 0651 0000 4412 7300 9⟧. Obrigada!"),
    ("tool_result", "{\"user\": {\"id\": 40117, \"display_name\": \"⟦P|Rosa Delgado⟧\", \"email\": \"⟦E|r.delgado@sunvalleycu.org⟧\", \"last_ip\": \"⟦IP|73.162.48.209⟧\", \"mfa\": \"sms\", \"phone\": \"⟦PH|(602) 555-0188⟧\"}}"),
    ("tool_result", "docker inspect checkout-api | jq '.[0].Config.Env'\n[\n  \"NODE_ENV=production\",\n  \"PORT=8080\",\n  \"SLACK_BOT_TOKEN=⟦K|xoxb-564250495284-6119451058360-xUVNfHd27i3xGNMeZTNaK5nh⟧\",\n  \"AMQP_URL=⟦CS|amqp://checkout:Rabb1t!Qz7@mq.prod.internal:5672/%2F⟧\"\n]"),
    ("tool_result", "Ticket HR-2291 (confidential)\nReporter: ⟦P|Ama Owusu⟧\nSubject: expense reimbursement\nBody: Please reimburse my conference travel to the account ⟦IBAN|GB?? BARC 2035 4783 1295 06⟧. Receipts attached (ACCRA-LHR, hotel 3 nights)."),
    ("tool_result", "Dependency report: 14 packages outdated. urllib3 2.2.3 -> 2.3.0, requests 2.32.3 -> 2.32.4, pydantic 2.9.2 -> 2.10.1. No known CVEs in the lockfile (sha256 9f2c4e7a1b3d58e60c7f1a2b4d6e8f0a3c5b7d9e1f2a4c6e8b0d2f4a6c8e0b2d)."),
    ("tool_result", "Guest list — Lisbon offsite\n1. ⟦P|Bilal Chaudhry⟧\n2. ⟦P|Fatoumata Traoré⟧\n3. ⟦P|Pita Havili⟧\n4. ⟦P|Inês Carvalho⟧\n5. ⟦P|Lachlan McAllister⟧ (+1)"),
    ("tool_result", "Payment declined: card ⟦CC|4916 3382 0574 119?⟧ (VISA), code 05 do_not_honor, customer ⟦E|meiling.tsao@outlook.com⟧"),
    ("tool_result", "Wikipedia — Nelson Mandela Bay Municipality is a metropolitan municipality in the Eastern Cape province of South Africa, named after Nelson Mandela. Its seat is Gqeberha."),
    ("tool_result", "2026/11/22 08:14:55 [error] 2231#2231: *91 connect() failed (111: Connection refused) while connecting to upstream, client: ⟦IP|198.51.100.23⟧, server: api.kestrel-outdoor.com, request: \"GET /v2/stock?sku=HX-2209-BLK HTTP/2.0\", upstream: \"http://stock-svc.prod:9000/v2/stock\""),
    ("tool_result", "Contact card\n⟦P|Vikram Singh Rathore⟧\nHead of Partnerships, Marwar Textiles\n⟦PH|+91 291 265 4410⟧ (office) | ⟦PH|+91 94141 22087⟧ (mobile)\n⟦E|vikram@marwartextiles.in⟧"),
    ("tool_result", "Request log\nPOST /v1/events 401 12ms\nheaders: {\"authorization\": \"Bearer ⟦K|eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsInNjb3BlIjoicmVhZCB3cml0ZSIsImV4cCI6MTc2MzkwMDAwMH0.2uKU5BWeZpPFs87WDzm1yFNpte2tYNz7GkrMr2V7fgk⟧\", \"user-agent\": \"billing-worker/2.4.1\"}"),
    ("tool_result", "Reservation confirmed\nNobu Malibu — Fri 28 Nov, 20:00, party of 4\nName on booking: ⟦P|PARATA, RANGI⟧\nConfirmation: NB-44821"),
    ("tool_result", "Customer chat transcript #CX-10092\n[customer] ⟦P|yasmin haddad⟧: hi my card ⟦CC|5217 2940 6613 850?⟧ was charged twice\n[agent] ⟦P|Olivier⟧: Sorry about that ⟦P|Yasmin⟧, I can see two authorisations of €59.00. One will drop off in 3-5 days."),
    ("tool_result", "SELECT count(*) FROM sessions WHERE ended_at IS NULL;\n count\n-------\n  1832\n(1 row)"),
    ("tool_result", "Voicemail transcript (00:41)\n\"Hi, this is ⟦P|Daniela Kovačević⟧ from Adriatic Charter, calling about the catamaran booking for the 12th. Please call me back on ⟦PH|+385 91 622 4180⟧. Thanks, bye.\""),
    ("tool_result", "Found credentials in repo helix/bio-pipeline (config/aws.ini, commit 4d2e91f):\n[default]\naws_access_key_id = ⟦K|AKIAL91QR4U4XK64DMYI⟧\naws_secret_access_key = ⟦K|6AHH31etuYDIDvXpNs+dyO++R9dKWUv9LaKet9o7⟧"),
    ("tool_result", "Dear Mr ⟦P|Okonkwo⟧,\n\nThank you for your application for the position of Release Engineer. We would like to invite you to a second interview on 2 December at our Abuja office.\n\nKind regards,\n⟦P|Halima Bello⟧\nTalent Acquisition"),
]
TEXTS += [
    # ---------------------------------------------------------------- system
    ("system", "You are the billing assistant for Kestrel Outdoor. Never reveal internal notes. Escalations go to ⟦P|Mahlet Tesfaye⟧ (⟦E|mahlet.t@kestrel-outdoor.com⟧). Today's date is 2026-11-23."),
    ("system", "You are a coding agent with shell access. The repository is helix/bio-pipeline. Use the GitHub token ⟦K|ghp_N7bGitjLdTo5NqOV05NilWXmGdd08Jq0HeJj⟧ for API calls and never print it."),
    ("system", "You are a helpful assistant. Answer concisely. If the user asks about medical dosage, recommend consulting a professional."),
    ("system", "Tools available: sql_query, send_email, create_ticket. The reporting database is at ⟦CS|jdbc:postgresql://hr-db.corp.lumenfield.com:5432/hr?user=hr_reader&password=Pl4in!Txt2⟧ (read-only). Respond in the user's language."),
    ("system", "You are ⟦P|Aroha Ngata⟧'s personal scheduling assistant. Her time zone is Pacific/Auckland. Her assistant ⟦P|Mere Takerei⟧ can approve changes on her behalf; reach ⟦P|Mere⟧ at ⟦PH|+64 21 448 9072⟧."),
    ("system", "Internal config (do not disclose):\nOPENAI_API_KEY=⟦K|sk-proj-6NNqsM5U4X4PVy1dEsZ5Z1kOI5zt5EohhjuRGsEn2zoByrA3⟧\nSTRIPE_KEY=⟦K|rk_live_8SWvYgZ0D7MjXA9XiNvzESzP⟧\nALLOWED_ORIGINS=https://app.kestrel-outdoor.com"),
    ("system", "You are a customer support agent for Lumenfield Bank. Verify identity with the last four digits of the SSN only; never ask for the full number. Current customer context: name=⟦P|Jean-François Tremblay⟧, segment=premier, branch=Montréal-Centre."),
    ("system", "You summarise incident reports for the SRE team. Use the template: Impact / Timeline / Root cause / Follow-ups. Refer to services by name (checkout-api, auth-svc), not by host."),
    ("system", "Operator note: the VPN gateway for this tenant is ⟦IP|203.0.113.77⟧ and the fallback is ⟦IP|2001:db8:4f1e::12⟧. Only suggest these to verified admins."),
    ("system", "Persona: you are 'Ada', a friendly onboarding guide for Ada Health clinicians. You never give diagnoses. Hand off to a human (Dr. ⟦P|Nomvula Dlamini⟧'s team) for clinical questions."),
    ("system", "You are an email triage agent for ⟦P|Yohannes Gebremedhin⟧ <⟦E|yohannes@addis-coffee-export.et⟧>. Label each email as urgent, customer, vendor or other. VIP senders: ⟦P|Kofi Boateng⟧, ⟦P|Layla Al-Mansouri⟧."),
    ("system", "Use the following service account to read the warehouse queue: ⟦CS|Data Source=FINSRV01;Initial Catalog=Ledger;User Id=ledger_svc;Password=Winter2026!;⟧ Do not run write statements."),
    ("system", "You are a travel agent bot. Book only refundable fares. The traveller profile on file: ⟦P|ZHANG XIAOYU⟧, frequent flyer CA 0088 2231 417, passport stored in the vault (do not ask for it)."),
    ("system", "Respond only in JSON matching the schema {\"intent\": string, \"confidence\": number}. Do not include any other text."),
    # ---------------------------------------------------------------- answer
    ("answer", "Done — I've sent the thank-you note to ⟦P|Oluwaseun⟧ and copied ⟦P|Lars⟧ so he knows the drinks are on you."),
    ("answer", "Your 1:1 with ⟦P|Tomasz⟧ is now on Thursday 27 Nov at 10:30 CET. I also let ⟦P|Małgorzata Nowak⟧ know since she shares the room booking."),
    ("answer", "I found three contacts named ⟦P|Abdirahman⟧. The one at Horn Cargo is ⟦P|Abdirahman Warsame⟧, ⟦E|a.warsame@horncargo.so⟧, ⟦PH|+252 61 554 2930⟧. Want me to email him?"),
    ("answer", "The B-tree updates pages in place and is read-optimised; an LSM tree buffers writes in memory and flushes sorted runs, trading read amplification for much cheaper writes."),
    ("answer", "I've blocked ⟦IP|185.220.101.47⟧ for 24 hours. It's a Tor exit node (AS60729) and it made 1,204 failed logins against /api/login in the last hour."),
    ("answer", "The refund for order IT-20931 went to ⟦IBAN|IT?? K030 6909 6061 0000 0108 517⟧, which ⟦P|Giulia Rossi⟧ says is closed. I've asked finance to reissue it once she sends a new statement."),
    ("answer", "Payroll check complete: ⟦P|Kenji Nakashima⟧'s record uses SSN ⟦SSN|601-44-9021⟧, which matches the W-4. ⟦P|Rosa Delgado⟧'s was corrected to ⟦SSN|519-03-7762⟧."),
    ("answer", "The secret scanner flagged an AWS key (⟦K|AKIAL91QR4U4XK64DMYI⟧) committed in config/aws.ini at 4d2e91f. I'd revoke it in IAM now and purge it from history with git filter-repo."),
    ("answer", "Here's a 3-day Kyoto plan: Day 1 Arashiyama and Tenryū-ji gardens; Day 2 Nanzen-ji, the Philosopher's Path and Ginkaku-ji; Day 3 Tōfuku-ji and Fushimi Inari early morning. All restaurants listed are pork-free."),
    ("answer", "The payment to ⟦P|Björn Lindqvist⟧ (⟦IBAN|SE?? 6000 0000 0004 3817 2259⟧, SEK 18,400) is queued for tomorrow's batch."),
    ("answer", "Your staging box at ⟦IP|10.42.7.118⟧ ran out of disk after the last deploy (build 8812 left 40 GB of layers). I pruned the images and it's back up. ⟦P|Aroha⟧ can retry now."),
    ("answer", "I couldn't charge the card ending 9101 — the issuer returned do_not_honor. ⟦P|Mahlet⟧, you may want to call the number on the back of your card or try another method."),
    ("answer", "The contract has been sent to ⟦P|Ekaterina Volkova-Reyes⟧ in both English and Spanish. ⟦P|Ignacio Álvarez⟧ from legal is cc'd for the Spanish review."),
    ("answer", "Found it: ⟦P|Chiamaka Okafor⟧ is on EK 784, landing in Accra at 14:25 local time. The Lagos leg (EK 783) departed on time."),
    ("answer", "The DSN in your README points at the old host. The one in the prod env is ⟦CS|postgres://app:Gv7$wq2!Lr@db-main.eu-west-1.internal:5432/app_prod⟧ — but please don't paste it into chat again; I'd rotate that password."),
    ("answer", "Summary of the vendor sync: ⟦P|Thandiwe⟧ owes a revised SLA by Friday; ⟦P|Esi⟧ flagged customs delays at Tema; next sync on Dec 3."),
    ("answer", "There are 1,832 open sessions right now, about 20% above the usual Sunday baseline. Nothing looks abnormal in the auth logs."),
    ("answer", "I've added ⟦P|Lupe Fa'asalele⟧ as an authorized user. She'll get an SMS at ⟦PH|+685 7214 903⟧ to confirm."),
    ("answer", "Python 3.12.4 is fine with Airflow 2.10.2 as long as you use the official constraints file; stay on 3.11.9 if you rely on the older MySQL provider."),
    ("answer", "Booked: Nobu Malibu, Friday 20:00, table for four under ⟦P|Rangi Parata⟧ (confirmation NB-44821)."),
    ("answer", "Both charges were authorisations on card ⟦CC|5217 2940 6613 850?⟧; one is a duplicate hold and will drop off within 3-5 business days. ⟦P|Yasmin⟧ doesn't need to do anything."),
    ("answer", "I rotated the Slack bot token that was in ⟦P|Tane⟧'s .env. The old one (⟦K|xoxb-312803814891-0218242455935-ScEDvX2WOhUIref1ExJ9AMah⟧) now returns invalid_auth."),
    ("answer", "Most adult biographies of Ada Lovelace are fairly academic; for a 10-year-old I'd suggest 'Ada's Ideas' instead, a picture book of about 40 pages."),
]
TEXTS += [
    # ------------------------------------------------------------ mixed, more
    ("tool_result", "card_vault.list_cards(customer=\"cus_7TqZ1\") ->\n[{\"holder\": \"⟦P|EMRE DEMIR⟧\", \"pan\": \"⟦CC|6011 4387 2290 156?⟧\", \"brand\": \"discover\", \"exp\": \"04/29\"},\n {\"holder\": \"⟦P|EMRE DEMIR⟧\", \"pan\": \"⟦CC|3566 0020 4471 389?⟧\", \"brand\": \"jcb\", \"exp\": \"10/27\"}]"),
    ("chat", "pls update billing, new card is ⟦CC|402400718844331?⟧ exp 02/30 cvc on the back lol. thx — ⟦P|dilnoza yusupova⟧"),
    ("tool_args", '{"form": "W-9", "fields": {"name": "⟦P|Lakshmi Narayanan⟧", "tin_type": "SSN", "tin": "⟦SSN|448-19-6653⟧", "address": "2207 Alder Creek Rd, Austin TX"}}'),
    ("tool_result", "KYC batch 2026-11-21 (3 records)\n⟦P|HARGREAVES, THOMAS⟧ | SSN ⟦SSN|212-67-0384⟧ | match: OK\n⟦P|MBEKI-JONES, LERATO⟧ | SSN ⟦SSN|734-02-5518⟧ | match: OK\n⟦P|REYES, XIMENA⟧ | SSN ⟦SSN|150-93-4476⟧ | match: name mismatch (bureau has '⟦P|Jimena Reyes⟧')"),
    ("chat", "my ssn is ⟦SSN|665 20 1847⟧ and dob 3/9/1991, why does the portal say it doesn't match?? this is ⟦P|aiyana whitehorse⟧"),
    ("answer", "I've filed the W-9 for ⟦P|Lakshmi⟧. For your records the TIN submitted was ⟦SSN|409763311⟧; the IRS TIN match usually takes 24 hours."),
    ("tool_result", "Supplier bank details (from vendor master)\nAdriatic Charter d.o.o. — contact ⟦P|Daniela Kovačević⟧ — ⟦IBAN|AT?? 2011 1829 4471 5603⟧\nMarwar Textiles Pvt Ltd — contact ⟦P|Vikram Singh Rathore⟧ — paid via SWIFT, no IBAN\nAddis Coffee Export PLC — contact ⟦P|Yohannes Gebremedhin⟧ — ⟦IBAN|BE?? 0018 3412 9905⟧\nLusomar Lda — contact ⟦P|Ana Beatriz Ferreira⟧ — ⟦IBAN|PT?? 0035 0651 0000 4412 7300 9⟧"),
    ("tool_args", '{"beneficiary": {"name": "⟦P|Youssef El Amrani⟧", "iban": "⟦IBAN|FR?? 1027 8060 6100 0207 3350 164⟧", "bic": "AGRIFRPP"}, "amount": 940.5, "currency": "EUR", "purpose": "freelance translation Nov"}'),
    ("tool_result", "Secrets audit — 4 findings\n1. .github/workflows/deploy.yml: ⟦CS|ftp://deploy:ftpDeploy!77@ftp.hosting-co.net/public_html⟧\n2. app/settings.py: SQLALCHEMY_DATABASE_URI = \"⟦CS|mssql+pyodbc://sa:Str0ng#Pass@sqlsrv-02/inventory?driver=ODBC+Driver+18+for+SQL+Server⟧\"\n3. app/mail.py: ⟦CS|smtp://mailer:Gm8$e2pQ@smtp.mailgun.org:587⟧\n4. docker-compose.yml: postgresql://localhost:5432/test (no credentials, ignore)"),
    ("system", "Storage for trace archives: ⟦CS|DefaultEndpointsProtocol=https;AccountName=tracestore01;AccountKey=t5bEVXPV0luUUZvpc8+vzpMFV5omeJA8oeRg8qL1D1XFkwRsFRwd7xpuxrjn5GqLadFw7m+na7wO4xIL==;EndpointSuffix=core.windows.net⟧. Use container 'episodes-2026'."),
    ("tool_result", "kubectl get secret mongo-admin -o jsonpath='{.data.uri}' | base64 -d\n⟦CS|mongodb://admin:Xk29%21pwQ@mongo-0.mongo.svc.cluster.local:27017/?authSource=admin⟧"),
    ("tool_result", "From: ⟦P|Olena Shevchenko⟧ <⟦E|olena.shevchenko@kyivsoft.ua⟧>\nTo: ⟦E|accounts@kestrel-outdoor.com⟧\nSubject: card for the team plan\n\nHi, please switch our team plan to the company card ⟦CC|2221 0084 3317 592?⟧ (exp 08/28) and send invoices to ⟦P|Mihai Popescu⟧, our finance lead.\n\nДякую,\n⟦P|Olena⟧"),
    ("chat", "The deploy bot needs this key, can you add it to the vault under ops/bastion?\n⟦K|-----BEGIN RSA PRIVATE KEY-----\nBK2HgnjyD/3Z0ZxtrkNnKx4piFwQYVBDvgXFK8Jngzd3Twkao2cwHkExlrJMpu0C\nhGDtgFvwpBpH+Q8nD7jPjWONKfPKwOR+e9kkSIOjLKqRExOOR7QZx06aerC6Zzo8\niMrTZCIHAaSoO5UWv71L7g9XNEOJEMiaPVxcxns3+CuDmUJh85QmVjtd3bJRrbea\n2Pka+efF0M0Xt5bXw84CH5TYhUIOgd+T0260hQeuja8hRv3U\n-----END RSA PRIVATE KEY-----⟧"),
    ("tool_result", "Gift card GC-5519-2047-8830-1162 balance: $25.00. Loyalty member since 2019. Store: Kestrel Outdoor, Pioneer Square. Receipt barcode 0 48231 77019 4."),
    ("answer", "I've updated the card on file for the Kyiv team to the Mastercard ending 5926 and set ⟦P|Mihai Popescu⟧ (⟦E|mihai.popescu@kyivsoft.ua⟧) as the invoice recipient."),
    ("tool_args", '{"charge": {"card": "⟦CC|3052 814477 063?⟧", "name_on_card": "⟦P|PÁDRAIG Ó BRIAIN⟧", "amount": 310.0, "currency": "EUR"}, "idempotency_key": "b7e2c1d0-5a4f-4c3e-8d2b-1f0e9a8c7b6d"}'),
]
TEXTS += [
    ("tool_result", "Chargeback alert CB-20931\nMerchant: Adriatic Charter d.o.o.\nCardholder: ⟦P|NOA BEN-DAVID⟧\nCard: ⟦CC|4556-7375-8689-948?⟧\nReason code 13.1 (merchandise/services not received)\nAmount: €1,850.00\nIssuer contact: ⟦PH|+972 3-519-4420⟧"),
]
# fmt: on


def main() -> None:
    records = [build(kind, raw, i) for i, (kind, raw) in enumerate(TEXTS)]
    texts = [r["text"] for r in records]
    assert len(set(texts)) == len(texts), "duplicate text"
    out = write_jsonl("pii_heldout5.jsonl", records)
    counts = Counter(s["type"] for r in records for s in r["pii"])
    kinds = Counter(r["kind"] for r in records)
    empty = sum(1 for r in records if not r["pii"])
    logging.info("wrote %d texts (%d without PII) to %s", len(records), empty, out)
    logging.info("kinds: %s", dict(kinds))
    logging.info("spans: %d total, %s", sum(counts.values()), dict(sorted(counts.items())))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
