-- The latest cut-off Retain has applied, Unix seconds (0 for none).
SELECT toInt64(max(before)) FROM analytics_retention
