"""The supervisor's workshop: script tests, the path explorer, diffs, drafts,
publishing, and re-validation while typing. No Textual.
"""
