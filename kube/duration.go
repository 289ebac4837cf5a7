package kube

import "time"

// durationFlag is a pflag value for kubectl's --since=1h.
type durationFlag struct{ time.Duration }

func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

func (d *durationFlag) String() string { return d.Duration.String() }
func (d *durationFlag) Type() string   { return "duration" }
