"""Person names from a gazetteer: first and last names of ~80 locales, plus the words that only look like names.

The small spaCy model misses names it has not seen in English news text (``Zanele Dlamini``, ``Jiří Dvořák``) and
tags capitalized words that are not people (``Max`` in "Max tokens", ``Starter``, ``Grafana``). A gazetteer fixes
both sides: it confirms a capitalized sequence whose words are known first or last names, and it tells which words
are ordinary English, product or place words (``Will``, ``Grace``, ``Rose Gold``, ``Austin``) that count as a name
only next to another name or a cue ("Hi Max", "Best,\\nGrace", ``"first_name": "Will"``).

The name lists are package data (``curator/redaction/data/``): ``name_list.tsv``, the first and last names of Faker's
locale providers, written once by ``benchmarks/data/make_name_list.py``, and the curated word lists next to it. They
are read once, lazily, and kept in memory (``default_gazetteer()``); words are compared case- and accent-insensitively
("Jiri" == "Jiří").

- ``NameGazetteer.kind(token)``: ``first`` / ``last`` (a name and not an ordinary word), ``weak`` (a name that is
  also an ordinary word or place), ``word`` (an ordinary word, never a name on its own), ``unknown``.
- ``find_person_spans`` (``find_names`` + ``find_lowercase_names``): person names by gazetteer and cue
  (``GazetteerPersonRecognizer`` in ``recognizers/persons.py`` wraps it for Presidio). ALL-CAPS names of forms and
  records ("NAME: MOHAMMED AL-FARSI", "KOWALSKI/MAREK MR") are read on a title-cased view of the text, more strictly;
  lowercase chat names need a cue ("remind ewa kowalczyk", "my wife ana") unless two known names are in a row; a
  known first name alone counts in running text ("copied Lars on it"), not in headings, lists or markup.
  Sentence structure vouches for words the lists lack: a roster ("Present: Thandiwe, Kgosi"), an address ("Mahlet,
  you may want to ..."), a recipient ("sent the note to Oluwaseun"), a dash sign-off ("— Lars"), a request ("emails
  from priyanka chaudhary"); so do the words that spell the next e-mail's local part, records' "SURNAME, Given"
  rows, and the cells of a table column headed "cardholder" or "full_name".
- ``ner_person_plausible``: whether a PERSON span from the NER model survives the same checks.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import regex

FIRST, LAST, WEAK, WORD, UNKNOWN = "first", "last", "weak", "word", "unknown"
PARTICLE = "particle"  # "van", "de", "bin" inside a lowercase name ("nguyen van minh")

# The generated list of names (benchmarks/data/make_name_list.py); the other lists in data/ are curated by hand and
# say what they hold in their header comments.
NAME_LIST = "name_list.tsv"

_PARTICLES = frozenset(
    "van von de der den del della di da du le la ter ten dos das do y e bin bint ibn abu al el ap ní nic zu "
    "dela".split()
)

# Latin letters that NFKD does not decompose, and Cyrillic, so that "Bjørn" matches "Bjorn" and Faker's ru_RU /
# uk_UA / bg_BG lists ("Кузнецова") match their usual Latin spelling ("Kuznetsova").
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ı": "i", "þ": "th", "ð": "d", "ħ": "h",
     "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye", "ж": "zh",
     "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
     "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
     "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "’": "'"}
)  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Case- and accent-insensitive key: ``fold("Jiří") == fold("JIRI") == "jiri"``."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class NameGazetteer:
    """Folded first names, last names, and ordinary words (see ``kind``)."""

    first: frozenset[str]
    last: frozenset[str]
    ordinary: frozenset[str]

    def kind(self, token: str) -> str:
        """``first``, ``last``, ``weak``, ``word`` or ``unknown`` for one capitalized token.

        >>> g = default_gazetteer()
        >>> g.kind("Camila"), g.kind("Dlamini"), g.kind("Grace"), g.kind("Starter"), g.kind("Xqzt")
        ('first', 'last', 'weak', 'word', 'unknown')
        """
        key = fold(token)
        is_first, is_last = key in self.first, key in self.last
        if key in self.ordinary:
            return WEAK if is_first or is_last else WORD
        if is_first:
            return FIRST
        if is_last:
            return LAST
        # "Jan-Willem", "Ben-David", "Al-Farsi", "D'Amico", "O'Sullivan": judged by their parts.
        for sep in ("-", "'"):
            if sep in key:
                parts = [p for p in key.split(sep) if len(p) > 2]
                if any(p in self.first for p in parts):
                    return FIRST
                if any(p in self.last for p in parts):
                    return LAST
        return UNKNOWN


def _data_lines(name: str) -> Iterable[str]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return (line for line in text.splitlines() if line and not line.startswith("#"))


def _word_list(name: str) -> set[str]:
    """The folded words of a curated list (whitespace-separated, ``#`` comment lines)."""
    return {fold(w) for line in _data_lines(name) for w in line.split()}


def _name_list() -> dict[str, set[str]]:
    """``name_list.tsv`` by kind: ``first``, ``last``, ``word``, ``place``; its keys are folded already."""
    kinds: dict[str, set[str]] = {"first": set(), "last": set(), "word": set(), "place": set()}
    for line in _data_lines(NAME_LIST):
        kind, key = line.split("\t")
        kinds[kind].add(key)
    return kinds


@functools.cache
def default_gazetteer() -> NameGazetteer:
    """The gazetteer from the shipped lists, built on first use (a fraction of a second) and then shared."""
    from spacy.lang.en.stop_words import STOP_WORDS

    names = _name_list()
    ambiguous = _word_list("ambiguous_names.txt")
    ordinary_words = _word_list("ordinary_words.txt")
    abbreviations = _word_list("form_abbreviations.txt")
    stop_words = {fold(w) for w in STOP_WORDS}
    ordinary = names["word"] | stop_words | ordinary_words | ambiguous | abbreviations
    ordinary |= _word_list("places.txt") | names["place"]
    ordinary -= _word_list("names_in_place_names.txt")
    # An ambiguous name stays a (weak) name even where no locale lists it.
    first = names["first"] | ambiguous
    # Function words and the curated ordinary words are never names, whatever some locale's list says ("The" is
    # "Thé" folded; "Santa", "Day"), except the ambiguous names and the surnames that are also words.
    keep = ambiguous | _word_list("surname_words.txt")
    never = (stop_words | ordinary_words | abbreviations) - keep
    return NameGazetteer(
        frozenset(first - never), frozenset(names["last"] - never - _PARTICLES), frozenset(ordinary | never)
    )


# ---------------------------------------------------------------------------------------------------------------
# Finding names in text

# One name word: "Maria", "O'Brien", "McDonald", "Jan-Willem", "Ji-hoon", "Nguyễn"; not "USB", "I'm", "iPhone".
_WORD = (
    r"(?:\p{Lu}['’])?\p{Lu}[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{L}[\p{Ll}\p{M}]+)*"
    # an apostrophe inside, not a contraction: "Fa'asalele", not "Don't" or "We're"
    r"(?:['’](?!(?:re|ve|ll|s|t|d|m)\b)\p{Ll}{2,})?"
)
_PARTICLE = "|".join(sorted(_PARTICLES, key=len, reverse=True))
_INITIAL = r"\p{Lu}\."
# Capitalized particles of Irish names, which the title-cased view keeps as they are ("PÁDRAIG Ó BRIAIN").
_IRISH_PARTICLE = r"Ó|Ní|NÍ|Nic|NIC|Uí|UÍ|Ua|UA|Mac|MAC"
_SEQUENCE = regex.compile(
    # Not inside a word, path, e-mail or handle; but after a JSON-escaped line break ("\\nBest,\\nAna") or an
    # @-mention ("@Ana") or a slash opening a line ("/Keiko" signs a mail) it is a word start.
    # Initials go before a word ("J. Smith", "John F. Kennedy", "Maria G. L. Lopez").
    rf"(?:(?<![\w@/\\.\-'’])|(?<=\\[nrt])|(?<=(?<![\w.])@)|(?<=(?:^|\n|\\n)[ \t]*/))(?:{_INITIAL}[ ]){{0,2}}(?:{_WORD})"
    rf"(?:[ ](?:{_INITIAL}[ ]){{0,2}}(?:(?:{_PARTICLE}|{_IRISH_PARTICLE})[ ]){{0,3}}(?:{_WORD})){{0,5}}"
    r"(?![\w@]|\.\w|-\w|['’](?![sS]\b)\w)"
)
_TOKEN = regex.compile(_WORD)

_NL = r"(?:\r?\n|\\n)"
# Greetings of other languages before a name ("Hola Tupac,", "Kia ora Aroha").
_OTHER_GREETINGS = "hola|ciao|salut|bonjour|hallo|olá|oi|namaste|kia ora|merhaba|hej|moin"
# Cues before a name that say "a person": a single known name (even an ambiguous one) counts after these.
_PERSON_BEFORE = regex.compile(
    r"(?i:\b(?:dear|hi|hello|hey|hiya|greetings|good (?:morning|afternoon|evening)|mr|mrs|ms|miss|mx|dr|prof|sir"
    rf"|{_OTHER_GREETINGS}"
    r"|my name is|i'm|i am|this is|it's|name's|assigned to|reported by|created by|approved by|reviewed by"
    r"|requested by|owned by|submitted by|signed by|sent by|written by|escalated to|handed over to"
    r"|on behalf of|meeting with|call with|chat with|talk to|speak to|spoke (?:to|with)|reach out to|loop in"
    r"|looping in|ping|cc|bcc|attn|thanks|thank you|cheers|sorry about that|sorry|welcome|congrats"
    r"|congratulations|name on (?:the )?(?:card|booking|reservation|file|account|ticket|order|policy|record|lease)"
    r"|(?:profile|record|details) on file)\b[.,:]?[ ]+$)"
    # verbs of chat requests that take a person ("tell Björn", "remind Ana"), not keys ("Author-email: ...")
    r"|(?i:(?<![\w-])(?:tell|ask|asked|remind|reminded|paging|page|copied|copying|cc'd|cc’d|email|emailed|e-mail"
    r"|contact|contacted|1:1 with|one-on-one with|sync with|lunch with|coffee with|dinner with"
    r"|text|texted|message|messaged|pinged|notify|notified|invite|invited)[ ]+$)"
    r"|@$"
    # person-ish keys, in JSON ("customer": "...", "attendees": ["A", "...) and key: value lines
    r"|(?i:[\"']?\b(?:(?:full|first|last|given|family|middle|display|customer|client|contact|user|account|holder"
    r"|patient|employee|guest|passenger|recipient|sender)[_ ]?name|name|surname|customer|client|contact|author"
    r"|assignee|owner|account[_ ]?owner|recipient|sender|beneficiary|account[_ ]?holder|cardholder|holder|patient"
    r"|employee|manager|requester|reporter|organizer|organiser|attendees?|participants?|members?|host|guest"
    r"|passenger|driver|signed-off-by|reviewed-by|co-authored-by|from|to|cc|bcc|reply-to|buddy|caller"
    r"|approvers?|reviewers?|assignees|owners|user|tenant|landlord|student|teacher|doctor|nurse|candidate|applicant"
    r"|taxpayer|spouse|insured|policyholder|subscriber|member|travell?er|pax|dependent|guardian|payee|payer"
    r"|claimant|addressee|witness|signatory|next of kin|present|absent|apologies|invitees|attendance|panell?ists"
    r"|speakers|name[_ ]on[_ ](?:the[_ ])?(?:card|booking|reservation|file|account|ticket|order|policy|record|lease)"
    r"|(?:profile|record|details)[_ ]on[_ ]file"
    r"|lead)[\"']?[ ]*[:=][ ]*"
    r"\[?[ ]*[\"']?)$"
    # "Customer (Ravi Rao): ...", "| Name | ..." tables: a name in a cell after a person-ish role in parentheses
    r"|(?i:\b(?:customer|client|user|agent|caller|guest|patient|contact|owner|manager)[ ]*\()$"
)
_PERSON_KEY_BEFORE = regex.compile(_PERSON_BEFORE.pattern.split("|@$|")[1])
# The second and later names of a list after a person-ish key: "Attendees: Kavya Iyer, Haruto Takahashi".
_LIST_ITEM_BEFORE = regex.compile(
    _PERSON_BEFORE.pattern.split("|@$|")[1].replace(
        r"\[?[ ]*[\"']?)$", r"\[?[ ]*[\"']?(?:[^\"'\n\\\]:]*[\"']?[ ]*,[ ]*[\"']?)+)$"
    )
)
# Capitalized request verbs that open a sentence before a name ("Paging Ifeoma", "Ping Lars"): context, not name.
_REQUEST_VERBS = frozenset(
    "tell ask remind paging page ping pinged email cc copy copied invite thank thanks message text call meet".split()
)
# A name then its team or desk: "Arash from support", "ask Mariama at reception": a person, even an unknown word.
_TEAM_AFTER = regex.compile(
    r"^[ ]+(?:from|in|at)[ ]+(?:the[ ]+)?(?:support|legal|sales|finance|marketing|engineering|billing|accounts"
    r"|accounting|hr|ops|security|compliance|procurement|reception|front desk|help ?desk|customer success|design"
    r"|product|qa|devops|payroll|operations|admissions|(?:my|our|your) team)\b"
)
# After a name: "Ravi here.", "Ngozi from legal", "Ana's laptop".
_PERSON_AFTER = regex.compile(r"^(?:[ ]+here\b|[ ]+from[ ]+\w|['’]s\b)")
# Sign-offs of other languages, which traces of multilingual users carry ("Abraço, Rodrigo", "Pozdrawiam,\nMarek").
_FOREIGN_SIGN_OFFS = (
    r"abraço|abraços|abrazos?|un abrazo|saludos|un saludo|atentamente|atenciosamente|cumprimentos|grüße|gruß"
    r"|viele grüße|liebe grüße|beste grüße|mit freundlichen grüßen|lg|mfg|vg|cordialement|bien à vous|amitiés|bisous"
    r"|bises|pozdrawiam|pozdrowienia|groetjes|groeten|met vriendelijke groet|hälsningar|mvh|hilsen|med venlig hilsen"
    r"|terveisin|saluti|cordiali saluti|un abbraccio|distinti saluti|s pozdravem|üdvözlettel|selamlar|saygılarımla"
)
# The same sign-off and the name on one line, at its end ("Abraço, Rodrigo", "Thanks, Ana").
_INLINE_SIGN_OFF_BEFORE = regex.compile(
    rf"(?i:(?:^|{_NL}|[.!?][ \t]+|\b)(?:best|best regards|kind regards|regards|cheers|thanks|many thanks"
    rf"|{_FOREIGN_SIGN_OFFS})[ \t]*[,!.][ \t]*)$"
)
# Greeting or sign-off in its own line, and a chat-log speaker line: here even an unknown single word is a name.
_SIGN_OFF_BEFORE = regex.compile(
    rf"(?i:(?:^|{_NL}|[.!?][ \t]+)[ \t]*(?:best|best regards|kind regards|warm regards|warmest regards|regards|cheers|thanks|thank you"
    rf"|many thanks|thanks again|sincerely|yours sincerely|yours truly|yours|all the best|take care|talk soon"
    rf"|br|kr|love|warmly|respectfully|with thanks|{_FOREIGN_SIGN_OFFS})[ \t]*[,!.]?[ \t]*{_NL}[ \t]*)$"
    rf"|(?:^|{_NL})[ \t]*(?:-{{2}}|—|/)[ \t]*$"
    # "Drinks on me. — Lars", "thx — dilnoza": a dash sign-off closing the message
    rf"|(?i:(?:[.!?]|\b(?:thx|thanks|ty|cheers|best))[ \t]+(?:-{{1,2}}|—|–)[ \t]*)$"
)
_GREETING_BEFORE = regex.compile(
    r"(?i:(?:^|\b)(?:dear|hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks|thank you|cheers"
    rf"|{_OTHER_GREETINGS}|sorry about that|congrats|welcome)[ ]+)$"
)
_GREETING_AFTER = regex.compile(rf"^(?:[ \t]*[,!:]|[ \t]*(?:{_NL}|$))")
# End of the line, of a JSON string, or of a CSV/Markdown cell.
_LINE_END_AFTER = regex.compile(rf"^[ \t]*(?:{_NL}|$|[,\"'|])")
_SIGN_OFF_END_AFTER = regex.compile(rf"^[ \t]*[.!]?[ \t]*(?:{_NL}|$|[\"'])")
# A name that opens a sentence to address someone: "Rashid, you'll get a provisional credit".
_VOCATIVE_AFTER = regex.compile(
    r"^,[ ]+(?:you|your|you'll|you're|please|can|could|would|will|thanks|thank|we|we'll|we've|i|i'm|i'll|i've"
    r"|just|quick|any|are|is|do|did|have|let|see|here|sorry)\b"
)
# "Mahlet, you may want to call the number": a sentence that opens by addressing someone by name.
_ADDRESSED_AFTER = regex.compile(r"^,[ ]+(?:you|you'll|you're|your|please|can you|could you|would you)\b")
# The start of a message, a sentence or a paragraph; not a line that a wrapped paragraph goes on in.
_MESSAGE_OR_SENTENCE_START = regex.compile(rf"(?:^|[.!?][\"')]?[ \t]+|{_NL}[ \t]*{_NL}|:[ ]*[\"'])[ \t]*$")
# A roster after its key, each item ending at a comma or the line's end: "Present: Thandiwe, Kgosi, Olamide
# Adeyemi". Here a word unknown to the gazetteer is a person too.
_ROSTER_BEFORE = regex.compile(
    r"(?i:[\"']?\b(?:attendees?|participants?|present|absent|apologies|invitees|attendance|panell?ists|speakers"
    r"|owners|reviewers|approvers|assignees|members|people|cc|bcc)[\"']?[ ]*[:=][ ]*\[?[ ]*[\"']?"
    r"(?:[^\"'\n\\\]:]*[\"']?[ ]*,[ ]*[\"']?)*)$"
)
_ROSTER_AFTER = regex.compile(rf"^[ \t]*(?:[,;\"'\]]|(?:and|&)[ ]|{_NL}|$)")
# Verbs that take a person as subject, after a name that opens a sentence or an action item: "Thandiwe owes a
# revised SLA", "- Kgosi to send the deck", "Aroha can retry now".
_SUBJECT_VERB_AFTER = regex.compile(
    r"^[ ]+(?:owes|flagged|said|says|asked|wants|needs|agreed|approved|confirmed|mentioned|replied|wrote|called"
    r"|emailed|promised|volunteered|offered|suggested|reported|noticed|decided|prefers|joined|left|thinks|knows"
    r"|will|can|should|could|would|may|might|must|doesn['’]t|didn['’]t|can['’]t|won['’]t|isn['’]t|wasn['’]t"
    r"|to (?:send|follow|share|review|check|update|draft|confirm|book|schedule|call|email|chase"
    r"|prepare|look|own|write|fix|test|sign|circulate|reach|contact|set|draft|finalize|finalise))\b"
)
# Who a message was sent or handed to, the end of the clause after: "sent the thank-you note to Oluwaseun and".
# Only things people send to people: logs go to tools ("sent the logs to Datadog").
_SENT_TO_BEFORE = regex.compile(
    r"(?i:\b(?:sent|send|sending|forwarded|handed|passed|gave|give|addressed|mailed|wrote)(?:[ ]+(?:the|a|an|my"
    r"|your|our|his|her|their|this|that|final|new|updated|revised|signed|short|quick|formal|personal|same))*"
    r"[ ]+(?:note|message|email|e-mail|invite|invitation|reminder|details|link|contract|quote|draft|update|summary"
    r"|card|letter|gift|offer|proposal|agenda|minutes|recap|follow-up|reply|response|deck|slides|invoice|receipt"
    r"|thank-you(?: note)?|thanks|condolences|congratulations|apology|feedback|review|flowers|it|them|this|that)"
    r"[ ]+to[ ]+)$"
)
_OBJECT_END_AFTER = regex.compile(
    r"^(?:[ ]*[,.;!?)]|[ ]+(?:and|so|with|about|on|re|regarding|this|today|yesterday|earlier|directly)\b|[ ]*$)"
)
_BULLET_BEFORE = regex.compile(rf"(?:^|{_NL})[ \t]*(?:[-*•]|\d+[.)]|\[[ xX]?\])[ \t]+$")
_MENTION_BEFORE = regex.compile(r"(?<![\w.])@$")
_SPEAKER_BEFORE = regex.compile(rf"(?:^|{_NL})[ \t]*\[[^\]\n]{{1,24}}\][ \t]*$")
_LINE_START_BEFORE = regex.compile(rf"(?:^|{_NL})[ \t]*$")
_SPEAKER_AFTER = regex.compile(r"^:[ \t]")
_FIRST_LAST_KEY_BEFORE = regex.compile(
    r"(?i:[\"']?\b(?:first|last|given|family|middle)[_ ]?names?|surname)[\"']?[ ]*[:=][ ]*[\"']?$"
)
_SENTENCE_START = regex.compile(rf"(?:^|[.!?:;]|{_NL})[ \t\"'(]*$")

# How much a cue vouches for a single word: nothing; a first name only (a chat-log speaker, the next item of a list
# of names); any known name, even an ambiguous one ("Hi Max", "Ms. Porter"); any capitalized word ("Best,\nTigist").
NONE, FIRST_ONLY, KNOWN, ANY = 0, 1, 2, 3


def _cue(text: str, start: int, end: int) -> int:
    before = text[max(0, start - 120) : start]
    after = text[end : end + 24]
    if _ROSTER_BEFORE.search(before) and _ROSTER_AFTER.match(after):
        return ANY
    if (
        _ADDRESSED_AFTER.match(after)
        and _MESSAGE_OR_SENTENCE_START.search(before)
        and not text[start:end].endswith(("ly", "LY"))  # "Alternatively, you can"
    ):
        return ANY
    if _SIGN_OFF_BEFORE.search(before) and _LINE_END_AFTER.match(after):
        return ANY
    if _INLINE_SIGN_OFF_BEFORE.search(before) and _SIGN_OFF_END_AFTER.match(after):
        return ANY
    if _VOCATIVE_AFTER.match(after) and _SENTENCE_START.search(before):
        return KNOWN
    if _GREETING_BEFORE.search(before) and _GREETING_AFTER.match(after):
        return ANY
    if _FIRST_LAST_KEY_BEFORE.search(before) or _MENTION_BEFORE.search(before):
        return ANY
    if _SPEAKER_BEFORE.search(before) and _SPEAKER_AFTER.match(after):
        return ANY
    if _TEAM_AFTER.match(text[end : end + 40]):
        return ANY
    if _SENT_TO_BEFORE.search(before) and _OBJECT_END_AFTER.match(after):
        return ANY
    if _PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after):
        return KNOWN
    if _LIST_ITEM_BEFORE.search(before) or _LINE_START_BEFORE.search(before) and _SPEAKER_AFTER.match(after):
        return FIRST_ONLY
    if (
        " " not in text[start:end]
        and (_SENTENCE_START.search(before) or _BULLET_BEFORE.search(before))
        and _SUBJECT_VERB_AFTER.match(after)
    ):
        return FIRST_ONLY
    return NONE


