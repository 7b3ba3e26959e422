-- Whether the per-day event counts exist yet.
EXISTS TABLE analytics_event_days/*local*/
