-- The noise drawn for the figures of a site's period at an epsilon that a
-- page ending at $4 or later can still show.
SELECT figure, noise FROM public_statistics_noise
WHERE site = $1 AND period = $2 AND epsilon = $3 AND shown_until >= $4
