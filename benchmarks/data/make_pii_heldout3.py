"""Make ``benchmarks/data/pii_heldout3.jsonl``: a third held-out PII set, aimed at PERSON (reproducible, seeded).

Written after the recognizers were done and measured once, as a check on set 2 (``make_pii_heldout2.py``) having
steered the generic fixes made after its first measurement: other people, other templates, two lowercase chat
turns; filled by set 2's ``build`` with its own seed.

The committed ``pii_heldout3.jsonl`` is the source of truth; this file is its provenance, and
``python -m benchmarks.data.make_pii_heldout3`` writes it again byte for byte.
"""

from __future__ import annotations

from benchmarks.data._heldout_writer import write_jsonl
from benchmarks.data.make_pii_heldout2 import SEED, build, report

# Written after the recognizers were done and measured once, as a check on set 2 having steered the
# generic fixes made after its first measurement. Other people, other templates; two lowercase chat turns.
# fmt: off
NAMES3: list[tuple[str, str]] = [
    ("Adaeze Nwosu", "Adaeze"), ("Babajide Ogunleye", "Jide"), ("Nomvula Khumalo", "Nomvula"),
    ("Mulugeta Tesfaye", "Mulugeta"), ("Hassan Al-Rashid", "Hassan"), ("Leila Mansouri", "Leila"),
    ("Cemre Aksoy", "Cemre"), ("Arash Moradi", "Arash"), ("Sanjay Krishnamurthy", "Sanjay"),
    ("Ananya Bhattacharya", "Ananya"), ("Gurpreet Singh Gill", "Gurpreet"), ("Nimal Perera", "Nimal"),
    ("Wang Fang", "Fang"), ("Zhao Lei", "Lei"), ("Ren Takeda", "Ren"), ("Mariko Fujita", "Mariko"),
    ("Choi Eun-ji", "Eun-ji"), ("Phạm Quốc Bảo", "Bảo"), ("Nattapong Wongsawat", "Nattapong"),
    ("Rizal Hidayat", "Rizal"), ("Corazon Villanueva", "Cora"), ("Yevgenia Sokolova", "Zhenya"),
    ("Bohdan Melnyk", "Bohdan"), ("Małgorzata Nowak", "Gosia"), ("Radek Procházka", "Radek"),
    ("Eszter Kovács", "Eszter"), ("Dimitrios Alexiou", "Dimitris"), ("Andrei Ionescu", "Andrei"),
    ("Þórunn Sigurðardóttir", "Þórunn"), ("Mikkel Sørensen", "Mikkel"), ("Elina Mäkinen", "Elina"),
    ("Bram ter Horst", "Bram"), ("Annelies van den Broek", "Annelies"), ("Klaus-Dieter Zimmermann", "Klaus"),
    ("Margaux Delacroix", "Margaux"), ("Íñigo Etxeberria", "Íñigo"), ("Luís Miguel da Costa", "Luís"),
    ("Francesca Lo Bianco", "Francesca"), ("Caoimhe Ní Dhomhnaill", "Caoimhe"), ("Euan McAllister", "Euan"),
    ("Noa Friedman", "Noa"), ("Lena Abramowitz", "Lena"), ("Kalani Akana", "Kalani"), ("Mere Parata", "Mere"),
    ("Yupanqui Mamani", "Yupanqui"), ("Itzel Cuauhtli", "Itzel"), ("Olivia Bennett", "Olivia"),
    ("Hope Adeleke", "Hope"), ("Frank Castellano", "Frank"), ("Dawn Whitaker", "Dawn"), ("Ray Okonkwo", "Ray"),
    ("Sunny Bhatia", "Sunny"), ("Ivy Chen", "Ivy"), ("Jack Morrow", "Jack"), ("Summer Lindqvist", "Summer"),
]
# fmt: on
TEMPLATES3: list[tuple[str, str]] = [
    ("chat", "Quick one: {P} says the export from [TOOL] is empty again. Can you check?"),
    ("chat", "hi, this is {p} - my [PR] invoice shows the wrong address"),
    ("chat", "Could you set up a 30 min call between me and {P} next week?"),
    ("chat", "is {p} still the account manager for [C]?"),
    ("tool_args", '{"name": "{P}", "role": "admin", "team": "Platform"}'),
    ("tool_args", '{"reviewers": ["{P}", "{P2}"], "branch": "fix/rounding"}'),
    (
        "tool_args",
        '{"to": ["{E}"], "body": "Hello {F},\\n\\nplease find the quote attached.\\n\\nRegards,\\n{P2}"}',
    ),
    ("tool_args", '{"filter": {"owner": "{P}", "stage": "Negotiation"}, "limit": [N]}'),
    ("tool_result", "Lead: {P}\nCompany: [C]\nSource: Webinar\nNotes: asked for a demo, prefers email ({E})"),
    ("tool_result", '{"data": [{"employee": "{P}", "location": "[CITY]", "manager": "{P2}"}]}'),
    (
        "tool_result",
        "On [D], {P} wrote:\n> The [PR] renewal failed twice.\n\nThanks {F}, we are looking into it.",
    ),
    ("tool_result", "PR #[N] opened by {P}\nReviewers: {P2}, {P3}\nStatus: changes requested"),
    (
        "tool_result",
        "Transcript\nUser: I need help with [PR]\nAgent: Of course! Who am I speaking with?\nUser: {P}",
    ),
    ("final", "I've assigned the ticket to {P}; {F2} from support will follow up by [D]."),
    ("final", "{P} and {P2} both confirmed the [CITY] offsite for [D]."),
    (
        "final",
        "Summary: Max plan upgraded for [C]. Will renew on [D]. Grace period: 14 days. Owner team: Platform.",
    ),
    ("chat", "Hope you're well! Frank feedback: the Summer release broke [TOOL] sync for [C]."),
]


def main() -> None:
    records = [{**r, "id": r["id"].replace("ho2", "ho3")} for r in build(136, SEED + 3, TEMPLATES3, NAMES3)]
    report(write_jsonl("pii_heldout3.jsonl", records), records)


if __name__ == "__main__":
    main()
