-- Every column named, in the order WriteEvents appends them.
INSERT INTO analytics_events (site, time, time_us, name, visitor, path, hostname, referrer, source, medium,
	campaign, browser, browser_version, os, device, screen, language, country, network, props.key, props.value,
	search, results, link)
