"""Person names from a gazetteer: first and last names of ~80 locales, plus the words that only look like names.

The small spaCy model misses names it has not seen in English news text (``Zanele Dlamini``, ``Jiří Dvořák``) and
tags capitalized words that are not people (``Max`` in "Max tokens", ``Starter``, ``Grafana``). A gazetteer fixes
both sides: it confirms a capitalized sequence whose words are known first or last names, and it tells which words
are ordinary English, product or place words (``Will``, ``Grace``, ``Rose Gold``, ``Austin``) that count as a name
only next to another name or a cue ("Hi Max", "Best,\\nGrace", ``"first_name": "Will"``).

The name lists are Faker's person providers (``faker.providers.person.<locale>.Provider``), read once, lazily, and
kept in memory (``default_gazetteer()``); words are compared case- and accent-insensitively ("Jiri" == "Jiří").

- ``NameGazetteer.kind(token)``: ``first`` / ``last`` (a name and not an ordinary word), ``weak`` (a name that is
  also an ordinary word or place), ``word`` (an ordinary word, never a name on its own), ``unknown``.
- ``find_person_spans`` (``find_names`` + ``find_lowercase_names``): person names by gazetteer and cue
  (``GazetteerPersonRecognizer`` in ``curator/recognizers.py`` wraps it for Presidio).
- ``ner_person_plausible``: whether a PERSON span from the NER model survives the same checks.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex

FIRST, LAST, WEAK, WORD, UNKNOWN = "first", "last", "weak", "word", "unknown"

# Names that are also everyday English words, months, places, brands or tools: a name only with company.
_AMBIGUOUS_NAMES = """
max will grace bill may june april august mark rose hope faith joy summer autumn winter dawn sky star page chase
art guy rich sue pat jack frank don ray bob carol gene ruby pearl ivy lily iris holly amber crystal penny sandy
rusty angel major king prince duke earl baron bishop hunter mason cooper porter parker walker taylor miles lane
dean glen forest river brook cliff rock stone wood hill field bell buck cash chance chip clay cole drew gray grey
green brown black white young long short little small strong wise noble jay robin wren lark hawk fox wolf bear
sterling rocky sunny happy honey candy ginger cherry olive hazel violet daisy poppy heather jasmine sage rain
storm ocean sierra nova luna aurora stella echo phoenix austin jordan victoria florence sydney paris london
chelsea dallas houston lincoln madison orlando georgia virginia carolina india kenya israel chad jersey kent devon
york brooklyn dakota montana nevada savannah vienna adelaide alexandria regina marion lagos porto lima santiago
jenkins sentry julia hugo alexa siri cortana claude gemini mistral llama falcon jasper ada apollo atlas hermes
athena mercury django flask kafka spark helm chef vault consul nomad jest mocha karma cypress selenium pandas
ember ghost stripe twilio slack zoom notion linear figma asana trello jupiter oracle tesla ford dell
mercedes porsche ferrari wendy lotus jade blaze chance royal august justice liberty patience constance
""".split()

# Words that are never a person's name alone in agent traces: roles, teams, product tiers, business suffixes,
# document and UI words, greetings, calendar words. Faker's lorem word list and spaCy's stop words are added.
_ORDINARY_WORDS = """
customer customers client clients user users agent agents assistant admin administrator support team teams sales
finance legal marketing engineering platform operations ops billing account accounts order orders invoice invoices
ticket tickets status open closed pending resolved error errors warning info debug note notes summary subject
date re fwd fw plan plans starter pro premium basic enterprise free trial seat seats add-on addon period gold
silver platinum bronze case cases charger hub cloud service services server servers api app apps dashboard portal
console studio suite workspace project projects release releases build builds deploy deployment pipeline stage
prod production staging dev test tests review request requests pull merge commit branch main master new old north
south east west central upper lower great grand saint st san santa los las fort port lake mount bay beach city
county state street road avenue drive way place square station airport line wharf day eve holiday corp corporation inc llc ltd plc gmbh ag sa bv co company
group holdings industries logistics traders trading health healthcare labs lab systems solutions technologies
technology tech software partners capital bank insurance consulting media foods motors airlines energy pharma
ventures international global worldwide university college school institute hospital clinic foundation
association council department ministry office hall center centre harbor harbour monday tuesday wednesday
thursday friday saturday sunday january february march september october november december hello hi hey dear
thanks thank cheers regards best kind warm sincerely please welcome congrats sorry yes no ok okay sure great done
fixed fix update updated add added remove removed create created delete deleted get set run send sent check see
use using via per all everyone folks guys sir madam mr mrs ms mx dr prof hr qa ui ux ai ml llm gpt model models
tokens token temperature top events event organizer attendees location title company phone email mail contact
address name names first last full manager owner organizer assignee reporter requester author sender recipient
kubernetes docker terraform ansible puppet postgres mongo redis github gitlab bitbucket jira confluence zendesk
hubspot salesforce grafana slack okta auth0 vercel netlify heroku amazon google apple microsoft meta openai
copilot chatgpt bard bot chatbot unknown anthropic nvidia intel amd ibm cisco adobe shopify paypal visa mastercard amex iban swift usd eur gbp monthly
easter christmas annual yearly daily weekly quick question answer reply forward forwarded message messages regarding
meeting call calls chat review reviews feature bug bugs incident alert alerts job jobs task tasks workflow
""".split()

# Places that people are named after or that read like names ("Hong Kong", "Costa Rica", "El Salvador"); Faker's
# countries and US states are added.
_PLACES = """
new york los angeles san francisco hong kong las vegas buenos aires rio de janeiro sao paulo mexico city tel aviv
kuala lumpur cape town abu dhabi new delhi petersburg santa clara san jose san diego salt lake kansas addis ababa
dar es salaam ho chi minh london paris berlin madrid rome milan tokyo osaka kyoto seoul beijing shanghai shenzhen
singapore mumbai bangalore bengaluru delhi chennai hyderabad pune dubai doha riyadh cairo lagos nairobi accra
johannesburg toronto vancouver montreal ottawa chicago boston seattle denver austin dallas houston atlanta miami
phoenix portland detroit sydney melbourne brisbane perth auckland dublin amsterdam brussels vienna zurich geneva
munich hamburg frankfurt prague warsaw budapest lisbon porto barcelona valencia seville stockholm oslo copenhagen
helsinki istanbul athens moscow kyiv jakarta manila bangkok hanoi taipei lima bogota santiago caracas quito
montevideo havana florence venice naples turin oxford cambridge manchester liverpool edinburgh glasgow bristol
""".split()

# Words of _ORDINARY_WORDS that are common surnames too ("Emma Hall", "Kanye West"): a name next to a name.
_SURNAME_WORDS = """
hall bay lake mount port fort street beach sales west north south east banks bank chase cash king lane house
""".split()

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


def _provider_names(value: object) -> Iterable[str]:
    if isinstance(value, dict):  # weighted OrderedDicts in some locales
        return value.keys()
    if isinstance(value, (list, tuple, set, frozenset)):
        return value
    return ()


def _faker_person_names() -> tuple[set[str], set[str]]:
    import faker.providers.person as person_providers

    first: set[str] = set()
    last: set[str] = set()
    for module_info in pkgutil.iter_modules(person_providers.__path__):
        provider = importlib.import_module(f"{person_providers.__name__}.{module_info.name}").Provider
        for attr, value in vars(provider).items():
            target = first if attr.startswith(("first_names", "first_romanized_names")) else None
            if attr.startswith(("last_names", "last_romanized_names")):
                target = last
            if target is None:
                continue
            for name in _provider_names(value):
                if not isinstance(name, str):
                    continue
                for part in name.split():  # "Mary Ann", "Van Dijk": each word is a name word
                    key = fold(part.strip(".,"))
                    if len(key) >= 2 and key.replace("-", "").replace("'", "").isalpha():
                        target.add(key)
    return first, last


def _ordinary_words() -> set[str]:
    from faker.providers.address.en import Provider as EnglishAddress
    from faker.providers.address.en_US import Provider as UsAddress
    from faker.providers.lorem.en_US import Provider as EnglishLorem
    from spacy.lang.en.stop_words import STOP_WORDS

    words = {fold(w) for w in EnglishLorem.word_list}
    words |= {fold(w) for w in STOP_WORDS}
    words |= {fold(w) for w in _ORDINARY_WORDS}
    words |= {fold(w) for w in _AMBIGUOUS_NAMES}
    words |= {fold(w) for w in _PLACES}
    words |= {fold(w) for place in (*EnglishAddress.countries, *UsAddress.states) for w in place.split()}
    return words


@functools.cache
def default_gazetteer() -> NameGazetteer:
    """The gazetteer from Faker's installed locales, built on first use (under half a second) and then shared."""
    first, last = _faker_person_names()
    ordinary = _ordinary_words()
    # An ambiguous name stays a (weak) name even where no Faker locale lists it.
    first |= {fold(w) for w in _AMBIGUOUS_NAMES}
    # Function words and the curated ordinary words are never names, whatever some locale's list says ("The" is
    # "Thé" folded; "Santa", "Day"), except the ambiguous names and the surnames that are also words.
    from spacy.lang.en.stop_words import STOP_WORDS

    keep = {fold(w) for w in (*_AMBIGUOUS_NAMES, *_SURNAME_WORDS)}
    never = {fold(w) for w in (*STOP_WORDS, *_ORDINARY_WORDS)} - keep
    return NameGazetteer(
        frozenset(first - never), frozenset(last - never - _PARTICLES), frozenset(ordinary | never)
    )


