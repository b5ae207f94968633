"""The compliance report: figures computed from evidence (`figures`, pure) and the files an
auditor reads (`page`: a self-contained HTML page with plotly charts, and a CSV)."""