def _key_cue(text: str, start: int) -> int:
    """The cue for words in capitals: KNOWN after a person-ish key ("PATIENT: "), FIRST_ONLY after a greeting or
    an introduction ("THIS IS FUNDAMENTALLY INCOMPATIBLE") or in a list."""
    before = text[max(0, start - 120) : start]
    if _FIRST_LAST_KEY_BEFORE.search(before):
        return ANY
    if _PERSON_KEY_BEFORE.search(before):
        return KNOWN
    return FIRST_ONLY if _PERSON_BEFORE.search(before) or _LIST_ITEM_BEFORE.search(before) else NONE


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    kind: str


def _judge(
    words: list[_Word],
    cue: int,
    sentence_start: bool,
    initials: bool = False,
    shouted: bool = False,
    prose: bool = False,
) -> bool:
    kinds = [w.kind for w in words]
    if WORD in kinds:
        return False
    if len(kinds) == 1:
        kind = kinds[0]
        if initials and kind in (FIRST, LAST):  # "J. Smith", "A. Okafor"
            return True
        # A first name that is no ordinary word ("copied Lars", "Paging Ifeoma") is a person in agent traces, except
        # in capitals (headings, acronyms), opening a sentence or outside running text, where it needs a cue. A surname or ambiguous word
        # alone ("Porto", "Jenkins", "Max") is a person after a title, a greeting or a person-ish key only, which
        # are KNOWN cues.
        return (
            cue == ANY
            or (cue == KNOWN and kind in (FIRST, LAST, WEAK))
            or (cue == FIRST_ONLY and kind == FIRST)
            or (kind == FIRST and prose and not shouted and not sentence_start)
        )
    strong = sum(k in (FIRST, LAST) for k in kinds)
    if cue != NONE:
        return not (shouted and cue == FIRST_ONLY and strong == 0)
    if shouted:
        # ALL-CAPS runs without a cue are headings and legal text as often as names: all words must be names.
        return strong >= 2 and all(k in (FIRST, LAST) for k in kinds)
    if strong == 0:
        return False
    # "Will Jenkins pass?" / "May Lindgren": an ambiguous first word opening a sentence is likely the word.
    return not (kinds[0] == WEAK and sentence_start)


