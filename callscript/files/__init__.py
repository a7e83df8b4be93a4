"""Files the product writes for people: spreadsheets (:mod:`~callscript.files.tabular`) and
safe output paths (:mod:`~callscript.files.output`). Imports only :mod:`callscript.core`,
so reports, lead exports and the workshop can all use it.
"""
