-- Every event of @site in the UTC day [@day_from, @day_to) (Unix seconds),
-- with the columns the figures come from, in time order.
SELECT time_us, name, visitor, path, referrer, source, campaign, browser, os, device, screen,
	language, country, search, results, link
FROM analytics_events
WHERE site = @site AND time >= toDateTime(@day_from) AND time < toDateTime(@day_to)
ORDER BY time_us
