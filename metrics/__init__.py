"""CRM KPI metrics: the data contract, the DuckDB store, loading and every KPI.

Never imports Streamlit: pages call these pure functions and cache on their side.
"""