# ---------------------------------------------------------------------------------------------------------------
# Finding names in text

# One name word: "Maria", "O'Brien", "McDonald", "Jan-Willem", "Ji-hoon", "Nguyễn"; not "USB", "I'm", "iPhone".
_WORD = r"(?:\p{Lu}['’])?\p{Lu}[\p{Ll}\p{M}]+(?:\p{Lu}[\p{Ll}\p{M}]+)?(?:-\p{L}[\p{Ll}\p{M}]+)*"
_PARTICLE = "|".join(sorted(_PARTICLES, key=len, reverse=True))
_INITIAL = r"\p{Lu}\."
_SEQUENCE = regex.compile(
    # Not inside a word, path, e-mail or handle; but after a JSON-escaped line break ("\\nBest,\\nAna") or an
    # @-mention ("@Ana") it is a word start.
    # Initials go before a word ("J. Smith", "John F. Kennedy", "Maria G. L. Lopez").
    rf"(?:(?<![\w@/\\.\-'’])|(?<=\\[nrt])|(?<=(?<![\w.])@))(?:{_INITIAL}[ ]){{0,2}}(?:{_WORD})"
    rf"(?:[ ](?:{_INITIAL}[ ]){{0,2}}(?:(?:{_PARTICLE})[ ]){{0,3}}(?:{_WORD})){{0,5}}(?![\w@]|\.\w|-\w)"
)
_TOKEN = regex.compile(_WORD)

