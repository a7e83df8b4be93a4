"""End-of-day reports: the daily table (数据情况日分析表), the cumulative table
(日分析总表), the yield table (数据产出分析表) and the due list; see docs/reports.md.

No Textual, no terminal. Storage's schema imports :mod:`callscript.storage.report_tables`,
so this package imports nothing at import time; use the submodules::

    from callscript.reports.queries import daily, cumulative, yield_table
    from callscript.reports.due import due_list
    from callscript.reports.render import render
"""
