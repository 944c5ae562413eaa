"""The metrics engine: KPI declarations (metrics.kpis.catalog) -> SQL over the rollups.

- engine.query: compute, compare, series, breakdown (values / frames) and detail,
  compare_detail, series_detail, breakdown_detail (Cells with numerator, denominator,
  interval and flags), source_dates; `kpis=` limits the work to what a page shows;
- engine.rollups: build(con) at publish, location(con) for readers;
- engine.sources: the fact sources measures aggregate; engine.sql: shared SQL pieces.
(Nothing is imported here, so the submodules import in any order.)
"""
