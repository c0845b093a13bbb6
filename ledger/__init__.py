"""The case ledger of the full-process guidance service (行政执法全流程指导服务).

``ledger.case`` holds the domain, ``ledger.application`` the application
service (``Ledger``), ``ledger.cli`` the ``ledger`` console script.
"""