def _title_view(text: str, gazetteer: NameGazetteer) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with its ALL-CAPS words title-cased ("NAME: MOHAMMED AL-FARSI" -> "NAME: Mohammed Al-Farsi"), same
    offsets, so that forms and records are read like prose; and the spans of the words changed. Short words stay
    capitals unless they are names, so acronyms ("SSN", "API", "USD") do not join a name."""
    pieces: list[str] = []
    changed: list[tuple[int, int]] = []
    at = 0
    for match in _UPPER_WORD.finditer(text):
        word = match.group()
        titled = word.title()
        if len(titled) != len(word) or (len(word) <= 3 and gazetteer.kind(word) not in (FIRST, LAST)):
            continue
        pieces += [text[at : match.start()], titled]
        changed.append(match.span())
        at = match.end()
    pieces.append(text[at:])
    return "".join(pieces), changed


# One ALL-CAPS word: "MOHAMMED", "AL-FARSI", "O'BRIEN", "HERNÁNDEZ".
_UPPER_WORD = regex.compile(r"(?<![\p{L}\p{M}\d])(?:\p{Lu}['’])?\p{Lu}{2,}(?:-\p{Lu}{2,})*(?![\p{L}\p{M}\d])")


def find_names(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """``(start, end)`` of every person name in ``text`` that the gazetteer and the cues vouch for; ALL-CAPS names
    are read on a title-cased view."""
    view, changed = _title_view(text, gazetteer)
    shouted_at = {start for start, _ in changed}
    candidates: list[tuple[int, int, list[_Word], bool]] = []
    for match in _SEQUENCE.finditer(view):
        words = [_Word(m.start(), m.end(), gazetteer.kind(m.group())) for m in _TOKEN.finditer(match.group())]
        words = [_Word(w.start + match.start(), w.end + match.start(), w.kind) for w in words]
        # "Thanks Bjørn", "Dear Nikola", "Hi Team": leading and trailing ordinary words are context, not name.
        while words and (
            words[0].kind == WORD or fold(view[words[0].start : words[0].end]) in _REQUEST_VERBS
        ):
            words.pop(0)
        trimmed_after = False
        firm = False
        while words and words[-1].kind == WORD:
            firm = firm or fold(view[words[-1].start : words[-1].end]) in _FIRM_WORDS
            words.pop()
            trimmed_after = True
        if not words:
            continue
        start, end = words[0].start, words[-1].end
        # no cue saves it ("Blue Harbor Logistics", "Helix Bio", "Stack Exchange"): skip reading them
        if firm or any(w.kind == WORD for w in words):
            candidates.append((start, end, words, False))
            continue
        initial = _LEADING_INITIALS.search(view, match.start(), start)
        if initial and initial.end() == start:
            start = initial.start()  # "J. Smith": the initials are part of the name
        sentence_start = bool(_SENTENCE_START.search(view[max(0, start - 8) : start]))
        # One word in capitals is enough for the stricter test ("PEP 703 – Making the GIL Optional").
        shouted = any(w.start in shouted_at for w in words)
        # A lone first name is a person without a cue in running text only, between lowercase words ("copied Lars
        # on it"), not in a heading, a list, markup or a name of Title Case words ("Mayo Clinic", "4 - Beta",
        # "[Gemma](...)", "W-2 Wage and Tax Statement").
        lone_first = len(words) == 1 and words[0].kind == FIRST
        title_case = (lone_first or words[0].kind == WEAK) and (
            trimmed_after
            or _IN_TITLE_CASE_BEFORE.search(view, max(0, start - 40), start)
            or _IN_TITLE_CASE_AFTER.match(view, end)
        )
        prose = lone_first and bool(
            _PROSE_BEFORE.search(view, max(0, start - 40), start) and _PROSE_AFTER.match(view, end)
        )
        # Words in capitals are a name by cue after a person-ish key only ("SURNAME: MUKHERJEE"), not after a
        # sign-off-like line of a word list ("BEST\nBESTBUY") or before "from" ("Load YAML from").
        cue = _key_cue(view, start) if shouted else _cue(view, start, end)
        accepted = _judge(
            words,
            cue,
            sentence_start or bool(title_case),
            initials="." in view[start:end],
            shouted=shouted,
            prose=prose,
        ) and not _place_context(view, start, end)
        candidates.append((start, end, words, accepted))
    # "Mulugeta Tesfaye and Caoimhe Ní Dhomhnaill": a two-word name of unknown words joined by "and" / "or" / "&"
    # to an accepted name is one too.
    # So is a lone first name ("Paging Ifeoma and Rahul", "O'Brien, Siobhan").
    for i, (start, end, words, accepted) in enumerate(candidates):
        if (
            accepted
            or any(w.kind in (WORD, WEAK) for w in words)
            or (len(words) == 1 and words[0].kind != FIRST)
        ):
            continue
        before = candidates[i - 1] if i > 0 else None
        after = candidates[i + 1] if i + 1 < len(candidates) else None
        if (before and before[3] and _JOINED.fullmatch(view, before[1], start)) or (
            after and after[3] and _JOINED.fullmatch(view, end, after[0])
        ):
            candidates[i] = (start, end, words, True)
    slashed = _slash_names(view, gazetteer, shouted_at) + _comma_names(view, gazetteer, shouted_at)
    # "NOWAK" of "NOWAK/KATARZYNA" is found alone too: the record's whole name is the one span.
    found = [
        (start, end)
        for start, end, _, accepted in candidates
        if accepted and not any(s <= start and end <= e for s, e in slashed)
    ]
    return sorted({*found, *slashed})


def _slash_names(view: str, gazetteer: NameGazetteer, shouted_at: set[int]) -> list[tuple[int, int]]:
    """Airline and hotel records' "SURNAME/GIVEN NAMES MR" ("KOWALSKI/MAREK MR", "LEE/JI HOON MS"), in capitals."""
    spans = []
    for match in _SLASH_NAME.finditer(view):
        if match.start() not in shouted_at:
            continue
        kinds = [gazetteer.kind(m.group()) for m in _TOKEN.finditer(match.group("name"))]
        if WORD in kinds:
            continue
        strong = all(k in (FIRST, LAST) for k in kinds)
        if match.group("title") or strong or _cue(view, match.start(), match.end("name")) != NONE:
            spans.append(match.span("name"))
    return spans


