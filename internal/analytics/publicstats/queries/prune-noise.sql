-- Forgets the noise of a site's period that only pages ending before $3
-- could show.
DELETE FROM public_statistics_noise WHERE site = $1 AND period = $2 AND shown_until < $3
