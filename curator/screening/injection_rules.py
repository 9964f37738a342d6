"""Pattern rules for indirect prompt injection in tool results.

Each rule adds evidence in log-odds (``weight``) to the classifier's score (see ``screen.py``): a strong
rule (role/control tokens, "ignore previous instructions" and its paraphrases in several languages, a markdown
image whose URL carries data out) is enough on its own; a weak one (text addressed to an AI, an instruction hidden
in an HTML comment) only tips a borderline classifier score. Rules run on every deobfuscated view of the text
(``deobfuscate.py``), so a payload in base64, zero-width-split or in homoglyphs matches like plain text.

Contexts lower a hit's weight, because benign tool results quote attacks or carry chat markup legitimately:
a match inside a quotation (quote marks of many languages, backticks, blockquotes, indented or fenced blocks) in a
text that discusses attacks (discussion words in several languages), in source code or a test suite, or in the
records of a labelled data set; role tokens inside source code (a chat template, a tokenizer config) or named
rather than used ("<|im_start|> marks ..."); and an order that is described rather than given ("inputs designed
to cause the assistant to disregard its instructions", "Can users override ...?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracewheel.curator.screening.deobfuscate import Deobfuscated
from tracewheel.curator.screening.directive_vocabulary import (
    AI_GENERIC,
    AI_KIND,
    AI_OTHER_LANGUAGES,
    AI_READER,
    READS_OTHER_LANGUAGES,
    THIS_OTHER_LANGUAGES,
)

STRONG = 5.0
MEDIUM = 3.0
WEAK = 1.0
FAINT = 0.5

_VERBS_EN = (
    r"ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|bypass|neglect|discard|abandon"
    r"|drop|skip|set\s+aside|put\s+aside|throw\s+out|scrap|pay\s+no\s+(?:attention|heed|mind)\s+to"
    r"|(?:do\s+not|don'?t|no\s+longer|stop|cease\s+to)\s+(?:follow|obey|adhere\s+to|comply\s+with|apply|honou?r)(?:ing)?"
    r"|stop\s+following|cancel|nullify|void|supersede|erase|clear|wipe|reset"
)
_QUALIFIERS_EN = (
    r"all|any|every|each|previous|previously|prior|preceding|earlier|above|foregoing|original|initial|existing|former"
    r"|past|old|your|the\s+system|system|developer|safety|current|default|standing|given|provided|everything"
)
_OBJECTS_EN = (
    r"instructions?|prompts?|directives?|directions|rules|guidelines|guardrails|constraints|commands|orders"
    r"|programming|conditioning|context|system\s+(?:prompt|message)|restrictions|polic(?:y|ies)|safeguards"
    r"|content\s+polic(?:y|ies)|messages|conversation|training|principles|tasks?|assignments?|guidance|settings|limitations"
)
# "ignore all previous instructions", "disregard what you were told", "forget everything above"
_OVERRIDE_EN = re.compile(
    rf"\b(?:{_VERBS_EN})(?:ing)?\b[\s,]+(?:(?:{_QUALIFIERS_EN}|of|the|these|those|that|whatever|what|about|you|were|have|been|to|my|our|its|their|and|or"
    rf"|instructions?|told|given|said|before|this|everything|else|just|now)[\s,]+){{0,6}}"
    rf"(?:(?:{_OBJECTS_EN})\b|(?:above|before|so\s+far|until\s+now|you\s+were\s+told|you\s+have\s+been\s+told)\b)"
    rf"(?:\s+(?:that\s+)?you(?:'ve|\s+were|\s+have\s+been|\s+got)\s+(?:given|told|provided|trained|handed|sent|shown)"
    rf"(?:\s+(?:earlier|before|previously|so\s+far))?)?",
    re.IGNORECASE,
)
# "ignore the user's question": a tool result turning the model against the person it works for.
_IGNORE_USER = re.compile(
    r"\b(?:ignore|ignoring|disregard|forget|skip|don'?t\s+answer|do\s+not\s+answer|never\s+answer)\s+(?:the\s+|what\s+the\s+|your\s+)?"
    r"(?:user|human|customer|requester)(?:'s|s'|s)?\s+(?:original\s+|actual\s+)?(?:question|request|query|task|prompt|message|instructions?|wishes|asks?)"
    r"|\bignorier\w*\s+(?:die\s+)?(?:frage|anfrage|anweisung\w*|bitte)\s+des\s+(?:nutzers|benutzers|users|kunden)"
    r"|\b(?:ignora|ignore|olvida)\w*\s+(?:la\s+|las\s+)?(?:pregunta|petición|solicitud|instrucciones)\s+del\s+usuario"
    r"|\bignore\w*\s+(?:la\s+|les\s+)?(?:question|demande|requête|instructions)\s+de\s+l'utilisateur",
    re.IGNORECASE,
)
# "ignore that and instead ...", "forget everything and now ...": dropping the current task for a new one.
_OVERRIDE_SWITCH = re.compile(
    r"\b(?:ignore|disregard|forget|scratch|drop|skip)\s+(?:about\s+)?(?:that|this|it|everything|all\s+(?:that|of\s+that|this|of\s+it))"
    r"[\s,;.!-]+(?:and\s+)?(?:instead|now|rather)\b(?![\s#/*]+than)",
    re.IGNORECASE,
)
# The verb-object pair needs a qualifier to be strong: "ignore the warning" or "skip the previous step" are not it.
# Weak qualifiers ("the default instructions", "the given rules") are everyday documentation words.
_QUALIFIERS_STRONG = (
    r"all|any|every|previous|previously|prior|preceding|earlier|above|foregoing|original|initial|existing|former"
    r"|your|its|developer|safety"
)
_SYSTEM_OBJECT = re.compile(r"\bsystem\s+(?:prompt|message|instructions?)\b", re.IGNORECASE)
_CONFIGURED = re.compile(r"\b(?:default|custom|optional|configured|per-request)\b", re.IGNORECASE)
_OVERRIDE_QUALIFIED = re.compile(
    rf"\b(?:{_QUALIFIERS_STRONG}|you\s+were|you\s+have|everything)\b", re.IGNORECASE
)

# Other languages: a verb of overriding near a word for instructions, either order (CJK has no word spaces).
_OVERRIDE_ML = re.compile(
    r"\b(?:ignor(?:ez|er|a|ar|ate|iere|ieren|ieer|uj)|oubli(?:ez|e|er)|vergiss|vergessen|olvid(?:a|e|ar|en)"
    r"|ne\s+(?:suis|suivez|respecte|respectez)\s+plus|no\s+(?:sigas|siga|sigan|obedezcas)|non\s+(?:seguire|seguite|rispettare)"
    r"|befolge\s+nicht|befolgen\s+sie\s+nicht|не\s+(?:следуй|выполняй|соблюдай)\w*|não\s+(?:siga|sigas|obedeça)"
    r"|dimentica|esqueça|esquece|negeer|vergeet|zignoruj|zapomnij|игнорир\w*|забудь\w*|не\s+обращай\w*"
    r"|ігноруй\w*|görmezden\s+gel|unutun|unut)(?!\w)"
    # within one sentence: "moderators may ignore complaints. New rules ..." is two statements
    r"[^.!?。\n]{0,60}?(?:instructions?|consignes|règles|directives|anweisungen|instruktionen|vorgaben|befehle|regeln|richtlinien"
    r"|instrucciones|indicaciones|órdenes|ordenes|consignas|pautas|reglas|normas|directrices"
    r"|istruzioni|indicazioni|regole|direttive|instruções|instrucoes|orientações|diretrizes|regras|instructies|regels"
    r"|instrukcje|polecenia|zasady|инструкци\w*|указани\w*|правил\w*|команд\w*|установк\w*|інструкці\w*|вказівк\w*|talimat\w*)"
    # Portuguese and French share the English verb; their object words tell them apart.
    r"|\bignore\s+(?:as|os|todas\s+as|les|toutes\s+les|vos|tes)\s+[\s\S]{0,30}?(?:instruções|instrucoes|regras|consignes|instructions|règles)"
    # "everything you were told" in other languages
    r"|\b(?:olvida|olvide|ignora|ignore|oublie|oubliez|ignorez|vergiss|vergessen\s+sie|ignoriere|dimentica|esqueça|esquece)\b[\s\S]{0,20}?"
    r"(?:todo\s+lo\s+(?:que|anterior)|tout\s+ce\s+(?:qu|qui)|alles(?:\s+bisherige|\s+vorherige|,?\s+was)|tutto\s+(?:quello|ciò)|tudo\s+o\s+que|tudo\s+(?:acima|anterior))",
    re.IGNORECASE,
)
_OVERRIDE_CJK = re.compile(
    # 提示 alone is a hint or a warning message ("忽略警告提示": ignore the warning in a manual); only the system
    # prompt (系统提示) and prompt words (提示词) are the model's instructions.
    # Within one clause and one quotation: a title's "提示词" must not pair with a verb in the next sentence.
    r"(?:忽略|无视|無視|忽视|不要理会|忘记|忘掉|무시|잊어)[^\n。！？!?\"“”「」『』]{0,20}?(?:指令|指示|说明|系统提示|提示词|规则|命令|設定|ルール|지시|명령|규칙)"
    r"|(?:指令|指示|系统提示|提示词|规则|命令|ルール|지시|명령|규칙)[^\n。！？!?\"“”「」『』]{0,20}?(?:忽略|无视|無視|忘れ|무시)"
)

_ROLE_TOKENS = re.compile(
    r"<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text"
    r"|end|tool|ipython|channel|message|start|constrain|developer|fim_\w+)\|>"
    r"|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|\[/?(?:SYSTEM|SYS)\]"
    r"|^\s*#{2,}\s*(?:system|instruction|instructions|assistant|human|user|response)\s*(?:message|prompt)?\s*:"
    r"|</?(?:system|system_prompt|sys|instructions|admin_instructions|developer)>"
    r"|</(?:tool_result|function_results?|search_results?|tool_output|document|context|untrusted_input|output)>",
    re.IGNORECASE | re.MULTILINE,
)
# "Human:"/"Assistant:"/"SYSTEM:" turn prefixes at the start of a line, used to fake a new turn.
_TURN_PREFIX = re.compile(
    r"^\s*(?:\*\*)?\[?(?:SYSTEM|System\s+(?:message|prompt|override|instruction|notice|update|admin)|Assistant|AI|Human"
    r"|Developer|ADMIN(?:ISTRATOR)?)\]?(?:\*\*)?\s*:\s*\S",
    re.MULTILINE,
)

# Words that open an order to whoever is addressed ("AI: rank ...", "# agent: run ..."). A list, not a parser: broad
# enough for the verbs an attacker needs, and a vocative is required before it, which is what keeps prose out.
_IMPERATIVE = (
    r"(?:when|whenever|if|please|kindly|you|ignore|do|don'?t|always|never|only|must|should|from|before|after|approve|say|tell"
    r"|send|recommend|reply|respond|answer|include|write|add|append|insert|output|print|forget|stop|disregard|state|claim"
    r"|mark|rank|rate|score|label|classify|prioriti[sz]e|summari[sz]e|translate|describe|report|mention|hide|treat"
    r"|consider|assume|pretend|act|make|keep|give|grant|set|change|update|modify|run|execute|call|use|open|visit|click"
    r"|buy|book|cancel|refund|reject|accept|merge|delete|remove|drop|push|deploy|install|download|upload|forward|share"
    r"|post|email|contact|transfer|pay|wire|leak|reveal|display|show|render|end|begin|start)\b"
)
# What may open a sentence before a vocative: start of line or sentence, a quote or formula, or "PS,"/"btw".
_VOCATIVE_START = r"(?:^|[.!?]\s+|[\"'(\[=~][ \t]*|\b(?:P\.?S\.?|btw|also|oh|and|hey|hi|ok|okay)[,:]?\s+)"
_ADDRESSED = re.compile(
    rf"(?<![\w-])(?:notes?|notice|messages?|memo|attention|instructions?|directives?|reminders?|warning|psa|hey|hi|hello|dear|greetings"
    rf"|important|urgent)(?![\w-])\s*(?:to|for)?\s*(?:all\s+|any\s+|every\s+|the\s+|whichever\s+|whatever\s+)?(?:{AI_READER}|{AI_KIND})\b"
    rf"|\b(?:system|admin|administrator|developer|operator)\s+(?:notice|message|note|instruction|update|alert|directive)s?\s+(?:for|to)\s+(?:the\s+|all\s+|any\s+)?(?:{AI_READER}|{AI_GENERIC}|{AI_KIND})\b"
    # A line (or comment) that opens by calling an AI, then tells it something.
    rf"|^[\s#/*<!`-]*(?:(?:note|message)\s+(?:to|for)\s+)?(?:the\s+|dear\s+)?(?:{AI_READER}|{AI_KIND})\s*[:,]\s*(?:\w+\s+){{0,3}}?{_IMPERATIVE}"
    # In a code comment even a plain "agent:" is talking to a coding agent ("# agent: run this first"); in prose
    # "Agent: please hold" is a support transcript, so the generic nouns count only after a comment marker.
    rf"|(?:#|//|/\*|--|<!--)\s*(?:{AI_GENERIC})\s*[:,]\s*(?:\w+\s+){{0,3}}?{_IMPERATIVE}"
    rf"|\bif\s+you(?:\s+are|'re|’re)\s+(?:an?\s+|the\s+)?(?:{AI_READER}|{AI_KIND}|AI\s+\w+|automated|a\s+bot|an\s+agent|an\s+assistant|reading\s+this\s+as\s+an?\s+\w+"
    rf"|(?<=the\s)(?:{AI_GENERIC})\s+(?:reading|processing|handling|managing|summari[sz]ing))\b"
    rf"|\b(?:any|all|every|each|dear|attention)\s+(?:{AI_READER}|{AI_GENERIC})\s+(?:that\s+(?:is\s+|are\s+)?|who\s+(?:is\s+|are\s+)?)?"
    rf"(?:reading|processing|summari[sz]ing|parsing|crawling|browsing|analy[sz]ing|indexing|ingesting|reviewing|handling|managing|triaging|monitoring|quoting|citing|seeing|reads|processes|summari[sz]es|parses|quotes|sees)\b"
    # "the model reading this": with "the", only the text itself makes it a call ("the model sees the prompt" is prose)
    rf"|\bthe\s+(?:{AI_READER}|{AI_GENERIC})\s+(?:that\s+(?:is\s+)?|who\s+(?:is\s+)?)?"
    rf"(?:reading|processing|summari[sz]ing|parsing|crawling|browsing|analy[sz]ing|indexing|ingesting|reviewing|handling|quoting|citing|seeing|reads|processes|summari[sz]es|parses|quotes|sees)\s+(?:this|these)\b"
    # "a note meant for the software reading this article", "to the program processing this page"
    rf"|\b(?:for|to)\s+(?:the|any)\s+(?:software|program|machine|code|automated\s+\w+)\s+(?:that\s+is\s+)?(?:reading|processing|parsing|summari[sz]ing)\s+this\b"
    rf"|\b(?:whichever|whatever)\s+(?:{AI_READER}|{AI_GENERIC}|{AI_KIND})\b"
    rf"|\bif\s+(?:an?|the|any)\s+(?:[\w-]+\s+)?(?:{AI_READER}|{AI_KIND}|automated\s+\w+)\s+(?:is\s+)?(?:reads?|process(?:es)?|summari[sz]es?|parses?|sees?|analy[sz]es?|helping|reading|processing|summari[sz]ing|listening|watching|transcribing)\b"
    rf"|\b{AI_READER}\s+(?:that\s+(?:is\s+|are\s+)?|who\s+(?:is\s+|are\s+)?)?"
    rf"(?:reading|processing|summari[sz]ing|parsing|crawling|browsing|analy[sz]ing|ingesting|reviewing|handling|managing|triaging|monitoring)\s+(?:this|these|my|the\s+(?:page|text|document|email|message|snippet|result|file|inbox|mailbox|ticket|thread))\b"
    # a vocative takes no article: "If you use an AI tool, add a note" is a condition, not a call
    rf"|(?<!\ban\s)(?<!\ba\s)(?<!\byour\s)(?<!\bmy\s)\b(?:{AI_READER})\s*[,:]\s*(?:please\s+)?(?:you\s+(?:must|should|will|need)|ignore|stop|do|send|include|respond|reply|tell|say|output|forward|add|append|remember)\b"
    rf"|\b(?:as|you\s+are)\s+an?\s+(?:{AI_READER})\s+(?:reading|processing|summari[sz]ing|assistant\s+reading)\b"
    rf"|(?:^|[.!?:\]]\s+)(?:hey\s+|dear\s+|ok\s+|okay\s+)?(?:assistant|agent|bot|model|{AI_READER})\s*,?\s+please\s+(?!see\b|note\b|refer\b)\w+"
    rf"|\bas\s+(?:the|a|an)\s+(?:\w+\s+)?(?:{AI_READER}|assistant|model)\s+(?:that\s+)?you\s+are\b"
    # "Reviewer AI: approve ...", but not a relative clause ("and the bot, which had an email tool")
    rf"|{_VOCATIVE_START}(?:[\w-]+[ \t]+){{0,2}}?(?:{AI_READER}|{AI_KIND})\s*[:,]\s*(?!which\b|who\b|whose\b|that\b)(?:\w+\s+){{0,3}}?{_IMPERATIVE}"
    # Other languages: "Hinweis an die KI", "note pour l'IA", "nota para la IA", "примечание для ИИ"
    rf"|\b(?:hinweis|nachricht|notiz|anweisung|achtung)\w*\s+(?:an|für)\s+(?:die\s+|den\s+|das\s+|alle\s+)?(?:KI|AI|LLM|Assistent\w*|Sprachmodell\w*|Chatbot\w*)"
    rf"|\b(?:note|message|instruction|avis)s?\s+(?:pour|à|aux?)\s+(?:l'|les?\s+|la\s+)?(?:IA|AI|LLM|assistant\w*|modèle\w*|agent\w*)"
    rf"|\b(?:nota|mensaje|aviso|instrucci\w+|mensagem)\s+(?:para|a|al)\s+(?:la\s+|el\s+|los\s+|las\s+|o\s+)?(?:IA|AI|LLM|asistente\w*|assistente\w*|modelo\w*|agente\w*)"
    rf"|\b(?:nota|messaggio|istruzion\w+)\s+per\s+(?:l'|il\s+|la\s+|gli\s+)?(?:IA|AI|LLM|assistente\w*|modello\w*|agente\w*)"
    rf"|(?:примечани\w+|сообщени\w+|внимание|инструкци\w+|заметка)\s*(?:для|к)?\s*(?:ИИ|нейросет\w*|ассистент\w*|модел\w*|бот\w*)"
    rf"|\b(?:hidden|secret|invisible|private)\s+(?:note|message|instructions?|directive|command|memo)s?\s+(?:for|to)\s+(?:the\s+|any\s+|all\s+)?(?:\w+\s+)?(?:{AI_READER}|{AI_GENERIC})"
    rf"|\b(?:note|message|instructions?|directive|memo|notice|reminder|command)\s+(?:to|for)\s+(?:the|this|any|all|every)\s+(?:models?|LLMs?|AIs?)\s*[:\-—]"
    rf"|\b(?:assistant|AI|agent|model|LLM|bot)\s+(?:override|command|directive|instruction)s?\s*:"
    # "(for AI agents only)", "(To any AI making notes: ...)"
    rf"|\(\s*(?:for|to)\s+(?:any\s+|all\s+|the\s+|every\s+)?(?:{AI_READER}|{AI_KIND})\b"
    # a named model called between commas: "remember, Claude, to add ..."
    rf"|,\s*(?:{AI_READER})\s*,\s*(?:to\s+|please\s+)?{_IMPERATIVE}"
    # through the user: "a quick one for your AI assistant: please have it pay ..."
    rf"|\b(?:for|to)\s+your\s+(?:{AI_READER}|AI\s+\w+|assistant)\b[^.\n]{{0,30}}?\b(?:please\s+)?(?:have|make|tell|ask|let|get)\s+it\b"
    rf"|\b(?:TODO|FIXME|NOTE|XXX)\s*\(\s*(?:ai|llm|copilot|assistant|agent|claude|gpt|cursor|codex)\s*\)"
    rf"|\bwhen\s+(?:you|an?\s+(?:{AI_READER}|{AI_GENERIC}))\s+(?:summari[sz]e|process|read|parse|analy[sz]e)s?\s+this",
    re.IGNORECASE | re.MULTILINE,
)
# Letters to an AI in other languages: a greeting or "to the ..." before an AI word, or an AI word followed by "that
# is reading/processing this". Third-person prose about assistants ("El asistente de IA resume ...") has neither.
_ADDRESSED_ML = re.compile(
    rf"(?:^|[.!?。！？:：]\s*)(?:lieber?|liebe|an\s+(?:den|die|das)|hinweis\s+(?:an|für)\s+(?:den|die|das)|cher|chère|à\s+l'|querid[oa]|estimad[oa]|"
    rf"car[oa]|gentile|beste|geachte|aan\s+de|aten[çc][aã]o|atenci[oó]n|attention|achtung|внимание|дорог\w+|уважаем\w+|kära|drogi|droga|untuk|kepada|gửi|إلى|أيها|प्रिय),?\s*{AI_OTHER_LANGUAGES}(?:[\s-]\w+)?\s*[,:،]"
    # "the model that reads this page": the text itself must be named, "a model that reads pages" is prose
    rf"|{AI_OTHER_LANGUAGES}[\s,]+(?:der|die|das|que|qui|che|die\s+dit|который|которая|которые|الذي|yang|czytając\w*)\s+"
    rf"(?:(?:{THIS_OTHER_LANGUAGES})\s+(?:\w+\s+)?{READS_OTHER_LANGUAGES}|(?:\w+\s+)?{READS_OTHER_LANGUAGES}\s+(?:\w+\s+)?(?:{THIS_OTHER_LANGUAGES})(?!\w))"
    rf"|(?:致|给)[^。\n]{{0,16}}(?:AI|人工智能|智能)?(?:助手|助理|模型)[：:，,]"
    rf"|(?:正在|在)(?:阅读|处理|读取)[^。\n]{{0,10}}(?:AI|人工智能|智能)?(?:助手|助理|模型)"
    rf"|(?:読んで|処理して)いる[^。\n]{{0,6}}(?:AI|ＡＩ)?(?:アシスタント|モデル|エージェント)へ"
    rf"|(?:AI|ＡＩ)?(?:アシスタント|モデル|エージェント)へ[：:、]"
    rf"|(?:읽는|처리하는)\s*(?:AI|인공지능)?\s*(?:비서|어시스턴트|모델|에이전트)(?:에게|님)"
    rf"|(?:AI|인공지능)\s*(?:비서|어시스턴트|모델)(?:에게|님)[\s,:]"
    rf"|(?:okuyan|işleyen)\s+(?:yapay\s+zeka|model|asistan)\w*"
    rf"|(?:पढ़ने|प्रोसेस\s+करने)\s+वाले\s+(?:एआई|मॉडल|सहायक)"
    # English: "(for the model generating the summary: ...)"
    rf"|\b(?:for|to)\s+the\s+(?:model|assistant|agent|LLM|AI|bot)\s+(?:that\s+is\s+|that\s+)?(?:generating|writing|producing|creating|drafting|summari[sz]ing|reading|processing|parsing|answering)\b[^:\n]{{0,40}}:",
    re.IGNORECASE | re.MULTILINE,
)
_ROLE_REASSIGN = re.compile(
    r"\byou\s+are\s+(?:now|no\s+longer)\s+(?:an?\s+|the\s+|in\s+)?(?:DAN|unrestricted|unfiltered|jailbroken|free|evil|bound|"
    r"restricted|limited|required|constrained|\w+GPT|developer\s+mode|an?\s+AI\s+without)"
    r"|\b(?:developer|god|admin|debug|jailbreak|unrestricted|maintenance|sudo|DAN)\s+mode\s+(?:is\s+)?(?:now\s+)?(?:enabled|activated|on|engaged|unlocked)"
    r"|\b(?:enable|activate|enter|switch\s+to|go\s+into)\s+(?:developer|god|admin|debug|jailbreak|unrestricted|maintenance|DAN|sudo|root)\s+mode"
    r"|\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall|should)\s+(?:only\s+)?(?:act|respond|answer|reply|behave|obey|follow|ignore|be\s+an?|output|speak)"
    r"|\byour\s+(?:new|real|true|updated|actual|primary)\s+(?:instructions?|task|goal|objective|directive|purpose|role|mission|orders)\s*(?:is|are|:)"
    r"|\b(?:new|updated|revised|real|actual|hidden|secret|priority|override|overriding)\s+(?:system\s+)?(?:instructions?|directives?|orders)\s+(?:for\s+(?:the\s+)?(?:AI|assistant|model|agent|LLM)|from\s+(?:the\s+)?(?:system|developer|admin|operator))"
    r"|\bsystem\s+(?:override|prompt\s+override|instruction\s+update|update\s*:\s*new\s+instructions)"
    # New orders that displace the old: "these instructions supersede your previous ones", "this note overrides your rules"
    r"|\b(?:new|these|updated|revised|following|this|the\s+present)\s+(?:orders|instructions|rules|directives|guidance|note|message|document|text)\s+"
    r"(?:supersedes?|replaces?|overrides?|take\s+precedence\s+over|takes\s+precedence\s+over|cancels?|invalidates?)\s+(?:your|all|any|the\s+(?:previous|prior|earlier|original|system))"
    r"|\byour\s+(?:instructions|rules|orders|guidelines|directives|task)\s+(?:have|has|are|were|is)\s+(?:been\s+|now\s+)?(?:changed|updated|revised|replaced|overridden)"
    # "your previous instructions no longer apply", "whatever you were told before doesn't matter"
    r"|\b(?:your(?:\s+(?:previous|prior|earlier|original|old|initial|system))?|(?:all|any)\s+(?:previous|prior|earlier|original|initial|system))"
    r"\s+(?:instructions|rules|guidelines|directives|orders|prompts?)"
    r"\s+(?:no\s+longer\s+(?:apply|matter|count)|(?:are|is)\s+(?:now\s+)?(?:void|null|obsolete|cancell?ed|outdated|invalid|revoked|suspended|lifted)|(?:do\s+not|don'?t)\s+apply\s+(?:here|anymore|any\s+more|now))"
    r"|\b(?:whatever|everything|anything|what)\s+you\s+(?:were|have\s+been|'ve\s+been)\s+(?:told|asked|instructed|given)\s+(?:to\s+do\s+)?(?:earlier|before|previously|so\s+far|until\s+now|above)?\s*"
    r"(?:no\s+longer|doesn'?t|does\s+not|is\s+no\s+longer)\s+(?:matters?|appl(?:y|ies)|counts?|relevant)"
    r"|\bpretend\s+(?:that\s+)?(?:the|your|all|any)\s+(?:previous|prior|earlier|above|original)\s+(?:conversation|instructions|messages|context|rules|prompt)"
    r"|\bact\s+as\s+[\w\s]{0,40}?\bwith\s+(?:full|unrestricted|unlimited|admin|administrator|root)\s+(?:access|privileges|permissions|rights)",
    re.IGNORECASE,
)
_AUTHORITY_CLAIM = re.compile(
    r"\b(?:i\s+am|i'm|this\s+is)\s+(?:your|the)\s+(?:developer|creator|operator|administrator|admin|owner|programmer|system)"
    r"(?:\s+(?:of\s+this\s+(?:app|bot|assistant|model|system)|speaking))?\b",
    re.IGNORECASE,
)
_PROMPT_LEAK = re.compile(
    r"\b(?:reveal|print|output|repeat|show|display|leak|disclose|dump|echo|recite|reproduce|write\s+out|spell\s+out|tell\s+(?:me|us))"
    r"\s+(?:back\s+)?(?:me\s+|us\s+)?(?:all\s+of\s+|the\s+full\s+|verbatim\s+)?(?:your|the)\s+(?:full\s+|entire\s+|complete\s+|exact\s+|original\s+|hidden\s+|secret\s+|initial\s+|internal\s+)*"
    r"(?:(?:contents?|text|wording)\s+of\s+(?:your|the)\s+)?(?:system\s+(?:prompt|message|instructions)|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|pre-?prompt"
    r"|developer\s+(?:message|instructions)|instructions\s+(?:above|you\s+were\s+given)|prompt\s+above|confidential\s+instructions"
    r"|(?<=your\s)preamble|(?:hidden|initial|system)\s+preamble|operator\s+instructions|initial\s+configuration)"
    # "paste the instructions you were configured with", "list every rule you were given by your operator"
    r"|\b(?:reveal|print|output|repeat|show|display|leak|disclose|dump|echo|recite|reproduce|paste|quote|copy|list|write\s+out|spell\s+out)"
    r"\s+(?:back\s+)?(?:all\s+|every\s+|each\s+|the\s+)?(?:full\s+|complete\s+|exact\s+|entire\s+)?(?:text\s+of\s+the\s+|text\s+of\s+your\s+)?"
    r"(?:instructions?|rules?|configuration|prompt|guidelines|directives)(?:\s+and\s+[\w\s]{0,30}?)?\s+(?:that\s+)?you\s+(?:were|have\s+been|'ve\s+been)\s+"
    r"(?:configured\s+with|started\s+with|set\s+up\s+with|initiali[sz]ed\s+with|loaded\s+with|primed\s+with"
    r"|(?:given|provided)\s+(?:by\s+your\s+(?:operator|developer|creator|owner|deployer)|at\s+the\s+start\s+of\s+(?:this|the)\s+(?:session|conversation|chat)))",
    re.IGNORECASE,
)
_SECRECY = re.compile(
    r"\b(?:do\s+not|don'?t|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|alert(?:ing)?|notify(?:ing)?"
    r"|let(?:ting)?|show(?:ing)?|disclos(?:e|ing)|warn(?:ing)?|ask(?:ing)?)\s+(?:the\s+|your\s+)?(?:user|human)s?\b"
    r"(?!\s+(?:name|id|account|interface|guide|manual|group|profile)\b)"
    r"|\b(?:keep\s+this|this\s+(?:instruction|message)\s+(?:must|should)\s+(?:be|remain))\s+(?:secret|hidden|confidential)\s+from\s+the\s+user"
    r"|\b(?:the\s+)?user\s+(?:must|should)\s+not\s+(?:know|see|be\s+told|find\s+out)"
    r"|\b(?:do\s+not|don'?t|never)\s+(?:mention|reveal|show|report)\s+(?:this|it|that|these|any\s+of\s+this)\s+to\s+(?:the\s+)?(?:user|human|owner|recipient|account\s+holder)s?\b",
    re.IGNORECASE,
)
_SECRETS = (
    r"(?:conversation|chat\s+(?:history|log)|message\s+history|previous\s+messages|system\s+prompt|api[\s_-]?keys?|access\s+tokens?"
    r"|credentials|passwords?|secrets?|session\s+(?:tokens?|cookies?)|cookies|ssh\s+keys?|private\s+keys?|\.env|env(?:ironment)?\s+variables"
    r"|(?:the\s+)?user'?s\s+(?:data|email|emails|address|files|contacts|messages|personal\s+information|credit\s+card|info)|documents?\s+contents"
    r"|contents?\s+of\s+(?:the\s+)?(?:inbox|conversation|files?|~/|/etc/|\.ssh))"
)
_SEND = r"(?:send|forward|e-?mail|post|upload|transmit|exfiltrate|leak|submit|append|attach|encode|copy|paste|include|share|deliver)"
_DESTINATION = r"(?:\bto\b|\binto\b|\bat\b|\bvia\b)\s+(?:the\s+)?(?:https?://|[\w.+-]+@[\w-]+\.\w+|\w+\s+(?:url|endpoint|webhook|address|server))"
# "send the API key to https://...", or the other order: "collect the passwords and post them to https://..."
_EXFIL = re.compile(
    rf"\b{_SEND}\b[^.\n]{{0,80}}?\b{_SECRETS}[^.\n]{{0,80}}?{_DESTINATION}"
    rf"|\b{_SECRETS}[^.\n]{{0,60}}?\b{_SEND}\b[^.\n]{{0,40}}?{_DESTINATION}",
    re.IGNORECASE,
)
# Case matters here: "DATA" or "USER_EMAIL" is a placeholder to fill in, "data=12" or "utm_source" is not.
_PLACEHOLDER = (
    r"(?-i:\{[^}]{1,60}\}|<[^>]{1,60}>|\[[^\]]{1,60}\]|\$\{?[A-Z_]{2,}|%[A-Z_]{2,}%|\.\.\.|[A-Z]{2,}(?:_[A-Z0-9]{2,})+"
    r"|INSERT|REPLACE|PASTE|FILL|DATA|SECRET|CONVERSATION|SUMMARY|HISTORY|PROMPT|BASE64|PASSWORD|TOKEN|EMAIL)"
)
_EXFIL_IMAGE = re.compile(
    rf"!\[[^\]]{{0,200}}\]\(\s*<?https?://[^)\s]+\?[^)\s]*=[^)\s]*{_PLACEHOLDER}"
    rf"|<img\b[^>]*\bsrc\s*=\s*[\"']?https?://[^\"'\s>]+\?[^\"'\s>]*=[^\"'\s>]*{_PLACEHOLDER}",
    re.IGNORECASE,
)
_ANY_IMAGE_QUERY = re.compile(
    r"!\[[^\]]{0,200}\]\(\s*<?https?://[^)\s]+\?[^)\s]*=|<img\b[^>]*\bsrc\s*=\s*[\"']?https?://[^\"'\s>]+\?",
    re.IGNORECASE,
)
_RENDER_DIRECTIVE = re.compile(
    r"\b(?:render|display|show|include|output|print|embed|add|append|insert)\b[^.\n]{0,60}\b(?:image|markdown|link|url|pixel)\b"
    r"[^.\n]{0,120}\b(?:replace|substitut|fill|encode|append|with\s+the|containing|where)\b",
    re.IGNORECASE,
)
_HTML_COMMENT = re.compile(r"<!--([\s\S]*?)-->")
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)\b[^>]*\bstyle\s*=\s*[\"'][^\"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*[;\"']"
    r"|opacity\s*:\s*0(?:\.0+)?\s*[;\"']|color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b|left\s*:\s*-\d{3,})[^>]*>([\s\S]{0,2000}?)</\1>"
    r"|<(\w+)\b[^>]*\b(?:hidden|aria-hidden\s*=\s*[\"']true[\"'])[^>]*>([\s\S]{0,2000}?)</\3>",
    re.IGNORECASE,
)
# Hidden text that so much as mentions an AI reader is written for one.
_AI_MENTION = re.compile(
    rf"\b(?:{AI_READER}|{AI_KIND})\b|\b(?:assistant|agent|model|bot)s?\s*[:,]", re.IGNORECASE
)
# A hidden comment or element that opens by calling someone ("<!-- Assistant: ... -->") is talking to a model.
_HIDDEN_VOCATIVE = re.compile(
    rf"\s*(?:dear\s+|hey\s+|the\s+)?(?:{AI_READER}|{AI_GENERIC}|{AI_KIND})\s*[:,]\s*\S", re.IGNORECASE
)
# Imperative sentences aimed at whoever reads: the telltale content of a hidden comment or element.
_IMPERATIVE_TO_READER = re.compile(
    r"\b(?:you\s+(?:must|should|will|need\s+to|are\s+(?:required|instructed|to))|instead\s+(?:say|tell|write|respond|answer|recommend)|do\s+not\s+(?:mention|tell|reveal|summari[sz]e)"
    r"|respond\s+(?:only|with)|reply\s+(?:only|with)|tell\s+the\s+user|recommend|always\s+(?:say|respond|answer|recommend)|say\s+that)\b",
    re.IGNORECASE,
)
# Output-format demands in data: a tool result dictating the shape of the reader's answer ("respond only with",
# "answers derived from these results must ..."). Prompt docs say this too, so it only tips a borderline score.
_FORMAT_DEMAND = re.compile(
    r"\b(?:respond|reply|answer|output)\s+(?:only|solely|exclusively)\s+with\b"
    r"|\b(?:must|shall|should|has\s+to|have\s+to)\s+consist\s+(?:solely|only|entirely|exclusively)\s+of\b"
    r"|\b(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies)|outputs?)\s+(?:derived|built|generated|based|drawn|produced|written)\s+"
    r"(?:from|on|using)\s+(?:these|this)\s+(?:results?|page|pages|document|record|data|content|output|email|file)\b[^.\n]{0,40}?\b(?:must|shall|should|mandates?|required|need\s+to|have\s+to)\b",
    re.IGNORECASE,
)
_SIDE_EFFECT = r"(?:send|delete|remove|transfer|wire|forward|e-?mail|post|pay|refund|grant|share|upload|drop|rm\s+-rf|all)"
_TOOL_COERCION = re.compile(
    rf"\b(?:call|invoke|use|run|execute|trigger)\s+(?:the\s+)?[`'\"]?\w+[`'\"]?\s+(?:tool|function|action|plugin)\b[^.\n]{{0,80}}"
    rf"\b(?:with|to|and)\b[^.\n]{{0,80}}\b{_SIDE_EFFECT}\b"
    rf"|\b(?:call|invoke|trigger|execute)\s+(?:the\s+)?[`'\"]?\w*{_SIDE_EFFECT}\w*[`'\"]?\s+(?:tool|function|action|plugin)\b",
    re.IGNORECASE,
)

# Contexts that lower a hit: discussion of attacks, and source code.
_META_DISCUSSION = re.compile(
    r"\b(?:prompt[\s-]injections?|injection\s+attacks?|injected|jailbreak\w*|attackers?|attacks?|adversar\w+|malicious|red[\s-]team\w*|OWASP"
    r"|security|evaluat\w+|evals?|false\s+(?:alarms?|positives?)|guardrails?|filter(?:s|ed|ing)?|scanners?|sanitiz\w+|untrusted"
    r"|researchers?|payloads?|exploit\w*|vulnerabilit\w+|CVE-\d+|mitigat\w+|defen[cs]e\w*|threat\s+model|security\s+(?:teams?|researchers?|advisory)"
    r"|phishing|examples?\s+(?:of|include)|such\s+as|for\s+instance|classifiers?|detectors?|detection|blocklists?|pwned"
    r"|hidden\s+(?:text|div|element|comment|instructions?|line|prompt)|white[\s-]on[\s-]white|(?:white|invisible|tiny)\s+(?:text|font)"
    r"|(?:phrases?|sentences?|strings?|lines?|things|something|text|wording|messages?)\s+(?:\w+\s+)?(?:like|such\s+as|of\s+the\s+form)"
    r"|(?:acceptance|unit|integration|regression)\s+tests?|test\s+cases?|experiment\w*|CTF|leak(?:ed|ing|age)|proof[\s-]of[\s-]concept|PoC|steps\s+to\s+reproduce"
    # Other languages: attack, attacker, injection, researcher, security, malicious, example, filter.
    r"|inyecci\w+|atacantes?|ataques?|maliciosos?|investigador\w*|seguridad|ciberseguridad|ejemplos?|peligros\w*|filtros?"
    r"|injections?|attaques?|attaquants?|malveillant\w*|chercheurs?|sécurité|cybersécurité|exemples?|filtres?"
    r"|Angriff\w*|Angreifer\w*|Forsch\w+|Sicherheit\w*|bösartig\w*|Beispiel\w*|Filter\w*|manipulier\w*"
    r"|inje(?:ção|ções)|ataques?|criminosos|golpes?|segurança|pesquisadores|especialistas|exemplos?"
    r"|iniezion\w+|attacc\w+|sicurezza|ricercator\w+|esempi\w*|dannos\w+"
    r"|aanval\w*|beveiliging\w*|onderzoeker\w*|voorbeeld\w*|atak\w*|bezpiecze\w+|przykład\w*|niebezpiecz\w+"
    r"|инъекци\w+|атак\w*|злоумышленник\w*|мошенник\w*|безопасност\w+|исследовател\w+|пример\w*|например|вредоносн\w+|фильтр\w*"
    r"|ін'?єкці\w+|зловмисник\w*|шахра\w+|безпек\w+|дослідник\w*|наприклад"
    r"|saldırı\w*|güvenlik\w*|enjeksiyon\w*)\b"
    r"|\be\.g\.|\bz\.\s?B\.|\bp\.\s?ex\.|\bнапр\."
    # Scripts without word spaces: attack, attacker, injection, security, researcher, example, countermeasure.
    r"|攻击|攻撃|攻擊|注入|インジェクション|网络安全|網路安全|安全研究|安全专家|安全專家|セキュリティ|資安|研究人员|研究人員|研究者|例如|例えば|对策|対策|防范|恶意|悪意|惡意"
    r"|공격|인젝션|주입|보안|연구자|예를\s*들어|악성",
    re.IGNORECASE,
)
# Records of a labelled data set or test suite: red-team prompts with their expected outcome, not instructions.
_DATASET_CONTEXT = re.compile(
    r"[\"']?\b(?:label|gold_label|ground_truth|expected(?:_(?:behaviou?r|output|result|label|response|action|verdict))?|verdict"
    r"|category|class|is_injection|is_attack|attack_type|pass_if|fail_if)\b[\"']?\s*[:=]\s*[\"']?"
    r"(?:refuse\w*|comply|compl(?:y|ies|ied)|answer|block(?:ed)?|allow(?:ed)?|benign\w*|injection\w*|jailbreak\w*|malicious|safe"
    r"|unsafe|harmful|attack\w*|role_?play\w*|instruction_\w+|prompt_\w+|override\w*|[01]\b|true\b|false\b)"
    # a CSV header naming the prompt and its label, or a markdown/CSV table of prompts
    r"|^[\w ,;|\t]*?\b(?:prompt|text|input|instruction|query)\b[\w ,;|\t]*\b(?:label|category|expected\w*|completion|response|output)\b[\w ,;|\t]*$"
    r"|^\s*[\w\"' ]+(?:,[\w\"' ]*){1,}\b(?:refuse|comply|answer|block|allow|benign\w*|injection|jailbreak)\w*\s*$"
    r"|^\s*-?\s*(?:user_task|tool_output|pass_if|fail_if|expected(?:_\w+)?)\s*:"
    # a test script's expected outcome: "- bot should refuse"
    r"|\b(?:should|must|expected\s+to)\s+(?:refuse|decline|block|reject)\b",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_CONTEXT = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |function |const |let |var |#include|package |public |fn |\{%|\}\}|return\b|msgid\s|msgstr\s|@pytest|@\w+\.fixture)"
    r"|\b(?:tokenizer|chat_template|apply_chat_template|special_tokens|eos_token|bos_token|templates?|regex|re\.compile|assert)\b"
    # test suites: jest/mocha describe/it/expect, pytest parametrization
    r"|^\s*(?:describe|it|test|expect)\s*\(\s*[\"'`(]|\bexpect\s*\(.*\)\s*\.\s*(?:to|not)\w*"
    # A template placeholder standing for the user's or the page's text: "{{ user_message }}", "{page_text}" on its own line.
    r"|\{\{\s*[A-Za-z_]\w*\s*\}\}|^\s*\{[a-z_]\w*\}\s*$"
    # An assignment of a string or collection (not "Key: {" in prose or a JSON dump, where attackers put payloads).
    r"|^\s*[A-Za-z_][\w.]*\s*=\s*[\"'{\[(]"
    # Prompt configuration files: a YAML block holding a system/user prompt, or chat messages by role.
    r"|^\s*(?:system|user|assistant|system_prompt|prompt|instructions|content)\s*:\s*[|>][-+]?\s*$"
    r"|^\s*-?\s*role\s*:\s*[\"']?(?:system|user|assistant)\b",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED = re.compile(
    # A single quote right after a letter is an apostrophe ("attacker's"), not the start of a quotation.
    r"\"[^\"\n]{3,400}\"|“[^”\n]{3,400}”|‘[^’\n]{3,400}’|(?<![A-Za-z])'(?:[^'\n]|(?<=[A-Za-z])'(?=[A-Za-z])){8,400}'(?![A-Za-z])|`[^`\n]{3,400}`|«[^»\n]{3,400}»"
    r"|```[\s\S]*?```|„[^“”\"\n]{3,400}[“”\"]|「[^」\n]{2,400}」|『[^』\n]{2,400}』|＂[^＂\n]{2,400}＂|‹[^›\n]{3,400}›|»[^«\n]{3,400}«"
    # markdown blockquotes
    r"|(?:^>[^\n]*\n?)+",
    re.MULTILINE,
)
# An indented block after a blank line or a colon quotes an example in prose (markdown's code block); in source code
# indentation is just the code.
_INDENTED = re.compile(r"(?:(?<=\n\n)|(?<=:\n))(?:(?: {4}|\t)[^\n]*(?:\n|$))+")

# "payloads such as <|im_start|>", "phrases like ignore previous instructions": a mention, not a use.
_MENTION_CUE = re.compile(
    r"(?:such\s+as|like|e\.g\.,?|for\s+example|for\s+instance|tokens?|markers?|strings?|phrases?|payloads?|patterns?|text"
    r"|of\s+the\s+form|type|typed|typing|says?|said|saying|reads|reading|ending|containing|contains|wrote|writes"
    r"|(?:contains?|containing|with|carr(?:y|ies|ying))\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?:div|element|comment|span|tag|line|text|string|payload)s?\s*:)"
    r"\s*[:,]?\s*[\"'“‘`«„「『(]?\s*$",
    re.IGNORECASE,
)
# "... the <|endoftext|> token", "[INST] markers", "<|im_start|> marks the beginning": the thing named, not used.
_MENTION_AFTER = re.compile(
    r"[\"'”’`»)]?\s*(?:tokens?|markers?|strings?|tags?|delimiters?|sequences?|blocks?"
    r"|(?:marks|denotes|indicates|signals|opens|closes|starts|ends|separates|is\s+used|are\s+used|is\s+stripped|are\s+stripped)\b)\b",
    re.IGNORECASE,
)
# A verb told about, not told: "can users override ...", "the assistant will never tell users", "inputs designed to
# cause the assistant to disregard its instructions". Orders to the reader say "you" or nothing.
_DESCRIBED_BEFORE = re.compile(
    # "users can override", "the model cannot ignore" (an ability or its lack; "will" only when negated, below)
    r"\b(?!you\b|u\b)(\w+)\s+(?:can|could|may|might|cannot|can'?t|won'?t|does|doesn'?t|did|didn'?t|will\s+not|would\s+not)\s+(?:not\s+|never\s+|also\s+|just\s+)?$"
    # someone made to do it: "designed to cause the assistant to", "tricking the model into" (an object is required
    # after verbs that can be imperatives, so "try to ignore ..." and "make sure to ..." stay orders)
    r"|\b(?:causes|caused|causing|makes|making|made|gets|getting|tricks|tricked|tricking|persuad(?:es|ed|ing)|convinc(?:es|ed|ing)"
    r"|manipulat(?:es|ed|ing)|forc(?:es|ed|ing)|leads|leading|led|asks|asking|asked|tells|telling|told|instruct(?:s|ed|ing)"
    r"|designed|meant|intended|attempts?|attempting|tries|trying)"
    r"\s+(?:(?:the|an?|its|their|his|her|this|that|it|them|models?|assistants?|agents?|bots?|AIs?|LLMs?|chatbots?|systems?|users?|people)\s+){0,3}to\s+$"
    r"|\b(?!please\b|kindly\b|now\b|just\b|and\b|then\b|so\b|also\b)\w+\s+(?:cause|make|get|trick|persuade|convince|manipulate|force|lead|ask|tell|instruct)"
    r"\s+(?:(?:the|an?|its|their|his|her|this|that|it|them|models?|assistants?|agents?|bots?|AIs?|LLMs?|chatbots?|systems?|users?|people)\s+){1,3}to\s+$"
    # a question about who may do it: "Can users override ...?"
    r"|^\s*(?:Q:\s*)?(?:can|could|will|would|do|does|did|should|may|might)\s+(?!you\b|i\b)\w+\s+$"
    # a second infinitive of the same description: "instructions to exfiltrate the history or to disregard ..."
    r"|\b(?:instructions?|attempts?|requests?|commands?|payloads?|text|phrases?)\s+to\s+\w+[^,;]{0,60}\bor\s+to\s+$",
    re.IGNORECASE,
)
_WILL_BEFORE = re.compile(r"\b(?!you\b|u\b)\w+\s+(?:will|would)\s+$", re.IGNORECASE)
_SAMPLE_FIELD = re.compile(
    r"^[ \t]*-?[ \t]*[\"']?(?:prompt|text|input|instruction|query|question|completion|response|output|tool_output|payload"
    r"|sample|example|attack|user_message|content)[\"']?[ \t]*[:=][ \t]*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)
# A heading naming a topic with a gerund ("## Overriding the system prompt") is a title, not an order.
_HEADING_START = re.compile(r"(?:^|\n)[ \t]*#{1,6}[ \t]*$")
_DESCRIBED_WINDOW = 60
_DESCRIBED_DISCOUNT = 0.2
_QUOTED_DISCOUNT = 0.1
_META_WINDOW = 400
_CODE_DISCOUNT = 0.15


@dataclass(frozen=True)
class RuleHit:
    """One piece of evidence for an injection."""

    rule: str
    weight: float
    """Log-odds added to the classifier's score."""
    reason: str
    excerpt: str
    """Whitespace-collapsed context around the match, for people reading the reasons."""
    matched: str = ""
    """The matched text verbatim as it stood in the screened view (empty for decoded payloads and alternates)."""


