"""Form text made safe to show as Markdown on the pages (Streamlit renders titles, captions,
labels and messages as Markdown): what a form says is shown as typed, never as a link, an image
or formatting."""

from __future__ import annotations

import re

# Markdown (CommonMark + GFM) inline punctuation, Streamlit's :color[...] / :material/...:
# directives, $ for LaTeX and < > & for HTML: a backslash before each makes it a literal character
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!|~:$&])")
# what only means something at the start of a line: headings, lists, quotes, rules
_MD_LEADING = re.compile(r"^(\s*)([#+\-=>]|\d+(?=[.)]))")


def plain(text: object) -> str:
    """Form text (a project name, a reason) made safe for st.markdown, captions, titles, metric
    and expander labels: every Markdown, HTML and Streamlit directive character is escaped, so a
    name like `[点此重新登录](http://x)` or `<img src=x>` is shown as typed, never as a link or an
    image. Line breaks become spaces (a label is one line)."""
    if text is None:
        return ""
    one_line = " ".join(str(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line)
    match = _MD_LEADING.match(escaped)
    if match and match.group(2)[0].isdigit():  # "1. 名称" would become a list item
        end = match.end()
        return escaped[:end] + "\\" + escaped[end:]
    return _MD_LEADING.sub(r"\1\\\2", escaped, count=1)
