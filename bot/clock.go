package bot

import "time"

// clock is the time the bot paces posts, waits out rate limits and expires
// proposals by: the system clock, or in tests one they move by hand.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
