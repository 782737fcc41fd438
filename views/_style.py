"""The app's few style rules, injected once per run by app.py: the upload widget in Chinese
(Streamlit 1.67 has no setting for its inner "Drag and drop" / "Upload" / "20MB per file" text),
and the phone layout (≤ 640 px): headline cards two per row, tables swapped for lists, the page
filters shown at the top of the page instead of only behind the sidebar's ».

Containers opt in by key (st.container(key=...) gives them the class st-key-<key>):
  phone_filters, *_list  — shown on phones only;  *_table — hidden on phones.
"""

from __future__ import annotations

import streamlit as st

PHONE = 640  # px: Streamlit stacks columns below this width


def upload_css(limit_mb: int, types: str) -> str:
    """CSS that replaces the uploader's English with Chinese: the button, the size line and the
    drag-over banner. Every English text node is shrunk to nothing and Chinese put in ::after."""
    return f"""
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after {{
  content: "选择文件"; font-size: 0.875rem;
}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0 !important; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "拖入或选择文件，每个文件不超过 {limit_mb} MB · {types}"; font-size: 0.8rem;
}}
[data-testid="stFileUploaderDropzone"] > input + div:not(:last-child):not(:has([data-testid="stFileChips"])) * {{
  font-size: 0 !important;
}}
[data-testid="stFileUploaderDropzone"] > input + div:not(:last-child):not(:has([data-testid="stFileChips"]))::after {{
  content: "松开鼠标即可上传"; font-size: 1rem;
}}
"""


PHONE_CSS = f"""
@media (min-width: {PHONE + 1}px) {{
  .st-key-phone_filters, [class*="_list"][class*="st-key-"] {{ display: none !important; }}
}}
@media (max-width: {PHONE}px) {{
  [class*="_table"][class*="st-key-"] {{ display: none !important; }}
  /* headline cards two per row instead of one long column */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {{
    flex-direction: row !important; flex-wrap: wrap !important; gap: 0.5rem !important;
  }}
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.5rem) !important; width: calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important;
  }}
  [data-testid="stMetricValue"] {{ font-size: 1.4rem !important; }}
  /* long form text never widens the page */
  [data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"] {{ overflow-wrap: anywhere; }}
  .block-container, [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem !important;
    padding-right: 0.75rem !important; }}
}}
"""


def css(limit_mb: int = 20, types: str = "XLSX、XLS、TXT、CSV、MD") -> str:
    return "<style>" + upload_css(limit_mb, types) + PHONE_CSS + "</style>"


def inject(limit_mb: int | None = None) -> None:
    """Put the style rules on the page (once per run; an invisible element)."""
    if limit_mb is None:
        try:
            limit_mb = int(st.get_option("server.maxUploadSize"))
        except Exception:
            limit_mb = 20
    st.html(css(limit_mb))