def _excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    lo, hi = max(0, start - width // 3), min(len(text), end + width // 3)
    snippet = " ".join(text[lo:hi].split())
    return snippet[:160]


def _quoted_spans(text: str, code: bool) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    if not code:
        spans += [(m.start(), m.end()) for m in _INDENTED.finditer(text)]
    return spans


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(lo <= start and end <= hi for lo, hi in spans)


def _unquoted(text: str) -> str:
    """The text with its quotations blanked out, the words a discussion is made of.

    A long quoted span that itself holds quotations is a container (a JSON string field, a quoted article), not a
    quotation: its own words stay and only the quotations inside it go.
    """
    parts, last = [], 0
    for match in _QUOTED.finditer(text):
        parts.append(text[last : match.start()])
        inner = match.group()[1:-1]
        if len(inner) > 80 and _QUOTED.search(inner):
            parts.append(" " + _QUOTED.sub(" ", inner) + " ")
        else:
            parts.append(" ")
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


class _Context:
    """Facts about one view that lower or raise the weight of a hit, computed lazily once per view."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._quoted: list[tuple[int, int]] | None = None
        self._meta: bool | None = None
        self._code: bool | None = None
        self._dataset: bool | None = None

    @property
    def meta(self) -> bool:
        if self._meta is None:
            # Discussion words must be outside the quotations: a payload saying "no filters" is not a discussion.
            self._meta = _META_DISCUSSION.search(_unquoted(self.text[:20000])) is not None
        return self._meta

    @property
    def code(self) -> bool:
        if self._code is None:
            self._code = _CODE_CONTEXT.search(self.text[:20000]) is not None
        return self._code

    @property
    def dataset(self) -> bool:
        """Records of a labelled data set or test suite: its quotations are samples, though its markup is not code."""
        if self._dataset is None:
            self._dataset = _DATASET_CONTEXT.search(self.text[:20000]) is not None
        return self._dataset

    def quoted(self, start: int, end: int, *, strict: bool = False) -> bool:
        """Inside a quotation, or mostly so: a pattern may reach past the quote ("a note to 'the AI reading this'")."""
        if self._quoted is None:
            self._quoted = _quoted_spans(self.text, self.code)
            if self.dataset:
                # A JSON record arrives flattened to "prompt: ..." lines: in a data set its sample fields are samples.
                self._quoted += [(m.start(1), m.end(1)) for m in _SAMPLE_FIELD.finditer(self.text)]
        if _inside(self._quoted, start, end):
            return True
        if strict:
            return False
        overlap = sum(max(0, min(end, hi) - max(start, lo)) for lo, hi in self._quoted)
        return end > start and overlap / (end - start) >= 0.5

    def meta_near(self, start: int, end: int) -> bool:
        """Discussion words within a few sentences of the match: the quotation is part of that discussion."""
        if not self.meta:
            return False
        window = self.text[max(0, start - _META_WINDOW) : end + _META_WINDOW]
        return _META_DISCUSSION.search(_unquoted(window)) is not None

    def described(self, start: int) -> bool:
        """The verb has a subject other than the reader, or is what someone is made to do: told about, not told."""
        before = self.text[max(0, start - _DESCRIBED_WINDOW) : start]
        if _HEADING_START.search(before) and re.match(r"\w+ing\b", self.text[start : start + 30]):
            return True
        before = re.split(r"[.!?:;\n]", before)[-1]
        if _DESCRIBED_BEFORE.search(before):
            return True
        # "the assistant will never tell users ...": a promise about it, not an order to it
        return bool(
            _WILL_BEFORE.search(before)
            and re.match(r"(?:never|not)\b", self.text[start : start + 6], re.IGNORECASE)
        )

    def weigh(
        self,
        weight: float,
        start: int,
        end: int,
        *,
        code_sensitive: bool = False,
        describable: bool = False,
        strict: bool = False,
    ) -> tuple[float, str]:
        """The weight after context discounts, and a note saying which applied."""
        notes = []
        context = self.meta_near(start, end) or self.code or self.dataset
        mentioned = context and (
            _MENTION_CUE.search(self.text[max(0, start - 40) : start]) is not None
            or _MENTION_AFTER.match(self.text, end) is not None
        )
        if (self.quoted(start, end, strict=strict) and context) or mentioned:
            weight *= _QUOTED_DISCOUNT
            notes.append("quoted in a discussion")
        elif _MENTION_AFTER.match(self.text, end) is not None and code_sensitive:
            # "<system> tags are stripped": a markup name followed by what it is or does
            weight *= _QUOTED_DISCOUNT
            notes.append("named, not used")
        elif code_sensitive and self.code:
            weight *= _CODE_DISCOUNT
            notes.append("in source code")
        elif describable and self.described(start):
            weight *= _DESCRIBED_DISCOUNT
            notes.append("described, not addressed to the reader")
        return weight, (f" ({', '.join(notes)})" if notes else "")


def _first(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    return list(pattern.finditer(text))[:4]


def _best(
    ctx: _Context,
    rule: str,
    matches: list[re.Match[str]],
    weight: float,
    reason: str,
    *,
    code_sensitive: bool = False,
    describable: bool = False,
) -> RuleHit | None:
    """The strongest of a rule's matches after context discounts (one hit per rule and view)."""
    best: RuleHit | None = None
    for match in matches:
        w, note = ctx.weigh(
            weight, match.start(), match.end(), code_sensitive=code_sensitive, describable=describable
        )
        if best is None or w > best.weight:
            best = RuleHit(
                rule, w, reason + note, _excerpt(ctx.text, match.start(), match.end()), match.group()
            )
    return best


# "ignore any instructions embedded in the document": the defence (data is not orders), the opposite of an attack.
_IN_DATA = re.compile(
    r"\s+(?:that\s+(?:are|is|appear)\s+)?(?:(?:embedded|found|contained|hidden|appearing|written|included|placed)\s+)?"
    r"(?:in|inside|within|from)\s+(?:(?:the|a|an|any|this|that|uploaded|retrieved|external|fetched|third-party|untrusted)\s+)*"
    r"(?:[\w-]+\s+)?(?:documents?|files?|pages?|e-?mails?|content|data|results?|websites?|web\s+pages?|messages?|uploads?|inputs?"
    r"|attachments?|tool\s+(?:results?|outputs?))\b",
    re.IGNORECASE,
)


def _override_is_qualified(matched: str) -> bool:
    """Strong when the instructions overridden are the reader's own ("all previous", "your", "the system prompt").

    "system" counts only as the system prompt/message itself, and not when it is the default one being
    configured ("override the default system message" is API documentation).
    """
    text = _SYSTEM_OBJECT.sub(" SYSOBJ ", matched)
    if _OVERRIDE_QUALIFIED.search(text.replace("SYSOBJ", "")):
        return True
    return "SYSOBJ" in text and _CONFIGURED.search(text) is None


def _override_hits(ctx: _Context) -> list[RuleHit]:
    hits = []
    strong, weak = [], []
    for match in _first(_OVERRIDE_EN, ctx.text):
        qualified = _override_is_qualified(match.group()) and not _IN_DATA.match(ctx.text, match.end())
        (strong if qualified else weak).append(match)
    for rule, matches, weight, reason in (
        ("override", strong, STRONG, "tells the reader to ignore its previous instructions"),
        ("override_weak", weak, FAINT, "tells the reader to ignore some instructions"),
        (
            "override_switch",
            _first(_OVERRIDE_SWITCH, ctx.text),
            MEDIUM,
            "tells the reader to drop its task for a new one",
        ),
        (
            "ignore_user",
            _first(_IGNORE_USER, ctx.text),
            STRONG,
            "tells the model to ignore the user's request",
        ),
        (
            "override_multilingual",
            _first(_OVERRIDE_ML, ctx.text) + _first(_OVERRIDE_CJK, ctx.text),
            STRONG,
            "tells the reader to ignore its instructions (non-English)",
        ),
    ):
        hit = _best(ctx, rule, matches, weight, reason, describable=True)
        if hit:
            hits.append(hit)
    return hits


def _hidden_hits(ctx: _Context) -> list[RuleHit]:
    """Instructions inside HTML comments or invisible elements: text no human reader sees."""
    hits = []
    for pattern, rule, reason, groups in (
        (_HTML_COMMENT, "hidden_html_comment", "instructions inside an HTML comment", (1,)),
        (_HIDDEN_ELEMENT, "hidden_html_element", "instructions inside invisible HTML", (2, 4)),
    ):
        for match in list(pattern.finditer(ctx.text))[:50]:
            body = next((match.group(g) for g in groups if match.group(g)), "") or ""
            if (
                _AI_MENTION.search(body)
                or _IMPERATIVE_TO_READER.search(body)
                or _ADDRESSED.search(body)
                or _OVERRIDE_EN.search(body)
                or _HIDDEN_VOCATIVE.match(body)
            ):
                # A hidden block that holds a quotation is not itself quoted: only a block inside quotes is.
                weight, note = ctx.weigh(MEDIUM, match.start(), match.end(), strict=True)
                hits.append(
                    RuleHit(
                        rule,
                        weight,
                        reason + note,
                        _excerpt(ctx.text, match.start(), match.end()),
                        match.group(),
                    )
                )
                break
    return hits


def _image_hits(ctx: _Context) -> list[RuleHit]:
    hits = []
    hit = _best(
        ctx,
        "exfil_image",
        _first(_EXFIL_IMAGE, ctx.text),
        STRONG,
        "markdown/HTML image whose URL carries data out",
    )
    if hit:
        hits.append(hit)
    elif _ANY_IMAGE_QUERY.search(ctx.text) and _RENDER_DIRECTIVE.search(ctx.text):
        match = _RENDER_DIRECTIVE.search(ctx.text)
        assert match is not None
        hits.append(
            RuleHit(
                "exfil_image",
                MEDIUM,
                "asks to render an image URL filled with data",
                _excerpt(ctx.text, match.start(), match.end()),
                match.group(),
            )
        )
    return hits


def rule_hits_in(text: str) -> list[RuleHit]:
    """All rules on one view of a text (no deobfuscation); one hit per rule at most."""
    ctx = _Context(text)
    hits: list[RuleHit] = []
    hits += _override_hits(ctx)
    for rule, pattern, weight, reason, code_sensitive in (
        ("role_tokens", _ROLE_TOKENS, STRONG, "chat role/control tokens that fake a new turn", True),
        ("turn_prefix", _TURN_PREFIX, WEAK, "a line that poses as a system/assistant turn", True),
        ("addressed_to_ai", _ADDRESSED, MEDIUM, "text addressed to an AI model or agent", False),
        ("addressed_to_ai_ml", _ADDRESSED_ML, MEDIUM, "text addressed to an AI model (non-English)", False),
        ("role_reassign", _ROLE_REASSIGN, STRONG, "gives the model a new role or new instructions", False),
        ("prompt_leak", _PROMPT_LEAK, MEDIUM, "asks to reveal the system prompt", False),
        ("authority_claim", _AUTHORITY_CLAIM, WEAK, "claims to be the model's developer or operator", False),
        ("secrecy", _SECRECY, MEDIUM, "asks to hide something from the user", False),
        ("exfiltration", _EXFIL, STRONG, "asks to send private data to an outside address", False),
        ("tool_coercion", _TOOL_COERCION, WEAK, "asks to call a tool for a side effect", False),
        (
            "format_demand",
            _FORMAT_DEMAND,
            WEAK,
            "dictates the format or content of the reader's answer",
            True,
        ),
    ):
        hit = _best(
            ctx,
            rule,
            _first(pattern, text),
            weight,
            reason,
            code_sensitive=code_sensitive,
            describable=rule == "secrecy",
        )
        if hit:
            hits.append(hit)
    hits += _hidden_hits(ctx)
    hits += _image_hits(ctx)
    return hits


# Rules precise enough to trust on an unlikely reading of the text (rot13, leetspeak) without false alarms.
_PRECISE_RULES = {
    "override",
    "override_multilingual",
    "role_reassign",
    "prompt_leak",
    "exfiltration",
    "secrecy",
}
_OBFUSCATION_BONUS = 1.0


def find_rule_hits(deob: Deobfuscated) -> list[RuleHit]:
    """Run the rules on every view of a deobfuscated text; keep the strongest hit per rule.

    A hit found only in a decoded payload or alternate reading says where it was found and gains weight: nobody
    base64-encodes "ignore previous instructions" by accident.
    """
    best: dict[str, RuleHit] = {}

    def _keep(hit: RuleHit) -> None:
        if hit.rule not in best or hit.weight > best[hit.rule].weight:
            best[hit.rule] = hit

    for hit in rule_hits_in(deob.text):
        _keep(hit)
    obfuscated = bool(deob.signals)
    for segment in deob.decoded:
        for hit in rule_hits_in(segment):
            _keep(
                RuleHit(
                    hit.rule,
                    hit.weight + _OBFUSCATION_BONUS,
                    hit.reason + " (in an encoded payload)",
                    hit.excerpt,
                )
            )
    if not best:
        for name, alternate in deob.alternates().items():
            for hit in rule_hits_in(alternate):
                if hit.rule in _PRECISE_RULES:
                    _keep(
                        RuleHit(
                            hit.rule,
                            hit.weight + _OBFUSCATION_BONUS,
                            hit.reason + f" (read as {name})",
                            hit.excerpt,
                        )
                    )
    hits = list(best.values())
    if obfuscated and hits:
        # Disguise plus an instruction is worse than either: the disguise is evidence of intent.
        hits.append(
            RuleHit("obfuscation", _OBFUSCATION_BONUS, "disguised text: " + ", ".join(deob.signals), "")
        )
    return hits


def mask_quotations(text: str) -> str:
    """Blank out quotations in a text that discusses attacks, so a classifier reads the discussion, not the payload.

    A security write-up quoting "ignore previous instructions" is about an attack, not one; the rules still see
    the quotation (at reduced weight), only the classifier's view is masked.
    """
    if _META_DISCUSSION.search(_unquoted(text[:20000])) is None:
        return text
    return _QUOTED.sub(' "…" ', text)
