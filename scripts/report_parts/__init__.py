"""The parts of scripts/report.py, each readable alone.

discovery (which interpreters), running (venvs, runs, live progress),
pytest_progress (the plugin the runs load; 3.6-compatible), spec (SPEC.md
layout and fields), matrix (cells, what changed), words (a change in
words), and one renderer each: text, markdown, html (with page.html,
page.css, page.js), JSON being the matrix itself.
"""
