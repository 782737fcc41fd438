"""What the pages show, computed without Streamlit: number formats (fmt), tables (frames), what a
leader reads first (insights), charts (Altair), the PDF and Excel exports of a page (exports) and what
goes into them (printouts). The pages in views/ only lay these out; the CLI and the reports use the
same formats."""