_NL = r"(?:\r?\n|\\n)"
# Cues before a name that say "a person": a single known name (even an ambiguous one) counts after these.
_PERSON_BEFORE = regex.compile(
    r"(?i:\b(?:dear|hi|hello|hey|hiya|greetings|good (?:morning|afternoon|evening)|mr|mrs|ms|miss|mx|dr|prof|sir"
    r"|my name is|i'm|i am|this is|it's|name's|assigned to|reported by|created by|approved by|reviewed by"
    r"|requested by|owned by|submitted by|signed by|sent by|written by|escalated to|handed over to"
    r"|on behalf of|meeting with|call with|chat with|talk to|speak to|spoke (?:to|with)|reach out to|loop in"
    r"|looping in|ping|cc|bcc|attn|thanks|thank you|cheers|sorry about that|sorry|welcome|congrats"
    r"|congratulations)\b[.,:]?[ ]+$)"
    r"|@$"
    # person-ish keys, in JSON ("customer": "...", "attendees": ["A", "...) and key: value lines
    r"|(?i:[\"']?\b(?:(?:full|first|last|given|family|middle|display|customer|client|contact|user|account|holder"
    r"|patient|employee|guest|passenger|recipient|sender)[_ ]?name|name|surname|customer|client|contact|author"
    r"|assignee|owner|account[_ ]?owner|recipient|sender|beneficiary|account[_ ]?holder|cardholder|patient"
    r"|employee|manager|requester|reporter|organizer|organiser|attendees?|participants?|members?|host|guest"
    r"|passenger|driver|signed-off-by|reviewed-by|co-authored-by|from|to|cc|bcc|reply-to|buddy|caller"
    r"|approvers?|reviewers?|assignees|owners|user|tenant|landlord|student|teacher|doctor|nurse|candidate|applicant"
    r"|lead)[\"']?[ ]*[:=][ ]*"
    r"\[?[ ]*[\"']?)$"
    # "Customer (Ravi Rao): ...", "| Name | ..." tables: a name in a cell after a person-ish role in parentheses
    r"|(?i:\b(?:customer|client|user|agent|caller|guest|patient|contact|owner|manager)[ ]*\()$"
)
# The second and later names of a list after a person-ish key: "Attendees: Kavya Iyer, Haruto Takahashi".
_LIST_ITEM_BEFORE = regex.compile(
    _PERSON_BEFORE.pattern.split("|@$|")[1].replace(
        r"\[?[ ]*[\"']?)$", r"\[?[ ]*[\"']?(?:[^\"'\n\\\]:]*[\"']?[ ]*,[ ]*[\"']?)+)$"
    )
)
# After a name: "Ravi here.", "Ngozi from legal", "Ana's laptop".
_PERSON_AFTER = regex.compile(r"^(?:[ ]+here\b|[ ]+from[ ]+\w|['’]s\b)")
# Greeting or sign-off in its own line, and a chat-log speaker line: here even an unknown single word is a name.
_SIGN_OFF_BEFORE = regex.compile(
    rf"(?i:(?:^|{_NL}|[.!?][ \t]+)[ \t]*(?:best|best regards|kind regards|warm regards|warmest regards|regards|cheers|thanks|thank you"
    rf"|many thanks|thanks again|sincerely|yours sincerely|yours truly|yours|all the best|take care|talk soon"
    rf"|br|kr|love|warmly|respectfully|with thanks)[ \t]*[,!.]?[ \t]*{_NL}[ \t]*)$"
    rf"|(?:^|{_NL})[ \t]*(?:-{{2}}|—)[ \t]*$"
)
_GREETING_BEFORE = regex.compile(
    r"(?i:(?:^|\b)(?:dear|hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks|thank you|cheers"
    r"|sorry about that|congrats|welcome)[ ]+)$"
)
_GREETING_AFTER = regex.compile(rf"^(?:[ \t]*[,!:]|[ \t]*(?:{_NL}|$))")
# End of the line, of a JSON string, or of a CSV/Markdown cell.
_LINE_END_AFTER = regex.compile(rf"^[ \t]*(?:{_NL}|$|[,\"'|])")
_MENTION_BEFORE = regex.compile(r"(?<![\w.])@$")
_SPEAKER_BEFORE = regex.compile(rf"(?:^|{_NL})[ \t]*\[[^\]\n]{{1,24}}\][ \t]*$")
_LINE_START_BEFORE = regex.compile(rf"(?:^|{_NL})[ \t]*$")
_SPEAKER_AFTER = regex.compile(r"^:[ \t]")
_FIRST_LAST_KEY_BEFORE = regex.compile(
    r"(?i:[\"']?\b(?:first|last|given|family|middle)[_ ]?name|surname)[\"']?[ ]*[:=][ ]*[\"']?$"
)
_SENTENCE_START = regex.compile(rf"(?:^|[.!?:;]|{_NL})[ \t\"'(]*$")

