"""Text folded the way a person reads it: one rule for names (blacklist, overlay recipient) and dates."""
import unicodedata


def fold(text: str) -> str:
    """Case and accents off, typographic apostrophes plain, spacing (non-breaking too) collapsed.

    "  Zoé\u00a0MARTIN " -> "zoe martin"; "Aujourd\u2019hui" -> "aujourd'hui".
    """
    text = unicodedata.normalize("NFKD", text)  # also turns no-break spaces into plain ones
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'")
    return " ".join(text.casefold().split())
