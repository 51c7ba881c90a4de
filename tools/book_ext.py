"""Local Sphinx extension of the book (loaded through `sphinx.local_extensions` in _config.yml).

- Each chapter page gets a header line: the measured CPU run time stored by tools/execute.py, and an
  "Open in Colab" link built from the repository settings of _config.yml.
- Pages whose notebook stores ipywidgets views get a note that those widgets are frozen snapshots.
- Output figures get alt text naming the section they illustrate (myst-nb leaves the file path).
- Fixes two theme glitches that show up as console errors: an empty default colour mode, and the
  thebe configuration script injected twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _notebook_facts(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    has_widgets = any(
        WIDGET_MIME in out.get("data", {})
        for cell in nb.get("cells", []) if cell.get("cell_type") == "code"
        for out in cell.get("outputs", [])
    )
    return {"seconds": nb.get("metadata", {}).get("dlbook", {}).get("cpu_seconds"), "widgets": has_widgets}


def _colab_url(app, docname: str) -> str:
    repo = app.config.html_theme_options.get("repository_url", "").removeprefix("https://github.com/").rstrip("/")
    branch = app.config.html_theme_options.get("repository_branch", "main")
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{docname}.ipynb"


def _paragraph(*parts) -> nodes.paragraph:
    para = nodes.paragraph()
    for part in parts:
        para += part if isinstance(part, nodes.Node) else nodes.Text(part)
    return para


def add_chapter_header(app, doctree) -> None:
    docname = app.env.docname
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    facts = _notebook_facts(path)
    colab = nodes.reference("", "Open in Colab", refuri=_colab_url(app, docname), classes=["colab-link"])
    timing = (f"Run time: about {facts['seconds']} s on a 2-core CPU (measured when its outputs were stored). "
              if facts["seconds"] is not None else "")
    header = nodes.container(classes=["chapter-header"])
    header += _paragraph(timing, colab, " to run and change it live.")
    if facts["widgets"]:
        note = nodes.note()
        note += _paragraph("The ipywidgets controls on this page are frozen snapshots (there is no Python behind "
                           "the static page). ", nodes.reference("", "Run on Colab to make this live",
                                                                 refuri=_colab_url(app, docname)),
                           "; the plotly figures with sliders work right here.")
        header += note
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None:
        section.insert(1, header)
    _add_live_widget_notes(doctree, _colab_url(app, docname))
    _add_alt_texts(doctree)


def _add_live_widget_notes(doctree, colab_url: str) -> None:
    """Cells tagged live-widget hold an explorer that needs a kernel: say so, and where to run it."""
    for cell in list(doctree.findall(nodes.container)):
        if "tag_live-widget" in cell.get("classes", []):
            note = nodes.container(classes=["live-widget-note"])
            note += _paragraph("▶ This cell builds a live widget. ",
                               nodes.reference("", "Run it on Colab", refuri=colab_url),
                               " or in Jupyter to use it; the precomputed version on this page works without Python.")
            cell.parent.insert(cell.parent.index(cell) + 1, note)


def _add_alt_texts(doctree) -> None:
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "")
        if alt and not alt.endswith((".png", ".jpg", ".svg")):
            continue
        section = image.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        title = section.next_node(nodes.title).astext() if section is not None else "this chapter"
        image["alt"] = f"Figure computed by the code above, illustrating the section “{title}”"


def fix_page_context(app, pagename, templatename, context, doctree) -> None:
    context["default_mode"] = context.get("default_mode") or "auto"  # the theme logs an error for ""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("doctree-read", add_chapter_header)
    app.connect("html-page-context", fix_page_context, priority=900)  # after the handlers that add page scripts
    app.add_css_file("book.css")
    # One vendored plotly.js per page (cached by the browser) for the kernel-free widget variants. It must load
    # before require.js (the widget manager's loader): with an AMD `define` present it would not set window.Plotly.
    app.add_js_file("plotly.min.js", priority=100)
    app.add_js_file("widgets_mathjax_shim.js", priority=100)  # before MathJax's config script; see the file
    return {"parallel_read_safe": True, "parallel_write_safe": True}