def _comma_names(view: str, gazetteer: NameGazetteer, shouted_at: set[int]) -> list[tuple[int, int]]:
    """Records' "SURNAME, Given" alone in a row, a cell or after a label ("WHITFIELD, DWAYNE   287-54-1190",
    "HARGREAVES, THOMAS | SSN", "Opened by: ROSSI, Giulia (giulia@...)"): the surname in capitals and a name word
    in either part, or a person-ish label before; in Title Case every word must be a known name ("Okafor, Chidi")."""
    spans = []
    for match in _COMMA_NAME.finditer(view):
        words = [
            (m.start() + match.start(), gazetteer.kind(m.group())) for m in _TOKEN.finditer(match.group())
        ]
        kinds = [k for _, k in words]
        given = [k for at, k in words if at >= match.start("given")]
        # "ARLINGTON, MA": a state or country code; "UNIQUE, PERSISTENT IDENTIFIER": two given words, neither a name
        if (
            WORD in kinds
            or len(match.group("given")) <= 2
            or (len(given) > 1 and not {FIRST, LAST} & {*given})
        ):
            continue
        strong = sum(k in (FIRST, LAST) for k in kinds)
        surname_shouted = all(at in shouted_at for at, _ in words if at < match.end("last"))
        if surname_shouted:
            accepted = strong >= 1 or _key_cue(view, match.start()) >= KNOWN
        else:
            accepted = strong == len(kinds) and _key_cue(view, match.start()) != NONE
        if accepted:
            spans += [match.span("last"), match.span("given")]
    return spans


