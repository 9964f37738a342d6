"""Build benchmarks/data/pii_heldout7.jsonl: a blind, hand-written PII set for the categories issue 10 found leaking.

Written before any recognizer was changed for them, by someone who had not read the recognizers: tool definitions
whose descriptions carry PII (kind ``tool_def``, the ``tools`` field of a training row), street addresses, e-mail
addresses on internal domains (``.internal``, ``.local``, ``.corp``, ``.lan``), lowercase and hyphenated names, the
project's own ``tw_`` API keys, driver's licence numbers, dates of birth, phone numbers written with dots, and
numbers with a clear cue that fail numbering-plan validation. Every text also carries plain words that are not PII
(dates that are not birthdays, versions, order numbers, towns outside an address), so the word-keep rate is measured
on the same texts. Nobody tunes on this set: the recognizers were tuned on separate dev examples
(``tests/curator/redaction/test_issue10_dev.py``), and only this set's totals are reported.

Gold spans are marked inline as «TYPE|value» and converted to character offsets here; generated key bodies are
referenced as ⟦name⟧. ``python -m benchmarks.data.make_pii_heldout7`` writes the committed file again byte for byte.
"""

from __future__ import annotations

import random
import string

from benchmarks.data._guillemet_set import tool_json, write_set
from benchmarks.data._pii_marks import KINDS

R = random.Random(70707)
URLSAFE = string.ascii_letters + string.digits + "-_"


def rs(n: int, alphabet: str = URLSAFE) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


V: dict[str, str] = {f"tw{i}": "tw_" + rs(43) for i in range(1, 7)}


def J(obj) -> str:
    return tool_json(obj, V)


