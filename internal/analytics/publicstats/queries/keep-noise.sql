-- Stores the noise drawn for a figure unless some instance stored one
-- first, and returns the one stored: the no-op update makes the statement
-- return the row that won.
INSERT INTO public_statistics_noise (site, period, figure, epsilon, noise, shown_until)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (site, period, figure, epsilon) DO UPDATE SET noise = public_statistics_noise.noise
RETURNING noise