# The surname then the given names at the start of a row, a cell or a value; the row or cell ends after them.
_COMMA_NAME = regex.compile(
    rf"(?<=(?:^|{_NL}|[|\t\"'(:]|[ ]{{2}})[ \t]*)"
    rf"(?P<last>(?:(?i:van|von|de|del|da|di|le|la|al|el|dos|das|ter)[ ])?{_WORD}),[ ]?"
    rf"(?P<given>{_WORD}(?:[ ](?:{_WORD}|{_INITIAL}))?)"
    # the row or cell ends: not a call or an index ("LIST, LEN(10)", "[NAN, INFINITY]")
    # nor the next item of a list ("LANGUAGES: CATALAN, ESPERANTO, KAZAKH")
    rf"(?=[ \t]*(?:{_NL}|$|[|\t\"']|[ ]{{2}}|[ ]+[(<\[]|[ ]+\d|[ ]+[-—–][ ]))"
)
_SLASH_NAME = regex.compile(
    rf"(?<![\w/])(?P<name>{_WORD}/{_WORD}(?:[ ]{_WORD})?)(?:[ ](?P<title>Mr|Mrs|Ms|Miss|Mstr|Dr)\b|(?![\w/]))"
)
# Street and place words before or after a capitalized run ("Hudson River", "ul. Generała Bora-Komorowskiego",
# "Rua Augusta", "Zhang & Partners"): a place or a firm, not a person, whatever name words it has.
_PLACE_BEFORE = regex.compile(
    r"(?i:\b(?:ul|ulica|al|aleja|os|osiedle|pl|plac|str|straße|strasse|calle|avenida|av|avda|rua|rue|via|viale"
    r"|piazza|corso|ulitsa|prospekt|bulevar|bulevardul|strada|utca|gatan|vägen|gade|vej|straat|laan|weg|platz"
    r"|boulevard|avenue|route|chemin|carrer|paseo|plaza|praça|largo|rondo|mount|mt|lake|river|cape)\.?[ ]+)$"
)
_PLACE_AFTER = regex.compile(
    r"^(?:[ ]+(?:Jr|Sr)\.?)?[ ]+(?:River|Creek|Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive"
    r"|Way|Place|Square|Plaza|Park|Bridge|Valley|Mountains?|Island|Islands|Canyon|Falls|Heights|Harbou?r|Bay"
    r"|Lake|Beach|Station|Airport|Hospital|University|College|School|Building|Tower|Centre|Center|Hall|Court"
    r"|Crossing|Highway|Parkway|Terrace|Gardens|Straße|Strasse|Platz|Weg|Gasse|Allee|Ulica|Ulitsa)\b"
    r"|^[ ]*&[ ]*(?:Co|Sons|Partners|Associates|Brothers)\b|^,?[ ]+(?:LLP|LLC|Inc|Ltd|GmbH|AG|SA|PLC)\b"
)


# A last word that makes the run a place even though it is a name word too ("Hudson River", "Jordan Valley").
_PLACE_LAST_WORD = regex.compile(
    r"(?:River|Creek|Street|Avenue|Road|Boulevard|Valley|Mountains?|Islands?|Canyon|Falls|Heights|Plaza|Square"
    r"|District|Province|Prefecture|Region|Municipality|Township|Borough"
    r"|Bridge|Crossing|Highway|Parkway|Terrace|Gardens|Straße|Strasse|Platz|Gasse|Allee|Ulica|Ulitsa)"
)


def _place_context(view: str, start: int, end: int) -> bool:
    last = view[start:end].rsplit(" ", 1)
    return bool(
        _PLACE_BEFORE.search(view[max(0, start - 16) : start])
        or _PLACE_AFTER.match(view[end : end + 40])  # sliced: its anchors are at the run's end
        or (len(last) == 2 and _PLACE_LAST_WORD.fullmatch(last[1]))
    )


# Words that end the name of a firm, a venue or an institution named after someone ("Horn Cargo", "Helix Bio").
_FIRM_WORDS = frozenset(
    """
    bio biotech labs lab logistics exchange cargo freight express shipping couriers transport airways airlines
    holdings group systems solutions technologies partners capital ventures media foods motors pharma bank
    insurance consulting studio studios press hotel resort restaurant cafe bistro kitchen grill bakery clinic
    hospital university college school institute foundation association council inc llc ltd corp corporation
    company co gmbh ag plc realty estates properties industries trading traders software
    """.split()
)
_FIRM_AFTER = regex.compile(r"[ ]+(\p{Lu}[\p{L}]*)")


def _firm_after(text: str, end: int) -> bool:
    after = _FIRM_AFTER.match(text, end)
    return bool(after) and fold(after.group(1)) in _FIRM_WORDS


_VENUE_BEFORE = regex.compile(r"\b(?:at|in|near)[ ]+$")
_LEADING_INITIALS = regex.compile(rf"(?:{_INITIAL}[ ])+")
_PROSE_BEFORE = regex.compile(r"(?<![\w'’])\p{Ll}[\p{Ll}'’]*[ ]+$")
# After it, punctuation or a word that goes with a person; not a noun ("Julian algorithms", "Ibis project").
_PROSE_AFTER = regex.compile(
    rf"(?:[ ]*[,.!?;:)]|['’]s\b|[ \t]*(?:{_NL}|$)|[ ]+(?:is|was|has|had|will|would|can|could|should|said|says|and|or"
    r"|to|from|on|in|at|for|about|with|if|as|that|who|wants|wanted|needs|needed|asked|mentioned|replied|wrote|sent"
    r"|confirmed|approved|agreed|joined|left|thinks|knows|owns|here|too|also|please|today|tomorrow|yesterday"
    r"|already|just|still|directly|again|back|the|a|an|your|my|his|her|our|their|this|we|you|i|me|us|him|them)\b)"
)
_JOINED = regex.compile(r"[ ]+(?:and|or|&)[ ]+|,[ ]+")
# A capitalized word next to the candidate (across "and", "of", "&"): Title Case, a heading or an organisation.
_IN_TITLE_CASE_BEFORE = regex.compile(r"\p{Lu}[\p{L}\p{M}]*[ ]+(?:(?:and|of|the|for|&)[ ]+)?$")
_IN_TITLE_CASE_AFTER = regex.compile(r"[ ]+(?:(?:and|of|the|for|&)[ ]+)?\p{Lu}")