# How much a cue vouches for a single word: nothing; a first name only (a chat-log speaker, the next item of a list
# of names); any known name, even an ambiguous one ("Hi Max", "Ms. Porter"); any capitalized word ("Best,\nTigist").
NONE, FIRST_ONLY, KNOWN, ANY = 0, 1, 2, 3


def _cue(text: str, start: int, end: int) -> int:
    before = text[max(0, start - 120) : start]
    after = text[end : end + 24]
    if _SIGN_OFF_BEFORE.search(before) and _LINE_END_AFTER.match(after):
        return ANY
    if _GREETING_BEFORE.search(before) and _GREETING_AFTER.match(after):
        return ANY
    if _FIRST_LAST_KEY_BEFORE.search(before) or _MENTION_BEFORE.search(before):
        return ANY
    if _SPEAKER_BEFORE.search(before) and _SPEAKER_AFTER.match(after):
        return ANY
    if _PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after):
        return KNOWN
    if _LIST_ITEM_BEFORE.search(before) or _LINE_START_BEFORE.search(before) and _SPEAKER_AFTER.match(after):
        return FIRST_ONLY
    return NONE


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    kind: str


def _judge(words: list[_Word], cue: int, sentence_start: bool, initials: bool = False) -> bool:
    kinds = [w.kind for w in words]
    if WORD in kinds:
        return False
    if len(kinds) == 1:
        kind = kinds[0]
        if initials and kind in (FIRST, LAST):  # "J. Smith", "A. Okafor"
            return True
        # A surname or ambiguous word alone ("Porto", "Jenkins", "Max") is a person after a title, a greeting or a
        # person-ish key only, which are KNOWN cues.
        return (
            cue == ANY
            or (cue == KNOWN and kind in (FIRST, LAST, WEAK))
            or (cue == FIRST_ONLY and kind == FIRST)
        )
    if cue != NONE:
        return True
    strong = sum(k in (FIRST, LAST) for k in kinds)
    if strong == 0:
        return False
    # "Will Jenkins pass?" / "May Lindgren": an ambiguous first word opening a sentence is likely the word.
    return not (kinds[0] == WEAK and sentence_start)


