package main

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// With no setting given at all, the process environment is still not
// read (the library reads os.Environ when handed no map).
func TestNoSettingsReadsNothingOfTheProcess(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-the-process")
	t.Setenv("KUBERTNETES_MAX_STEPS", "7")
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.OpenAIAPIKey != "" || c.MaxSteps != 12 {
		t.Errorf("key %q, max steps %d: want none and the default 12", c.OpenAIAPIKey, c.MaxSteps)
	}
}

func TestDecodeEnv(t *testing.T) {
	type settings struct {
		Tokens  int  `env:"TOKENS" envDefault:"5"`
		On      bool `env:"ON"`
		Default int  `env:"DEFAULT" envDefault:"many"`
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    int64
		wantErr string
	}{
		{"an int beyond 32 bits", map[string]string{"TOKENS": "5000000000", "DEFAULT": "1"}, 5000000000, ""},
		{"empty is unset", map[string]string{"TOKENS": "", "DEFAULT": "1"}, 5, ""},
		{"a bad value names the variable", map[string]string{"ON": "sometimes", "DEFAULT": "1"}, 0, `ON="sometimes" is not a valid bool`},
		{"a bad default names the variable", nil, 0, `DEFAULT="many" is not a valid int`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want > math.MaxInt {
				t.Skip("int has 32 bits here")
			}
			var s settings
			err := decodeEnv(&s, env(tt.env))
			if tt.wantErr != "" {
				var ee *envError
				if !errors.As(err, &ee) || !strings.HasPrefix(ee.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want an *envError starting %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || int64(s.Tokens) != tt.want {
				t.Errorf("tokens %d, err %v; want %d", s.Tokens, err, tt.want)
			}
		})
	}
}
