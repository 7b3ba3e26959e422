package main

import (
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/config"
)

// siteLocation is the site's time zone, analytics.timezone: the days of the
// analytics and consent statistics begin there, and the console, the inbox
// and the policy history write their times in it, whether or not
// analytics is on.
func siteLocation(cfg *config.Config) (*time.Location, error) {
	loc, err := time.LoadLocation(cfg.Analytics.Timezone)
	if err != nil {
		return nil, fmt.Errorf("analytics.timezone %q: %w", cfg.Analytics.Timezone, err)
	}
	return loc, nil
}
