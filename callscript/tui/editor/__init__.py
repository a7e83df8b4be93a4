"""The supervisor's script editor, ``callscript edit PATH`` (docs/script-format.md, "Editing in the app").

* ``app.py`` — :class:`EditorApp`, what ``callscript edit`` runs;
* ``screen.py`` — the editor screen: validation as they type, keys, title and status line;
* ``text_area.py`` — :class:`ScriptTextArea`, Textual's TextArea kept fast on long scripts;
* ``checks.py`` — what the worker thread computes: validation and the sidecar tests;
* ``problems.py`` — the problems panel's rows and F8's "next problem";
* ``publish.py`` — Ctrl+S: publish, or save a draft, and store the versions;
* ``practice.py`` — F5: the agents' call screen over the edited script, nothing stored.

Import from the modules (``from callscript.tui.editor.app import EditorApp``): this
package's ``__init__`` stays empty so that importing one part loads only what it needs.
"""