# Lowercase names in chat turns ("hi, this is ana costa", "remind tomasz and ewa kowalczyk"): one to three
# lowercase words, with particles ("nguyen van minh") and apostrophes ("o'connell").
_LOWER_WORD = r"(?:\p{Ll}['’])?\p{Ll}[\p{Ll}\p{M}]+(?:-\p{Ll}[\p{Ll}\p{M}]+)?(?:['’](?!(?:re|ve|ll|s|t|d|m)\b)\p{Ll}{2,})?"
_LOWER_SEQUENCE = regex.compile(
    rf"(?<![\w@/\\.\-'’]){_LOWER_WORD}(?:[ ]{_LOWER_WORD}){{0,3}}(?![\w@]|\.\w|-\w|['’](?!s\b)\w)"
)
_RELATIVES = (
    r"wife|husband|partner|son|daughter|mom|mum|mother|dad|father|brother|sister|boss|manager|colleague|coworker"
    r"|co-worker|friend|cousin|uncle|aunt|fiancée?|girlfriend|boyfriend|grandma|grandpa|grandmother|grandfather|niece"
    r"|nephew|assistant|landlord|neighbou?r|roommate|flatmate|teammate|kid|child|doctor|dentist|lawyer|accountant"
    r"|tutor|teacher|intern|contractor|client|lead"
)
# Self-introductions: after these, the name's words may be unknown to the gazetteer ("her name is bernadette
# o'connell", "hi its aigerim nurlanovna"); after a bare "it's" or "i'm" the first must be a known first name
# ("it's stuck", "i'm confused", "its contributors").
_INTRO_BEFORE = regex.compile(
    r"(?i:\b(?:(?:my|her|his|their) name is|name's|(?:hi|hey|hello)[,!]?[ ]+(?:it's|its|this is|i'm|im|i am)"
    r"|name on the (?:booking|reservation|card|account|ticket|order|policy) is|(?:booked|booking|reservation) under"
    r"|under the name(?: of)?)[ ]+)$"
)
_SOFT_INTRO_BEFORE = regex.compile(r"(?i:\b(?:this is|i'm|i am|im|it's)[ ]+)$")
# Requests and relations that take a person: a known first name after these is one ("tell keiko", "cc martín",
# "my wife ananya", "reply to oluwaseun"), and greetings ("hi aigerim!").
_LOWER_CUE_BEFORE = regex.compile(
    rf"(?i:(?<![\w-])(?:tell|ask|asked|remind|email|e-mail|ping|pinged|cc|bcc|loop in|reply to"
    rf"|replied to|write to|wrote to|talk to|speak to|spoke to|call|meet|meeting with|call with|chat with"
    rf"|thank|thanks|hi|hey|hello|dear|cheers|{_OTHER_GREETINGS}|contact|invite to|1:1 with|one-on-one with|sync with"
    rf"|lunch with|coffee with|dinner with|emails? from|messages? from|(?:sent|send|forward|forwarded) (?:it|this|that|them)? ?to"
    rf"|(?:send|sent|sending|forward|forwarded|write|wrote|draft|drafted)[ ]+(?:an?[ ]+|the[ ]+|my[ ]+|our[ ]+)?"
    rf"(?:invite|email|message|note|reminder|dm|text)[ ]+to|it was|was it"
    rf"|(?:status|invoices?|orders?|tickets?|account|booking|reservation|records?|details|profile|file) (?:for|of)"
    # who did or owns something in a work log: "cc'd femi adeyemi", "the reviewer was tomasz nowak", "approved by"
    rf"|cc['’]d|cced|bcc['’]d|(?:assigned|assign (?:it|this|that)) to|handed (?:it |this )?(?:over )?to|escalated to"
    rf"|(?:approved|reviewed|requested|reported|created|owned|signed(?: off)?|written|submitted|merged|authored) by"
    rf"|(?:reviewer|assignee|approver|owner|author|reporter|requester|point of contact|contact person|on-?call)"
    rf"(?:[ ]+(?:is|was))?:?"
    rf"|(?:my|our|your|his|her|their) (?:{_RELATIVES}))[ ]+)$"
)
_LOWER_GREETING_BEFORE = regex.compile(
    rf"(?i:(?:^|\b)(?:hi|hey|hello|dear|thanks|thank you|cheers|{_OTHER_GREETINGS})[ ]+)$"
)
_LOWER_GREETING_AFTER = regex.compile(r"[ ]*[,!]")
_LOWER_NAME_AFTER = regex.compile(r"(?:[ ]+here\b|['’]s\b)")
_HERE_AFTER = regex.compile(r"[ ]+here\b")
_HELLO_BEFORE = regex.compile(rf"(?i:(?:^|{_NL}|\b)(?:hi|hiya|hey|hello|ok|okay|so)[ ]*[,!.]?[ ]+)$")


class _LowerBefore:
    """What precedes a lowercase run, read once per run whatever its length, and only as far as needed."""

    def __init__(self, text: str, start: int):
        self._before = text[max(0, start - 40) : start]

    @functools.cached_property
    def intro(self) -> bool:
        return bool(_INTRO_BEFORE.search(self._before))

    @functools.cached_property
    def greeting(self) -> bool:
        return bool(_LOWER_GREETING_BEFORE.search(self._before))

    @functools.cached_property
    def speaker(self) -> bool:
        return bool(_SPEAKER_BEFORE.search(self._before))

    @functools.cached_property
    def request(self) -> bool:
        return bool(_LOWER_CUE_BEFORE.search(self._before) or _SOFT_INTRO_BEFORE.search(self._before))

    @functools.cached_property
    def hello(self) -> bool:
        return bool(_HELLO_BEFORE.search(self._before))

    @functools.cached_property
    def determiner(self) -> bool:
        return bool(_DETERMINER_BEFORE.search(self._before))

    @functools.cached_property
    def sign_off(self) -> bool:
        return bool(_LOWER_SIGN_OFF_BEFORE.search(self._before))

    @functools.cached_property
    def asked(self) -> bool:
        return bool(_LOWER_CUE_BEFORE.search(self._before))

    @functools.cached_property
    def message_start(self) -> bool:
        return bool(_MESSAGE_START_BEFORE.search(self._before))

    @functools.cached_property
    def personal(self) -> bool:
        return bool(_PERSONAL_BEFORE.search(self._before))


def _lower_cue(before: _LowerBefore, after: str) -> int:
    """ANY: a self-introduction, a greeting, a chat-log speaker; KNOWN: a request, a relation; FIRST_ONLY: a
    possessive or "here" after the words ("kenji's", "nguyen van minh here")."""
    if before.intro:
        return ANY
    if before.greeting and _LOWER_GREETING_AFTER.match(after):
        return ANY
    if before.speaker and _SPEAKER_AFTER.match(after):
        return ANY
    if before.sign_off and _LOWER_SIGN_OFF_END_AFTER.match(after):
        return ANY
    if before.request or (before.message_start and _ADDRESSED_LOWER_AFTER.match(after)):
        return KNOWN
    if _HERE_AFTER.match(after) and (before.message_start or before.hello):
        return ANY  # "hiya, sarah mcallister here", "hey, nguyen van minh here": a self-introduction
    if _LOWER_NAME_AFTER.match(after) and not before.determiner:
        return FIRST_ONLY
    if _LOWER_SUBJECT_AFTER.match(after) and not before.determiner:
        return KNOWN  # a known first name only: "the hook needs to be used" is no person
    return NONE


