"""The command line: thin click commands over the core. Imports stay lazy so that
``callscript validate`` never pays for Textual."""
