"""The call script: reading its YAML safely, the validated model, the facts contract,
grading, and the pure call session. No Textual, no storage, no terminal.
"""