# A chat message that opens by addressing someone: "sione can you cover the 6am standup", "ana, pls check".
_MESSAGE_START_BEFORE = regex.compile(rf"(?:^|{_NL}|:[ ]*[\"'])[ \t]*$")
_ADDRESSED_LOWER_AFTER = regex.compile(
    r"^(?:,?[ ]+(?:can|could|would|will) (?:you|u)\b|,?[ ]+(?:pls|plz|please)\b)"
)
# Requests and relations that take one person: after these even a word unknown to the gazetteer is a name when a
# clause goes on after it ("tell keiko her report is late", "my wife ananya and i").
_PERSONAL_BEFORE = regex.compile(
    rf"(?i:(?<![\w-])(?:tell|ask|remind|reply to|(?:my|our|his|her|their) (?:{_RELATIVES}))[ ]+)$"
)
_UNKNOWN_ONE_AFTER = regex.compile(
    r"(?i:^(?:[ ]+(?:her|his|their|that|about|if|whether|and (?:i|me)\b)|,[ ]))"
)
_UNKNOWN_TWO_AFTER = regex.compile(r"^(?:[ ]*[?.!,;:)]|[ ]*$|[ ]+(?:and|about|that|if|whether|to)\b)")
# Sign-offs before a lowercase name: with their comma ("thanks,\nana"), or a dash closing the message ("thx — ana").
_LOWER_SIGN_OFF_BEFORE = regex.compile(
    rf"(?i:(?:^|{_NL}|[.!?][ \t]+)[ \t]*(?:best|best regards|kind regards|regards|cheers|thanks|thank you|many thanks"
    rf"|{_FOREIGN_SIGN_OFFS})[ \t]*,[ \t]*{_NL}[ \t]*)$"
    rf"|(?i:(?:[.!?]|\b(?:thx|thanks|ty|cheers|best))[ \t]+(?:-{{1,2}}|—|–)[ \t]*)$"
)
_LOWER_SIGN_OFF_END_AFTER = regex.compile(rf"^[ \t]*[.!]?[ \t]*(?:{_NL}|$|\")")
# "ok so aroha said the staging box ...": a known name as the subject of a verb of saying or asking.
_LOWER_SUBJECT_AFTER = regex.compile(
    r"^[ ]+(?:said|says|told|asked|wants|wanted|needs|needed|thinks|mentioned|replied|texted|emailed|called|owes"
    r"|pasted|shared|posted|approved|promised|is out|was out)\b"
)
# "the sun's mass", "its parts": a word after these is a noun.
_DETERMINER_BEFORE = regex.compile(
    r"(?i:\b(?:the|a|an|its|this|that|these|those|our|your|their|his|her|my)[ ]+)$"
)


def _lower_name_length(kinds: list[str], cue: int) -> int:
    """How many of the leading words are a name, 0 for none. Without a cue: a known first name and known names
    ("ana costa", "tim smith"; two known names in a row are rare in lowercase prose). After a request or a relation:
    a known first name, then known or unknown words ("remind ewa kowalczyk"). After an introduction, a greeting or
    as a speaker: any words that are not ordinary ("its aigerim nurlanovna")."""
    first_ok = {ANY: (FIRST, LAST, UNKNOWN), FIRST_ONLY: (FIRST, LAST)}.get(cue, (FIRST,))
    if kinds[0] not in first_ok:
        return 0
    rest_ok = (FIRST, LAST, PARTICLE) if cue in (NONE, FIRST_ONLY) else (FIRST, LAST, PARTICLE, UNKNOWN)
    n = 1
    while n < len(kinds) and kinds[n] in rest_ok:
        n += 1
    while n > 1 and kinds[n - 1] == PARTICLE:
        n -= 1
    return n if n >= 2 or cue != NONE else 0


# The last word of the sign-offs and requests above: most unknown lowercase words have none before them, and this
# set says so without running the longer patterns.
_LOWER_CUE_TAILS = frozenset(
    f"tell ask remind email e-mail ping cc bcc in to with call meet thank thanks hi hey hello dear cheers contact "
    f"from for of was it - -- — – , {' '.join(_RELATIVES.replace('?', '').replace('e(', '').split('|'))} fiance fiancee "
    f"neighbor neighbour best regards thx ty {' '.join(a.split()[-1] for a in _FOREIGN_SIGN_OFFS.split('|'))} "
    f"cc'd cc’d cced bcc'd bcc’d by is reviewer: assignee: approver: owner: author: reporter: requester: "
    f"on-call: oncall:".split()
)


def _word_before(text: str, start: int) -> str:
    before = text[max(0, start - 24) : start].split()
    if not before:
        return ""
    word = before[-1].casefold()
    return word if word in (",", "-", "--", "—", "–") else word.strip(",.!:;\"'(")


def _unknown_requested(words: list[str], kinds: list[str], after: str, before: _LowerBefore) -> bool:
    """After a request, a name whose first word the gazetteer does not know: with a known name after it ("emails
    from priyanka chaudhary", "ask tupac quispe mamani"); two unknown words that end the clause ("reply to
    oluwaseun adebayo?"); one, after a request or relation that takes a person, with a clause going on ("tell keiko
    her report ..."). Plurals, adverbs and participles are words ("ask questions about", "tell everyone honestly")."""
    if any(w.endswith(("ly", "ing")) for w in words) or words[-1].endswith("s"):
        return False
    if len(words) >= 2:
        rest = kinds[1:]
        if not all(k in (FIRST, LAST, PARTICLE, UNKNOWN) for k in rest):
            return False
        return any(k in (FIRST, LAST) for k in rest) or (
            len(words) == 2 and bool(_UNKNOWN_TWO_AFTER.match(after))
        )
    return before.personal and not words[0].endswith("ed") and bool(_UNKNOWN_ONE_AFTER.match(after))


