"""The Streamlit pages (run by app.py through st.navigation) and their shared Streamlit helpers
(`_ui`: the principal, the store, filters, caching). Every module here imports streamlit and only lays
out what the library computed (selfeval.present, selfeval.edit, the store).

Not named `pages/`: Streamlit (1.67) switches to its legacy multipage mode whenever a `pages/`
folder sits beside the main script, until app.py's st.navigation has run once in the process — a
first visitor opening /overview directly would get the page without app.py (no config, no
filters, helper modules listed as pages).
"""