def tool(name: str, description: str, **params: str) -> dict:
    """An OpenAI-style function definition, as a training row's ``tools`` field holds it."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {k: {"type": "string", "description": v} for k, v in params.items()},
            },
        },
    }


# fmt: off
TEXTS: list[tuple[str, str]] = [
    # ---- tool definitions with PII in their descriptions
    ("tool_def", J([tool("escalate_ticket", "Escalates a ticket to the tier-2 lead, «P|Marguerite Okonjo-Bassey» («E|m.okonjo-bassey@support.lakeshore.internal»). Use only for outages.", ticket_id="The ticket number, e.g. LS-40211")])),
    ("tool_def", J([tool("page_oncall", "Pages the on-call SRE. If PagerDuty is down, call «P|Dmitri Valchev» on «T|415.555.0173».", severity="sev1, sev2 or sev3")])),
    ("tool_def", J([tool("ship_sample", "Ships a product sample from the lab at «ADDR|2201 Harbor Bay Parkway, Alameda, CA 94502». Samples over 2 kg need approval.", sku="Catalogue SKU", quantity="How many units")])),
    ("tool_def", J([tool("query_crm", "Reads the CRM. Service credential: «K|⟦tw1⟧». Read-only; never writes.", customer="Customer id or name")])),
    ("tool_def", J([tool("book_room", "Books meeting rooms in the Leeds office. Facilities contact is «P|gwen ashworth-price», ext 4471.", room="Room name", start="ISO start time")])),
    ("tool_def", J([tool("verify_driver", "Checks a courier's licence against the DMV record; the test record is licence «DL|D4418273» for «P|Hector Villanueva».", license_number="Licence number as printed")])),
    ("tool_def", J([tool("notify_owner", "Sends an SMS to the account owner «P|Priya Sundaram-Iyer» at «T|+1.206.555.0148» when a refund exceeds $500.", message="Text to send")])),
    ("tool_def", J([tool("get_weather", "Returns the forecast for a city. Data comes from the public Open-Meteo API and is cached for ten minutes.", city="City name, e.g. Lisbon")])),
    # ---- street addresses
    ("chat", "please send the replacement router to «ADDR|4417 Old Mill Road, Apt 3B, Bozeman, MT 59715» instead of the office, I'm working from home all of next week"),
    ("tool_result", J({"order": "SO-88120", "status": "packed", "ship_to": {"name": "«P|Anneliese Brandt»", "street": "«ADDR|Kastanienallee 41»", "city": "«ADDR|10435 Berlin»", "country": "DE"}, "carrier": "DHL Paket"})),
    ("answer", "The inspection is booked for Tuesday at 9:30. The inspector will come to «ADDR|77 Wellington Street, Flat 2, Cheltenham GL50 1XY» and needs access to the loft."),
    ("tool_args", J({"recipient": "«P|Oskar Lindahl»", "address_line1": "«ADDR|Sveavägen 118»", "postal_code": "«ADDR|113 50»", "city": "Stockholm", "service": "express"})),
    ("system", "You route deliveries for Bayline Couriers. The depot is at Pier 39 in San Francisco; all pickups are scheduled through the dispatch board, never by phone."),
    ("tool_result", "Customer note: gate code 4410, leave parcels with the neighbour at «ADDR|19 Rue des Lilas, 69003 Lyon» if nobody answers. Fragile: glassware."),
    ("chat", "my billing address changed to «ADDR|PO Box 2281, Juneau, AK 99803», the card is the same one ending 4412"),
    ("answer", "Route summary: 14 stops, 61 km. The longest leg is from the Ridgeway depot to Marlow, about 40 minutes in normal traffic."),
    # ---- internal e-mail domains
    ("tool_result", "2026-02-11T08:02:17Z ERROR mailer: bounce for «E|k.haraldsen@ops.fjordnet.internal» (550 mailbox full), retry scheduled in 30m"),
    ("chat", "cc «E|build-bot@ci.local» and «E|tamsin.orourke@finance.corp» on the release email for 4.2.0 please"),
    ("tool_args", J({"to": ["«E|hr-payroll@intranet.lan»"], "subject": "Overtime for January", "body": "Please approve the attached timesheet. Thanks, «P|Ravi»"})),
    ("answer", "I opened INC-7731 and assigned it to the storage team; updates will come from «E|storage-oncall@infra.hollowpine.internal»."),
    # ---- lowercase and hyphenated names
    ("chat", "can you ask «P|mei-lin chao» whether the vendor contract was signed? legal needs it before the quarter closes"),
    ("chat", "talked to «P|jonas eriksson-lund» yesterday, he thinks the migration can wait until april"),
    ("tool_result", "Attendees: «P|Sarah Whitfield-Ng», «P|Tobias Kranz», «P|Aiko Tanaka-Brooks»\nDecisions: freeze the schema on March 3; move the load test to staging-2.\nAction items: «P|Tobias» to draft the rollback plan."),
    ("answer", "Your appointment with «P|Ngozi Eze-Williams» is confirmed for 11 March at 14:15 in room 204."),
    ("tool_args", J({"assignee": "«P|lucia fernández-ortega»", "title": "Broken export on the invoices page", "labels": ["bug", "billing"]})),
    ("chat", "who approved the discount for the hartley account? «P|daniel okafor» says it wasn't him"),
    ("system", "You help the recruiting team. The hiring manager for the platform role is «P|Ingrid Solberg-Haug»; send shortlists to her and nobody else."),
    ("tool_result", "Reviewer: «P|yusuf al-khatib»\nVerdict: approve with nits\nComment: rename the helper, add a test for the empty case."),
    # ---- tw_ API keys
    ("chat", "here's my ingest key in case you need it: «K|⟦tw2⟧» — the collector keeps returning 401 since this morning"),
    ("tool_result", "export TRACEWHEEL_ENDPOINT=https://traces.example.net\nexport TRACEWHEEL_API_KEY=«K|⟦tw3⟧»\npython run_agent.py --tenant acme"),
    ("tool_args", J({"command": "curl -s -H 'Authorization: Bearer «K|⟦tw4⟧»' https://collector.example.net/v1/traces -d @spans.json"})),
    ("answer", "Rotate the key that appeared in the log («K|⟦tw5⟧»): create a new one with `tracewheel tenants add-key`, update the agent, then revoke the old one."),
    # ---- driver's licence numbers
    ("tool_result", "DRIVER CHECK RESULT\nName: «P|Carla Benedetti»\nLicense No.: «DL|B6219044»\nState: CA\nClass: C\nStatus: VALID, no points"),
    ("chat", "rental desk wants my driver's license number, it's «DL|741 239 806» (new york). do I also need the passport?"),
    ("tool_args", J({"driver_name": "«P|Mehmet Yildiz»", "drivers_license": "«DL|Y425-118-79-311-0»", "state": "FL", "vehicle": "Ford Transit, plate 9XKM214"})),
    ("answer", "I've updated the fleet record: «P|Graham Pollock», UK driving licence «DL|POLLO804127GJ9LK», category C1, expires 2031."),
    # ---- dates of birth
    ("tool_result", J({"patient_id": "PT-20931", "name": "«P|Rosalind Achterberg»", "dob": "«DOB|1979-11-23»", "allergies": ["penicillin"], "last_visit": "2026-01-14"})),
    ("chat", "for the insurance form: born «DOB|14 August 1991», policy starts on the 1st of next month"),
    ("tool_args", J({"first_name": "«P|Kwame»", "last_name": "«P|Asante»", "date_of_birth": "«DOB|03/07/1985»", "plan": "family"})),
    ("answer", "The booking needs the traveller's date of birth; I have «DOB|22 Feb 1968» on file for Mr. «P|Halvorsen»'s passport — please confirm it is still correct."),
    ("tool_result", "Member: «P|Esperanza Quintero»\nDOB: «DOB|5/30/2001»\nMember since: 2019\nNext renewal: 2026-06-30"),
    # ---- phone numbers written with dots
    ("chat", "new desk number is «T|650.253.0000», the old one forwards for another month"),
    ("tool_result", "Branch directory\nPortland — «T|503.555.0122»\nSeattle — «T|(206) 555.0190»\nBoise — «T|208.555.0137»\nHours: Mon–Fri 8–6"),
    ("answer", "I left a voicemail for «P|Bernadette Quigley» at «T|312.555.0161» and will try again after lunch."),
    ("tool_args", J({"contact": {"name": "«P|Arjun Mehta»", "phone": "«T|+1.917.555.0102»"}, "note": "prefers texts"})),
    # ---- cued numbers that fail numbering-plan validation
    ("chat", "call me back at «T|555-0123» after 5, I'm in meetings until then"),
    ("tool_result", J({"lead": "Harbor Dental", "contact": "«P|Tess Morrow»", "phone": "«T|(123) 456-7890»", "source": "web form"})),
    ("chat", "if the courier gets lost they can ring me on «T|0800 000 0000», that's my work line"),
    ("tool_args", J({"customer_name": "«P|Felix Brandauer»", "mobile": "«T|+49 000 12345678»", "channel": "sms"})),
    ("answer", "The form listed «T|111-222-3333» as the callback number, which looks like a placeholder; I asked «P|Rhea» to confirm her real number."),
    ("tool_result", "Caller ID: «T|+1 (100) 555-0145»\nDuration: 04:12\nSummary: asked about the late fee, promised to pay Friday."),
    # ---- mixed, realistic
    ("tool_result", "From: «P|Wilhelmina Osei» <«E|w.osei@legal.brightwater.local»>\nSubject: signed lease\n\nThe signed lease for «ADDR|890 Larkspur Lane, Unit 12, Boulder, CO 80302» is attached. My DOB for the background check is «DOB|09/12/1983» and my license is «DL|CO 12-345-6789».\n\n«P|Wilhelmina»"),
    ("tool_args", J({"name": "«P|roisin mcallister-byrne»", "email": "«E|roisin@desk.tullamore.internal»", "phone": "«T|087.555.0119»", "address": "«ADDR|12 Church Street, Tullamore, Co. Offaly R35 X2Y4»"})),
    ("answer", "Summary for the claim: policyholder «P|Theo van der Linde-Smit», born «DOB|1 April 1990», reachable at «T|206.555.0183». The adjuster visits «ADDR|301 Pine Street, Seattle, WA 98101» on Monday."),
    ("system", "You are the front-desk agent for Maplewood Clinic. Never confirm appointments by e-mail; patients call the clinic. Opening hours are 8:00–18:00, Monday to Saturday."),
    ("chat", "the deploy on 2026-03-02 went fine, version 3.8.14 is live on all 12 nodes. next window is march 16"),
    ("tool_result", "Build #4471 passed in 6m 12s\nArtifacts: app-3.8.14.tar.gz (41.2 MB), checksums.txt\nCommit 9c1e7a2 by release-bot"),
]
# fmt: on


def main() -> None:
    write_set("pii_heldout7.jsonl", "ho7", TEXTS, V, KINDS | {"tool_def"})


if __name__ == "__main__":
    main()
