"""Form text made safe to show as Markdown on the pages (Streamlit renders titles, captions,
labels and messages as Markdown): what a form says is shown as typed, never as a link, an image
or formatting — not even a bare URL, `www.` or e-mail address, which Markdown (and PDF viewers, for
the printouts) link by themselves (`unlink`)."""

from __future__ import annotations

import re

from selfeval.names import visible

# Markdown (CommonMark + GFM) inline punctuation, Streamlit's :color[...] / :material/...:
# directives, $ for LaTeX and < > & for HTML: a backslash before each makes it a literal character
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!|~:$&])")
# what only means something at the start of a line: headings, lists, quotes, rules
_MD_LEADING = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))")


# what renderers turn into a live link without any markup: a scheme's "://" (GFM's autolink literals,
# PDF viewers), "www." and an e-mail address's "@"
_SCHEME_SLASHES = re.compile(r"(?<=[A-Za-z0-9+.-]):(?=//)")
_WWW_DOT = re.compile(r"(?i)(?<![A-Za-z0-9])(www)\.")
ZWSP = "\u200b"  # zero width space: invisible on screen, and no autolinker's pattern matches across it


def unlink(text: str, *, printed: bool = False) -> str:
    """Form text that no renderer can take for a link: `http://`, `www.` and `a@b.cn` broken where
    a linkifier looks (Streamlit's Markdown autolinks bare URLs and addresses even when
    `[text](url)` is escaped). On screen an invisible zero width space goes after `:`, `www` and
    `@`; in print (`printed`, the PDF's CJK font has no glyph for it) they become the full-width
    `：`, `．` and `＠`, which read the same and match no PDF viewer's link detection."""
    if printed:
        text = _SCHEME_SLASHES.sub("：", text)
        text = _WWW_DOT.sub(r"\1．", text)
        return text.replace("@", "＠")
    text = _SCHEME_SLASHES.sub(":" + ZWSP, text)
    text = _WWW_DOT.sub(r"\1" + ZWSP + ".", text)
    return text.replace("@", "@" + ZWSP)


def plain(text: object) -> str:
    """Form text (a project name, a reason) made safe for st.markdown, captions, titles, metric
    and expander labels: every Markdown, HTML and Streamlit directive character is escaped, so a
    name like `[点此重新登录](http://x)` or `<img src=x>` is shown as typed, never as a link or an
    image, and bare URLs, `www.` and e-mail addresses are broken where autolinkers look (`unlink`).
    Line breaks become spaces (a label is one line); bidi and control characters are dropped (a
    right-to-left override would show a name reversed: names.visible)."""
    if text is None:
        return ""
    one_line = unlink(" ".join(visible(text).split()))
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line)
    match = _MD_LEADING.match(escaped)
    if match and match.group(2)[0].isdigit():  # "1. 名称" would become a list item
        end = match.end()
        return escaped[:end] + "\\" + escaped[end:]
    return _MD_LEADING.sub(r"\1\\\2", escaped, count=1)
