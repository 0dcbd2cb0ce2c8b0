"""The few style rules Streamlit's theme cannot set, for WCAG 2.2 AA: captions dark enough to
read (Streamlit's grey is 3.9:1 on white; 4.5:1 is needed), a focus outline that always
shows, and tables and charts that fit a 390 px phone."""

from __future__ import annotations

import streamlit as st

# #4b5563 on white is 7.6:1; on the sidebar's grey it is still above 6:1. Streamlit's own
# caption grey, faded to 60%, was 2.9:1 to 3.9:1.
CAPTION_COLOUR = "#4b5563"
FOCUS_COLOUR = "#1d4ed8"

RULES = f"""
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] small, [data-testid="stMetricDelta"] + div,
[data-testid="stTooltipHoverTarget"] svg {{ color: {CAPTION_COLOUR} !important; }}
/* Streamlit fades captions with opacity 0.6 on top of their grey: undo the fade */
[data-testid="stCaptionContainer"] {{ opacity: 1 !important; }}
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
[role="button"]:focus-visible, [role="radio"]:focus-visible, [role="checkbox"]:focus-visible,
[tabindex]:focus-visible {{ outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important; }}
/* a phone: charts and tables scroll inside their own box, never the page sideways */
@media (max-width: 640px) {{
  .vega-embed {{ max-width: 100%; overflow-x: auto; }}
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; }}
}}
</style>
"""


# On a phone the menu opens over the page, and Streamlit leaves it open after a page is
# chosen, hiding the page. This closes it after a tap on a page's link (narrow screens only).
# Fixed code of ours, with nothing anyone typed in it.
CLOSE_MENU_ON_PHONE = """
<script>
if (!window.pqaMenuCloses) {
  window.pqaMenuCloses = true;
  document.addEventListener("click", (event) => {
    if (!window.matchMedia("(max-width: 640px)").matches) return;
    if (!event.target.closest('[data-testid="stSidebarNav"] a')) return;
    setTimeout(() => {
      const collapse = document.querySelector('[data-testid="stSidebarCollapseButton"] button')
        || document.querySelector('[data-testid="stSidebarCollapseButton"]');
      if (collapse) collapse.click();
    }, 100);
  });
}
</script>
"""


def apply() -> None:
    st.html(RULES)
    st.html(CLOSE_MENU_ON_PHONE, unsafe_allow_javascript=True)
