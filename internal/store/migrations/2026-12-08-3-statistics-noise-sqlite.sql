-- The noise of the public statistics' figures, drawn once and kept, so
-- that every instance, and an instance after a restart, publishes the same
-- noisy figure: asking again, elsewhere or later, gives a reader no new
-- sample to average.
--
-- figure names a count of a period's page: its totals and rows, named with
-- the end of the page's range, or a bar of its chart, named by the bar's
-- start. epsilon is the setting the noise was drawn for; a new epsilon
-- draws afresh. shown_until is the end of the last range whose page can
-- show the figure; a row is deleted once no page can show it any more.
CREATE TABLE public_statistics_noise (
	site        TEXT NOT NULL,
	period      TEXT NOT NULL,
	figure      TEXT NOT NULL,
	epsilon     REAL NOT NULL,
	noise       REAL NOT NULL,
	shown_until TIMESTAMP NOT NULL,
	PRIMARY KEY (site, period, figure, epsilon)
);

CREATE INDEX public_statistics_noise_until ON public_statistics_noise (site, period, shown_until);
