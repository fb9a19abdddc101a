"""Script-injection payloads, as data for the tests that write them into every text a user can write and open every
page that shows them (tests/web/test_hostile_browser.py).

A payload that ran would call ``window.__xss++`` or ``alert``: the browser test counts both. Each payload is short
enough for a display name (150 characters) unless it is one of the long ones.
"""

HIT = "window.__xss++"

SCRIPT_TAGS = [
    f"<script>{HIT}</script>",
    f"</textarea></title></style><script>{HIT}</script>",
    f"<ScRiPt>{HIT}</sCrIpT>",
    f"<script src=data:,{HIT}></script>",
    f"<svg><script>{HIT}</script></svg>",
    f"<![CDATA[<script>{HIT}</script>]]>",
    f"<!--<script>{HIT}</script>-->",
]
ATTRIBUTE_BREAKOUTS = [
    f'"><img src=x onerror="{HIT}">',
    f"'><img src=x onerror='{HIT}'>",
    f'" autofocus onfocus="{HIT}" x="',
    f"' autofocus onfocus='{HIT}' x='",
    f"<svg onload={HIT}>",
    "<img src=x onerror=alert(1)>",
    f"<details open ontoggle={HIT}>",
    f"<body onload={HIT}>",
    f'<iframe srcdoc="<script>parent.{HIT}</script>"></iframe>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={HIT}>",
    f"<a href=javascript:{HIT}>a</a>",
    # htmx attributes: harmless as text, a script if they ever reached the page as markup.
    f'<div hx-get="/" hx-trigger="load" hx-on::load="{HIT}">x</div>',
    '<div hx-get="/api/v1/health/" hx-trigger="load" hx-swap="outerHTML">x</div>',
]
MARKDOWN_URLS = [
    f"[click me](javascript:{HIT})",
    f"[click me](JaVaScRiPt:{HIT})",
    f"[click me](javascript&#58;{HIT})",
    f"[click me]( javascript:{HIT} )",
    f"<javascript:{HIT}>",
    f"![an image](javascript:{HIT})",
    f'![an image](x" onerror="{HIT})',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f'[ref][r]\n\n[r]: javascript:{HIT} "title"',
    f'[x](https://example.org/"onmouseover="{HIT})',
]
TEMPLATE_SYNTAX = [
    "{{ 7|add:1 }} {% debug %} {{ request.user.password }} {% load static %}",
    "${alert(1)} #{alert(1)} {{constructor.constructor('alert(1)')()}}",
    "[[${7*7}]] <%= 7*7 %> {{{ alert(1) }}}",
]
UNICODE_TRICKS = [
    f"\u202e<script>{HIT}</script>\u202d reversed",
    "\u202egnp.exe \u2066isolate\u2069 \u200b\u200c\u200d\ufeff zero widths",
    f"\uff1cscript\uff1e{HIT}\uff1c/script\uff1e fullwidth brackets",
    "e\u0301\u0301\u0301\u0301\u0301 combining marks and \U0001f600 an emoji",
]
MARKDOWN_EDGES = [
    f"```html\n<script>{HIT}</script>\n```",
    f"```javascript\n</code></pre><script>{HIT}</script>\n```",
    f"`<script>{HIT}</script>` inline code",
    f"| a | b |\n|---|---|\n| <script>{HIT}</script> | <img src=x onerror={HIT}> |",
    "> " * 60 + "deep quote",
    "- " * 60 + "deep list",
    f"*<script>{HIT}</script>*",
    "```\nan unclosed fence",
]
LONG = [
    "x" * 20000,
    ("a very long text with words " * 800).strip(),
]

PAYLOADS: list[str] = [
    *SCRIPT_TAGS,
    *ATTRIBUTE_BREAKOUTS,
    *MARKDOWN_URLS,
    *TEMPLATE_SYNTAX,
    *UNICODE_TRICKS,
    *MARKDOWN_EDGES,
    *LONG,
]
SHORT_PAYLOADS: list[str] = [payload for payload in PAYLOADS if len(payload) <= 150]


def in_chunks(limit: int = 2000) -> list[str]:
    """The short payloads, one a line, in as few texts of at most ``limit`` characters (a reason, a note) as hold
    them all."""
    chunks = [""]
    for payload in SHORT_PAYLOADS:
        if chunks[-1] and len(chunks[-1]) + 1 + len(payload) > limit:
            chunks.append("")
        chunks[-1] = f"{chunks[-1]}\n{payload}" if chunks[-1] else payload
    return chunks
