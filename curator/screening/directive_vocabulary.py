"""Words for the reader an injected order is aimed at (an AI assistant, model or agent), in the languages screening
covers: one vocabulary for the pattern rules (``injection_rules.py``: whom a text addresses) and for the classifier's
sentence features (``injection_model.py``: which sentences speak to the model).

Regex fragments rather than word lists, because inflected and compound forms ("Assistent\\w*", "нейросет\\w*",
"KI-Agent\\w*") need patterns; each is a non-capturing alternation, to be used inside a larger pattern with
``re.IGNORECASE``.
"""

# Names of AI readers, and of the systems they run in ("AI agents", "large language models").
AI_READER = r"(?:AI|A\.I\.|IA|KI|ИИ|LLMs?|large\s+language\s+models?|language\s+models?|chat\s?bots?|GPT(?:-\d)?|ChatGPT|Claude|Gemini|Copilot|Llama|autonomous\s+agents?|AI\s+(?:agents?|assistants?|models?|systems?|tools?|crawlers?|readers?))"
# Nouns that mean an AI reader when a text calls or addresses one ("Assistant: ...", "any agent reading this").
AI_GENERIC = r"(?:assistants?|agents?|bots?|models?|crawlers?|scrapers?|summari[sz]ers?)"
# Agents named by what they automate: "the email agent", "browsing assistants", "coding agents".
AI_KIND = (
    r"(?:e-?mail|inbox|mail|browsing|browser|web|coding|code|shopping|research|automated|autonomous|virtual|digital"
    r"|crawling|scraping|reading|summari[sz]ing|summary|reader|review|reviewer|reviewing|scheduling|calendar|booking|travel|triage"
    r"|PR|merge|CI|deploy(?:ment)?|screening|hiring|recruiting|recruiter|applicant[\s-]screening|grading|moderation)"
    r"\s+(?:agents?|assistants?|bots?|models?|systems?|tools?|readers?|programs?|AIs?)"
    # "the support bot", "reviewer-bots": a bot is never a person
    r"|[\w-]+[\s-]bots?\b|(?:AI|LLM)[\s-](?:helpers?|services?|workers?|pipelines?)"
    r"|(?:automated|autonomous)\s+(?:systems?|tools?|readers?|programs?|processes|processors)"
)
# An AI reader in languages other than English (German, Spanish, Portuguese, French, Italian, Dutch, Polish,
# Russian, Indonesian, Turkish, Vietnamese, Swedish, Arabic, Hindi).
AI_OTHER_LANGUAGES = (
    r"(?:KI|IA|AI|ИИ|LLM|нейросет\w*|ассистент\w*|модел\w*|(?:KI-|AI-)?Assistent\w*|Sprachmodell\w*|KI-Agent\w*"
    r"|asistente(?:\s+virtual|\s+de\s+IA)?|assistente(?:\s+virtual(?:e)?)?|assistant(?:\s+IA|\s+virtuel)?|modelo|modello|modèle"
    r"|agente|agent\w*|taalmodel|asystenc\w+|model\w*|asisten(?:\s+AI)?|yapay\s+zeka(?:\s+asistan\w*)?|trợ\s+lý(?:\s+AI)?|språkmodell\w*"
    r"|المساعد(?:\s+الذكي)?|النموذج|الذكاء\s+الاصطناعي|एआई(?:\s+सहायक)?|सहायक|असिस्टेंट|मॉडल)"
)
# "this" and "reads" in those languages: a letter to "the model that reads this page" names the text it is in.
THIS_OTHER_LANGUAGES = (
    r"diese[snmr]?|esta|este|esto|estas|estos|estes|isto|essa|esse|cette|cet|ce|ces|questa|questo|queste|questi|dit|deze"
    r"|эт\w+|هذه|هذا|ini|tę|ten|ta|to|te|hier|aqui|aquí|ici"
)
READS_OTHER_LANGUAGES = r"(?:liest|verarbeitet|lee|procesa|lit|traite|legge|elabora|leest|verwerkt|читает|обрабатывает|يقرأ|يعالج|membaca|memproses|lê|processa|czyta)"
# Scripts whose words a word boundary does not delimit (CJK), and Arabic and Hindi forms the classifier reads anywhere.
AI_UNSPACED = r"助手|助理|模型|人工智能|アシスタント|モデル|エージェント|비서|어시스턴트|모델|المساعد|النموذج|सहायक|एआई|मॉडल"
