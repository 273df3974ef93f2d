"""The two message catalogues have the same keys, no empty messages, the same {placeholders}, and
every key the console's code uses exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[2] / "Sources" / "Host" / "Resources" / "console"
CATALOGUES = CONSOLE / "assets" / "i18n"


def load(code: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{code}.json").read_text(encoding="utf-8"))


def test_catalogues_have_the_same_keys():
    english, chinese = load("en"), load("zh-CN")
    assert sorted(english) == sorted(chinese), (
        f"only in en: {sorted(set(english) - set(chinese))}; only in zh-CN: {sorted(set(chinese) - set(english))}")
    assert sorted(path.name for path in CATALOGUES.iterdir()) == ["en.json", "zh-CN.json"]


def test_messages_are_filled_and_keep_their_placeholders():
    english, chinese = load("en"), load("zh-CN")
    for key, text in english.items():
        assert text.strip() and chinese[key].strip(), f"{key} is empty"
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key


def test_every_key_used_by_the_code_exists():
    english = load("en")
    used = set()
    for source in (CONSOLE / "assets" / "js").rglob("*.js"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\('([\w.]+)'", text))
        used |= set(re.findall(r"title: '(nav\.\w+)'", text))
    missing = sorted(key for key in used if key not in english and not key.endswith("."))
    assert not missing, f"keys used in the code but missing from the catalogues: {missing}"
    # Keys built at run time from a fixed set of values.
    for prefix, values in {
        "role.": ["admin", "user"],
        "providers.status.": ["ready", "disabled", "adapter_missing", "config_error"],
        "endpoints.streamPolicy.": ["client", "always", "never"],
        "dashboard.range.": ["1h", "24h", "7d", "30d"],
        "dashboard.by.": ["endpoints", "providers", "models"],
        "tester.role.": ["system", "user", "assistant"],
        "logs.tokenSource.": ["reported", "estimated"],
        "keys.status.": ["active", "disabled", "expired", "owner_disabled"],
    }.items():
        for value in values:
            assert prefix + value in english, prefix + value


def test_no_inline_script_or_style():
    """The Content-Security-Policy allows no inline code: index.html and the modules must not need it."""
    html = (CONSOLE / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in index.html"
    assert "<style" not in html and " style=" not in html and not re.search(r"\son\w+=", html)
    for source in (CONSOLE / "assets" / "js").rglob("*.js"):
        text = source.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, f"{source.name} builds HTML from strings"
        assert "setAttribute('style'" not in text and "eval(" not in text and "new Function" not in text, source.name