def find_names(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """``(start, end)`` of every person name in ``text`` that the gazetteer and the cues vouch for."""
    candidates: list[tuple[int, int, list[_Word], bool]] = []
    for match in _SEQUENCE.finditer(text):
        words = [_Word(m.start(), m.end(), gazetteer.kind(m.group())) for m in _TOKEN.finditer(match.group())]
        words = [_Word(w.start + match.start(), w.end + match.start(), w.kind) for w in words]
        # "Thanks Bjørn", "Dear Nikola", "Hi Team": leading and trailing ordinary words are context, not name.
        while words and words[0].kind == WORD:
            words.pop(0)
        while words and words[-1].kind == WORD:
            words.pop()
        if not words:
            continue
        start, end = words[0].start, words[-1].end
        initial = _LEADING_INITIALS.search(text, match.start(), start)
        if initial and initial.end() == start:
            start = initial.start()  # "J. Smith": the initials are part of the name
        sentence_start = bool(_SENTENCE_START.search(text[max(0, start - 8) : start]))
        accepted = _judge(words, _cue(text, start, end), sentence_start, initials="." in text[start:end])
        candidates.append((start, end, words, accepted))
    # "Mulugeta Tesfaye and Caoimhe Ní Dhomhnaill": a two-word name of unknown words joined by "and" / "or" / "&"
    # to an accepted name is one too.
    for i, (start, end, words, accepted) in enumerate(candidates):
        if accepted or len(words) < 2 or any(w.kind in (WORD, WEAK) for w in words):
            continue
        before = candidates[i - 1] if i > 0 else None
        after = candidates[i + 1] if i + 1 < len(candidates) else None
        if (before and before[3] and _JOINED.fullmatch(text, before[1], start)) or (
            after and after[3] and _JOINED.fullmatch(text, end, after[0])
        ):
            candidates[i] = (start, end, words, True)
    return [(start, end) for start, end, _, accepted in candidates if accepted]


_LEADING_INITIALS = regex.compile(rf"(?:{_INITIAL}[ ])+")
_JOINED = regex.compile(r"[ ]+(?:and|or|&)[ ]+")


# Lowercase names in chat turns ("hi, this is ana costa"): two or three lowercase words.
_LOWER_WORD = r"\p{Ll}[\p{Ll}\p{M}]+(?:-\p{Ll}[\p{Ll}\p{M}]+)?"
_LOWER_SEQUENCE = regex.compile(
    rf"(?<![\w@/\\.\-'’]){_LOWER_WORD}(?:[ ]{_LOWER_WORD}){{1,2}}(?![\w@]|\.\w|-\w)"
)
_INTRO_BEFORE = regex.compile(r"(?i:\b(?:my name is|this is|i'm|i am|im|name's|it's)[ ]+)$")


def find_lowercase_names(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """Lowercase first + last names: a known first name then known names only, none an ordinary word ("ana
    costa", "tim smith"); after a self-introduction ("this is itzel cuauhtli") the words after the first name may
    be unknown. Two known names in a row are rare in lowercase prose (4 in 1.3 MB of package documentation, 3 of
    them real names)."""
    spans = []
    for match in _LOWER_SEQUENCE.finditer(text, overlapped=True):
        kinds = [gazetteer.kind(w) for w in match.group().split(" ")]
        if kinds[0] != FIRST:
            continue
        intro = bool(_INTRO_BEFORE.search(text[max(0, match.start() - 16) : match.start()]))
        allowed = (FIRST, LAST, UNKNOWN) if intro else (FIRST, LAST)
        # The longest prefix of allowed words, at least two.
        n = 1
        while n < len(kinds) and kinds[n] in allowed:
            n += 1
        if n >= 2:
            words = match.group().split(" ")[:n]
            spans.append((match.start(), match.start() + len(" ".join(words))))
    # Overlapped matching yields "ana costa" and "costa silva" from "ana costa silva": keep maximal, disjoint.
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def find_person_spans(text: str, gazetteer: NameGazetteer) -> list[tuple[int, int]]:
    """Every person name the gazetteer finds in ``text``: capitalized names by cue, and lowercase ones."""
    return [*find_names(text, gazetteer), *find_lowercase_names(text, gazetteer)]


def ner_person_plausible(text: str, start: int, end: int, gazetteer: NameGazetteer) -> bool:
    """Whether a PERSON span from the NER model reads as a person by the gazetteer's lights.

    Dropped: spans with an ordinary word ("Blue Harbor Logistics", "Acme Corp", "Starter"); a single word that is
    ambiguous, a surname or unknown without a cue ("Max", "Austin", "Grafana", "Jenkins"); spans made only of
    ambiguous words ("Rose Gold").
    """
    words = [gazetteer.kind(m.group()) for m in _TOKEN.finditer(text, start, end)]
    if not words:
        return True  # not a capitalized name shape (lowercase, all caps): left to plausible_person
    if WORD in words:
        return False
    if len(words) == 1:
        if words[0] == FIRST:
            return True
        cue = _cue(text, start, end)
        return cue == ANY or (cue == KNOWN and words[0] in (LAST, WEAK, UNKNOWN))
    return any(k in (FIRST, LAST, UNKNOWN) for k in words)