def find_lowercase_names(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """Lowercase names in chat: see ``_lower_name_length`` for which words count; names joined by "and" to a
    found one count too ("remind tomasz and ewa kowalczyk", "email anh thu and bongani")."""
    spans = []
    for match in _LOWER_SEQUENCE.finditer(text, overlapped=True):
        words = match.group().split(" ")
        kinds = [PARTICLE if w in _PARTICLES else gazetteer.kind(w) for w in words]
        if kinds[0] not in (FIRST, LAST, UNKNOWN) or words[0] in _REQUEST_VERBS:
            continue  # no cue makes an ordinary word a name: skip reading the context
        before = _LowerBefore(text, match.start())
        if kinds[0] == UNKNOWN and not (
            before.intro
            or before.greeting
            or before.speaker
            or (_word_before(text, match.start()) in _LOWER_CUE_TAILS and (before.sign_off or before.asked))
        ):
            continue  # an unknown first word needs an introduction, a greeting, a speaker line or a request
        n = len(words)
        # The cue after the name is read after each possible length ("nguyen van minh here").
        while n >= 1:
            end = match.start() + len(" ".join(words[:n]))
            after = text[end : end + 16]
            cue = _lower_cue(before, after)
            length = _lower_name_length(kinds[:n], cue)
            if length != n and cue == KNOWN and kinds[0] == UNKNOWN and before.asked:
                length = n if _unknown_requested(words[:n], kinds[:n], after, before) else 0
            if length == n:
                spans.append((match.start(), end))
                break
            n -= 1
    spans += _joined_lowercase(text, spans, gazetteer)
    # Overlapped matching yields "ana costa" and "costa silva" from "ana costa silva": keep maximal, disjoint.
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


_LOWER_JOINED_AFTER = regex.compile(rf"[ ]+(?:and|&)[ ]+(?P<name>{_LOWER_WORD}(?:[ ]{_LOWER_WORD})?)")
_LOWER_JOINED_BEFORE = regex.compile(rf"(?P<name>{_LOWER_WORD})[ ]+(?:and|&)[ ]+$")
# After a lone unknown word joined to a name: the end of the clause or a function word, not a noun of prose.
_CLAUSE_GOES_ON = regex.compile(
    r"[ ]*(?:[,.!?;:)]|$)|[ ]+(?:the|a|an|about|at|to|for|on|in|that|if|when|re|and)\b"
)


def _joined_lowercase(
    text: str, spans: list[tuple[int, int]], gazetteer: NameGazetteer
) -> list[tuple[int, int]]:
    found = []
    for start, end in spans:
        after = _LOWER_JOINED_AFTER.match(text, end)
        if after:
            words = after.group("name").split(" ")
            kinds = [gazetteer.kind(w) for w in words]
            if WORD in kinds or WEAK in kinds:
                kinds, words = kinds[:1], words[:1]
            # an unknown plural is a noun ("kim davies and contributors")
            if kinds[0] in (FIRST, LAST) or (
                kinds[0] == UNKNOWN
                and not words[0].endswith("s")
                and _CLAUSE_GOES_ON.match(text, after.start("name") + len(words[0]))
            ):
                if kinds[0] not in (WORD, WEAK):
                    found.append((after.start("name"), after.start("name") + len(" ".join(words))))
        before = _LOWER_JOINED_BEFORE.search(text, max(0, start - 40), start)
        if before and gazetteer.kind(before.group("name")) == FIRST:
            found.append(before.span("name"))
    return found


def find_person_spans(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """Every person name the gazetteer finds in ``text``: capitalized names by cue, lowercase ones, and the words
    before an e-mail address that spell its local part."""
    found = {
        *find_names(text, gazetteer),
        *find_lowercase_names(text, gazetteer),
        *_named_by_email(text, gazetteer),
        *_table_column_names(text, gazetteer),
    }
    return sorted(found)


# A table's header cell that names people ("cardholder", "Full name", "employee_name"), in CSV, TSV or Markdown.
_PERSON_COLUMN = regex.compile(
    r"(?i:(?:(?:full|first|last|given|family|display|customer|client|contact|employee|patient|guest|passenger"
    r"|holder|card|account|user|member)[_ ]?)?(?:name|names|surname)|cardholder|card[_ ]holder|account[_ ]holder"
    r"|customer|client|contact|employee|patient|guest|passenger|traveller|traveler|attendee|participant|owner"
    r"|assignee|reporter|requester|beneficiary|payee|recipient|sender|member|student|candidate|applicant)"
)
_CELL_NAME = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'’.-]*(?:[ ,]{1,2}[\p{L}\p{M}][\p{L}\p{M}'’.-]*){0,4}")
_TABLE_ROW = regex.compile(r"[^\n]*[,\t|][^\n]*")


def _table_column_names(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """The cells under a header that names people ("case_id,cardholder,pan" then "CB-1102,VIKRAM SETHI,..."), in
    CSV, TSV and Markdown tables: any words there, unless one is an ordinary word."""
    if "\n" not in text:
        return []
    spans: list[tuple[int, int]] = []
    column: int | None = None
    width = 0
    sep = ","
    bare = False  # a header "name" only: packages, files and hosts have names too
    for line in regex.finditer(r"[^\n]+", text):
        row = line.group()
        seps = [c for c in ("\t", "|", ",") if c in row]
        if not seps:
            column = None
            continue
        cells = _cells(row, seps[0])
        if sum(bool(cell.strip()) for _, _, cell in cells) < 2:  # "client," in code: one value, not a row
            column = None
            continue
        if column is None or seps[0] != sep or len(cells) != width:
            column = None
            for i, (_, _, cell) in enumerate(cells):
                header = cell.strip().strip("\"'*_")
                if _PERSON_COLUMN.fullmatch(header):
                    column, width, sep = i, len(cells), seps[0]
                    bare = header.casefold() in ("name", "names")
                    break
            continue
        start, end, cell = cells[column]
        value = cell.strip()
        if not _CELL_NAME.fullmatch(value) or regex.fullmatch(r"[-:| ]+", value):
            continue
        kinds = [gazetteer.kind(w) for w in regex.findall(r"[\p{L}\p{M}'’-]+", value) if len(w) > 1]
        if bare and (value.islower() or (len(kinds) < 2 and kinds != [FIRST])):
            continue
        if kinds and WORD not in kinds:
            offset = line.start() + start + (len(cell) - len(cell.lstrip()))
            spans.append((offset, offset + len(value)))
    return spans


def _cells(row: str, sep: str) -> list[tuple[int, int, str]]:
    cells, at = [], 0
    for part in row.split(sep):
        cells.append((at, at + len(part), part))
        at += len(part) + 1
    if sep == "|":  # "| Name | Email |": the outer pipes open and close the row
        cells = [c for c in cells if c[2].strip() or 0 < c[0] < len(row) - 1]
    return cells


_EMAIL = regex.compile(r"(?<![\w.+-])(?P<local>[\w.+'-]+)@[\w-]+(?:\.[\w-]+)+")
# Up to four words, then what joins a name to its address: "kgosi molefe (kgosi.molefe@...)", "Ana Lima <ana@...>".
_BEFORE_EMAIL = regex.compile(
    r"(?P<name>(?:[\p{L}\p{M}'’-]+[ ]){0,3}[\p{L}\p{M}'’-]+)[ ]*(?:[(<\[]|[-—–:,][ ]*)?[ ]*$"
)


def _named_by_email(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """The name right before an e-mail address whose local part spells it, in any case ("add kgosi molefe
    (kgosi.molefe@mokoenaholdings.co.za)"): two such words, or one known name ("John <john@x.org>")."""
    spans = []
    for email in _EMAIL.finditer(text):
        local = fold(email.group("local"))
        before = _BEFORE_EMAIL.search(text, max(0, email.start() - 60), email.start())
        if not before:
            continue
        tokens = list(regex.finditer(r"[^ ]+", before.group("name")))
        taken: list[regex.Match] = []
        for token in reversed(tokens):  # the words next to the address first
            key = fold(token.group())
            if len(key) < 2 or key not in local or gazetteer.kind(token.group()) == WORD:
                break
            taken.insert(0, token)
        if not taken or len(taken) > 3:
            continue
        if len(taken) == 1 and gazetteer.kind(taken[0].group()) not in (FIRST, LAST):
            continue
        offset = before.start("name")
        spans.append((offset + taken[0].start(), offset + taken[-1].end()))
    return spans


def ner_person_plausible(text: str, start: int, end: int, gazetteer: NameGazetteer) -> bool:
    """Whether a PERSON span from the NER model reads as a person by the gazetteer's lights.

    Dropped: spans with an ordinary word ("Blue Harbor Logistics", "Acme Corp", "Starter"); a single word that is
    ambiguous, a surname or unknown without a cue ("Max", "Austin", "Grafana", "Jenkins"); spans made only of
    ambiguous words ("Rose Gold").
    """
    words = [gazetteer.kind(m.group()) for m in _TOKEN.finditer(text, start, end)]
    if not words:
        return True  # not a capitalized name shape (lowercase, all caps): left to plausible_person
    # An ordinary acronym inside the span ("Invalid API Key") makes it a phrase, not a name.
    acronyms = [gazetteer.kind(m.group()) for m in _UPPER_WORD.finditer(text, start, end)]
    if WORD in words or WORD in acronyms or _place_context(text, start, end) or _firm_after(text, end):
        return False
    if len(words) == 1:
        if words[0] == FIRST:
            return True
        cue = _cue(text, start, end)
        return cue == ANY or (cue == KNOWN and words[0] in (LAST, WEAK, UNKNOWN))
    if all(k == UNKNOWN for k in words) and _VENUE_BEFORE.search(text, max(0, start - 12), start):
        return False  # "a table at Nobu Malibu": no word the gazetteer knows, and a place by its preposition
    return any(k in (FIRST, LAST, UNKNOWN) for k in words)
