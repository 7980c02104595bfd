"""Free text from the public: every tag stripped, length-limited."""

from typing import Any

import nh3

TEXT_LIMIT = 1000


def clean_text(value: Any) -> str:
    """Free text as stored: every tag stripped, length-limited."""
    text = nh3.clean(str(value or ""), tags=set(), attributes={}).strip()
    # nh3 escapes what it keeps; the text is stored plain and escaped again on output.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.replace("&quot;", '"').replace("&#39;", "'")
    return text[:TEXT_LIMIT]
