"""Make ``benchmarks/data/pii_heldout2.jsonl``: a second held-out PII set, aimed at PERSON (reproducible, seeded).

Written by hand before the name recognizers were tuned, and not used to tune them: new templates in the shapes
agent traces take (chat turns, e-mails inside tool results, JSON tool arguments, CRM records, CSV and Markdown
tables, git trailers, calendar entries, support transcripts), names from many cultures typed in here rather than
drawn from Faker (so that a gazetteer built from Faker's lists is not graded on its own source), names with and
without cues, and hard negatives: common words that are also first names (Max, Will, Grace, Bill, May, Mark),
products, tools, cities. Same record format as ``pii_corpus.jsonl``: ``{"id", "kind", "text", "pii": [...]}``.

The committed ``pii_heldout2.jsonl`` is the source of truth; this file is its provenance, and
``python -m benchmarks.data.make_pii_heldout2`` writes it again byte for byte. ``build`` also makes set 3
(``make_pii_heldout3.py``) from that set's own names and templates.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from benchmarks.data._heldout_writer import write_jsonl

SEED = 4_2026_11
SIZE = 240

# (full name as written, how a colleague addresses them). Typed by hand, many regions and writing conventions.
# fmt: off
NAMES: list[tuple[str, str]] = [
    ("Chukwuemeka Obi", "Chukwuemeka"), ("Ngozi Adeyemi", "Ngozi"), ("Oluwaseun Bakare", "Seun"),
    ("Wanjiru Kamau", "Wanjiru"), ("Otieno Odhiambo", "Otieno"), ("Abebe Bekele", "Abebe"),
    ("Tigist Haile", "Tigist"), ("Kwame Mensah", "Kwame"), ("Amara Diallo", "Amara"), ("Thandiwe Nkosi", "Thandiwe"),
    ("Mohammed Al-Farsi", "Mohammed"), ("Fatima Zahra Benali", "Fatima"), ("Omar bin Khalid", "Omar"),
    ("Layla Haddad", "Layla"), ("Youssef El Amrani", "Youssef"), ("Emre Yılmaz", "Emre"), ("Ayşe Demir", "Ayşe"),
    ("Dariush Farahani", "Dariush"), ("Shirin Tehrani", "Shirin"), ("Venkatesh Raghunathan", "Venkatesh"),
    ("Priyanka Chaturvedi", "Priyanka"), ("Harpreet Kaur Sandhu", "Harpreet"), ("Imran Qureshi", "Imran"),
    ("Tanvir Hossain", "Tanvir"), ("Dilshan Wickramasinghe", "Dilshan"), ("Lakshmi Subramanian", "Lakshmi"),
    ("Zhang Wei", "Wei"), ("Liu Yang", "Yang"), ("Chen Xiaoming", "Xiaoming"), ("Huang Meiling", "Meiling"),
    ("Haruto Takahashi", "Haruto"), ("Yuki Nakamura", "Yuki"), ("Aiko Sato", "Aiko"), ("Park Ji-hoon", "Ji-hoon"),
    ("Kim Soo-yeon", "Soo-yeon"), ("Lee Min-jun", "Min-jun"), ("Nguyễn Thị Lan", "Lan"), ("Trần Văn Minh", "Minh"),
    ("Somchai Srisuk", "Somchai"), ("Anong Chaiyaporn", "Anong"), ("Maria Clara Dela Cruz", "Clara"),
    ("Budi Santoso", "Budi"), ("Siti Nurhaliza", "Siti"), ("Dmitri Volkov", "Dmitri"),
    ("Anastasia Kuznetsova", "Anastasia"), ("Oleksandr Shevchenko", "Oleksandr"), ("Krzysztof Wiśniewski", "Krzysztof"),
    ("Agnieszka Zielińska", "Agnieszka"), ("Jiří Dvořák", "Jiří"), ("Zsófia Horváth", "Zsófia"),
    ("Konstantinos Papadopoulos", "Kostas"), ("Ioana Popescu", "Ioana"), ("Sigríður Jónsdóttir", "Sigga"),
    ("Bjørn Haugland", "Bjørn"), ("Åsa Lindqvist", "Åsa"), ("Aino Virtanen", "Aino"),
    ("Jan-Willem van der Berg", "Jan-Willem"), ("Femke de Vries", "Femke"), ("Jürgen von Hohenberg", "Jürgen"),
    ("Anne-Sophie Dubois", "Anne-Sophie"), ("Jean-Luc Lefèvre", "Jean-Luc"), ("José María García de la Fuente", "Chema"),
    ("João Pedro dos Santos", "João"), ("Thiago Oliveira", "Thiago"), ("Giuseppe Di Stefano", "Giuseppe"),
    ("Chiara D'Amico", "Chiara"), ("Siobhán O'Sullivan", "Siobhán"), ("Niamh Ní Bhriain", "Niamh"),
    ("Hamish MacLeod", "Hamish"), ("Rhys ap Gwilym", "Rhys"), ("Yael Ben-David", "Yael"), ("Avi Rosenblum", "Avi"),
    ("Keoni Kahananui", "Keoni"), ("Aroha Te Whata", "Aroha"), ("Ximena Huamán Quispe", "Ximena"),
    ("Guadalupe Hernández", "Lupe"), ("Emily Watson", "Emily"), ("Marcus Thompson", "Marcus"),
    ("Grace Okafor", "Grace"), ("Will Pemberton", "Will"), ("Max Hoffmann", "Max"), ("Mark Ashworth", "Mark"),
    ("Rose Mbeki", "Rose"), ("June Tanaka", "June"), ("Bill Nakashima", "Bill"), ("May Lindgren", "May"),
    ("Ludmila Petrović", "Ludmila"), ("Nikola Jovanović", "Nikola"), ("Tomasz Kowalczyk", "Tomasz"),
    ("Elif Şahin", "Elif"), ("Rania Aziz", "Rania"), ("Tariq Mahmood", "Tariq"), ("Sunita Reddy", "Sunita"),
    ("Arjun Menon", "Arjun"), ("Kavya Iyer", "Kavya"), ("Ravindra Deshpande", "Ravi"), ("Mei Ling Tan", "Mei Ling"),
    ("Wei Jie Lim", "Wei Jie"), ("Hiroshi Matsumoto", "Hiroshi"), ("Sakura Yamamoto", "Sakura"),
    ("Declan Byrne", "Declan"), ("Saoirse Gallagher", "Saoirse"), ("Pieter Vermeulen", "Pieter"),
    ("Ingrid Halvorsen", "Ingrid"), ("Matteo Ricci", "Matteo"), ("Beatriz Carvalho", "Beatriz"),
    ("Camila Restrepo", "Camila"), ("Santiago Ochoa", "Santiago"), ("Valentina Morales", "Valentina"),
    ("Olumide Adebayo", "Olumide"), ("Folake Oyelaran", "Folake"), ("Kofi Boateng", "Kofi"),
    ("Zanele Dlamini", "Zanele"), ("Mehmet Öztürk", "Mehmet"), ("Nasrin Karimi", "Nasrin"),
    ("Bartholomew Quince", "Bart"), ("Tobias Feldmann", "Tobias"), ("Cosima Brandt", "Cosima"),
]
# fmt: on

# Common words and product names that must survive (capitalized as they would be in a trace).
COMPANIES = [
    "Acme Corp",
    "Northwind Traders",
    "Globex",
    "Initech",
    "Blue Harbor Logistics",
    "Vandelay Industries",
]
PRODUCTS = ["Starter plan", "Pro plan", "Max plan", "Rose Gold case", "Grace Period add-on", "Team seat"]
CITIES = ["Austin", "Victoria", "Florence", "Sydney", "Lagos", "Osaka", "Porto", "Jordan"]
TOOLS = ["Jenkins", "Sentry", "Grafana", "Jira", "Confluence", "Salesforce", "HubSpot", "Zendesk"]
DOMAINS = ["example.com", "example.org", "acme.io", "mail.example.net"]

# {P}/{P2}/{P3}: full name; {F}/{F2}: the short form of that same person; {E}: e-mail; {PH}: phone;
# {SUP}/{CI}: role mailboxes (still e-mail addresses, so labelled).
# [C] company, [PR] product, [CITY], [TOOL], [N] a number, [D] a date: never PII.
TEMPLATES: list[tuple[str, str]] = [
    # chat turns
    ("chat", "hey can you move my 3pm with {P} to thursday? [PR] renewal is due [D]."),
    ("chat", "Please loop in {P} from legal before we sign with [C]."),
    ("chat", "{P} approved the refund yesterday, can you process it?"),
    ("chat", "Is {P}'s laptop ready for pickup at the [CITY] office?"),
    ("chat", "My name is {P} and I can't log in since the [TOOL] upgrade."),
    ("chat", "Will the [PR] still work if I downgrade? Max tokens is set to [N]."),
    ("chat", "Thanks {F}! Mark this as resolved please, the Grace period ends on [D]."),
    ("chat", "Can you draft a reply to {P} saying we'll ship by [D]?"),
    # e-mails inside tool results
    (
        "tool_result",
        "From: {P} <{E}>\nTo: {SUP}\nSubject: Invoice [N] overdue\n\nHi team,\n\nOur invoice [N] from "
        "[C] is still unpaid. Could you check?\n\nBest,\n{F}",
    ),
    (
        "tool_result",
        "Subject: Re: onboarding\nFrom: {E}\n\nDear {F},\n\nwelcome aboard! {P2} will be your buddy for the first "
        "week in [CITY].\n\nKind regards,\n{P3}\nHead of People, [C]",
    ),
    (
        "tool_result",
        "---------- Forwarded message ---------\nFrom: {P} <{E}>\nDate: [D]\n\nPlease see below.\n\nCheers,\n{F}",
    ),
    # JSON tool arguments
    ("tool_args", '{"customer": "{P}", "priority": "high", "plan": "[PR]"}'),
    ("tool_args", '{"assignee": "{P}", "title": "Fix [TOOL] alert", "labels": ["bug"]}'),
    ("tool_args", '{"attendees": ["{P}", "{P2}"], "start": "[D]T10:00:00Z", "location": "[CITY]"}'),
    (
        "tool_args",
        '{"to": "{E}", "subject": "Your order", "body": "Hi {F},\\nyour order [N] has shipped.\\n\\nThanks,\\n{P2}"}',
    ),
    ("tool_args", '{"query": "orders placed by {P} since [D]", "limit": [N]}'),
    ("tool_args", '{"contact": {"first_name": "{FIRST}", "last_name": "{LAST}", "email": "{E}"}}'),
    ("tool_args", '{"message": "@{F} can you review PR #[N]?", "channel": "#eng"}'),
    # CRM records, tables, logs
    (
        "tool_result",
        "Contact: {P}\nTitle: VP Procurement\nCompany: [C]\nPhone: {PH}\nAccount owner: {P2}\nLast activity: [D]",
    ),
    ("tool_result", "id,name,email,city\n[N],{P},{E},[CITY]\n[N],{P2},{E2},[CITY]"),
    (
        "tool_result",
        "| Name | Team | Location |\n|---|---|---|\n| {P} | Sales | [CITY] |\n| {P2} | Support | [CITY] |",
    ),
    (
        "tool_result",
        '{"results": [{"full_name": "{P}", "department": "Finance", "manager": "{P2}"}], "total": 1}',
    ),
    (
        "tool_result",
        "commit [SHA]\nAuthor: ci-bot <{CI}>\n\n    Fix rounding\n\n    Co-authored-by: {P} <{E}>",
    ),
    ("tool_result", "Event: Q3 review\nOrganizer: {P}\nAttendees: {P2}, {P3}\nWhen: [D] 14:00 ([CITY])"),
    ("tool_result", "[10:42] {F}: deploy is green on [TOOL]\n[10:43] {F2}: nice, merging now"),
    (
        "tool_result",
        "Agent: How can I help?\nCustomer ({P}): my [PR] was charged twice.\nAgent: Sorry about that, {F}.",
    ),
    (
        "tool_result",
        '{"ticket": [N], "requester": {"name": "{P}", "email": "{E}"}, "status": "open", "tool": "[TOOL]"}',
    ),
    # system prompts and final answers
    ("system", "You are Nova, the helpdesk assistant for [C]. Escalate billing disputes to {P} ({E})."),
    ("final", "I've sent the contract to {P} and copied {P2}. The [PR] starts on [D]."),
    ("final", "Done. {F} from [C] confirmed the delivery to [CITY]; I closed ticket [N]."),
    ("final", "According to [TOOL], {P} owns the [CITY] account; I suggest reaching out to them directly."),
    # negatives: no PII at all
    ("chat", "Bill to: [C], [CITY]. Will the [PR] invoice arrive in May or June?"),
    (
        "tool_result",
        "[TOOL] build [N] passed. Mark as released? The Grace period for the [CITY] offsite ends soon.",
    ),
    (
        "final",
        "The Max plan includes [N] seats; Rose Gold cases ship from [CITY]. Jordan and Victoria warehouses are open.",
    ),
    (
        "tool_result",
        '{"pipeline": "[TOOL]", "stage": "Deploy", "owner_team": "Platform", "region": "[CITY]"}',
    ),
]

_SLOT = re.compile(r"\{(P|p|P2|P3|F|F2|E|E2|PH|FIRST|LAST|SUP|CI)\}|\[(C|PR|CITY|TOOL|N|D|SHA|DOMAIN)\]")


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c in ".-")
    )


def _email(rng: random.Random, name: str) -> str:
    parts = [_ascii(p).lower() for p in name.split()]
    local = rng.choice([f"{parts[0]}.{parts[-1]}", f"{parts[0][0]}{parts[-1]}", parts[0]])
    return f"{local}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random) -> str:
    return rng.choice(
        [f"+1 415 555 {rng.randrange(1000, 9999)}", f"+44 20 7946 {rng.randrange(1000, 9999)}",
         f"+49 30 {rng.randrange(1000000, 9999999)}", f"+234 803 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"]
    )  # fmt: skip


def _fill(kind: str, template: str, rng: random.Random, names: list[tuple[str, str]]) -> dict:
    is_json = template.startswith('{"')
    people = rng.sample(names, 3)
    values = {
        "P": people[0][0], "p": people[0][0].lower(), "P2": people[1][0], "P3": people[2][0], "F": people[0][1], "F2": people[1][1],
        "FIRST": people[0][0].split(" ", 1)[0], "LAST": people[0][0].split(" ", 1)[1],
        "E": _email(rng, people[0][0]), "E2": _email(rng, people[1][0]), "PH": _phone(rng),
        "SUP": f"support@{rng.choice(DOMAINS)}", "CI": f"ci@{rng.choice(DOMAINS)}",
    }  # fmt: skip
    types = {"P": "PERSON", "p": "PERSON", "P2": "PERSON", "P3": "PERSON", "F": "PERSON", "F2": "PERSON", "FIRST": "PERSON",
             "LAST": "PERSON", "E": "EMAIL_ADDRESS", "E2": "EMAIL_ADDRESS", "PH": "PHONE_NUMBER",
             "SUP": "EMAIL_ADDRESS", "CI": "EMAIL_ADDRESS"}  # fmt: skip
    fillers = {
        "C": lambda: rng.choice(COMPANIES), "PR": lambda: rng.choice(PRODUCTS), "CITY": lambda: rng.choice(CITIES),
        "TOOL": lambda: rng.choice(TOOLS), "N": lambda: str(rng.randrange(10, 99999)),
        "D": lambda: f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "SHA": lambda: "".join(rng.choice("0123456789abcdef") for _ in range(40)),
        "DOMAIN": lambda: rng.choice(DOMAINS),
    }  # fmt: skip
    out, pii, pos, last = [], [], 0, 0
    for m in _SLOT.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        last = m.end()
        if m.group(2):
            text = fillers[m.group(2)]()
        else:
            raw = values[m.group(1)]
            text = json.dumps(raw, ensure_ascii=False)[1:-1] if is_json else raw
            pii.append({"type": types[m.group(1)], "value": text, "start": pos, "end": pos + len(text)})
        out.append(text)
        pos += len(text)
    out.append(template[last:])
    text = "".join(out)
    if is_json:
        json.loads(text)
    return {"kind": kind, "text": text, "pii": pii}


def build(size: int = SIZE, seed: int = SEED, templates=None, names=None) -> list[dict]:
    rng = random.Random(seed)
    templates, names = templates or TEMPLATES, names or NAMES
    return [{"id": f"ho2-{i:04d}", **_fill(*templates[i % len(templates)], rng, names)} for i in range(size)]


def report(out: Path, records: list[dict]) -> None:
    persons = sum(p["type"] == "PERSON" for r in records for p in r["pii"])
    print(f"wrote {len(records)} records ({persons} PERSON values) to {out}")


def main() -> None:
    records = build()
    report(write_jsonl("pii_heldout2.jsonl", records), records)


if __name__ == "__main__":
    main()
