-- Content-Security-Policy violations reported by visitors' browsers,
-- counted per day of the site's zone (YYYY-MM-DD), blocked host (or a
-- keyword label such as "(inline)"), directive and page path. Nothing
-- else of a report is kept: no address, user agent, referrer, sample or
-- full URL. A day holds a bounded number of rows; what is past the bound
-- is counted under the path, or the host, "(other)".
CREATE TABLE csp_reports (
	day        TEXT NOT NULL,
	host       TEXT NOT NULL,
	directive  TEXT NOT NULL,
	path       TEXT NOT NULL,
	count      INTEGER NOT NULL,
	first_seen TIMESTAMP NOT NULL,
	last_seen  TIMESTAMP NOT NULL,
	PRIMARY KEY (day, host, directive, path)
);
