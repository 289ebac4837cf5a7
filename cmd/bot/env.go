package main

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	// envlib: the tests of package main call their getenv helper env
	envlib "github.com/caarlos0/env/v11"
)

// decodeEnv sets every field of the struct that dst points to whose tag
// names a variable, `env:"NAME"`, from getenv("NAME"), or from the field's
// `envDefault:"…"` tag when that is empty: an empty variable counts as
// unset. caarlos0/env does the decoding; it reads the process environment
// unless it is given one, so it gets a map of exactly dst's variables,
// each looked up with getenv. A value that does not parse is an *envError.
func decodeEnv(dst any, getenv func(string) string) error {
	keys, err := envKeys(dst)
	if err != nil {
		return err
	}
	// Never nil: with a nil map the library would read os.Environ.
	vars := make(map[string]string, len(keys))
	for _, k := range keys {
		if v := getenv(k); v != "" {
			vars[k] = v
		}
	}
	err = envlib.ParseWithOptions(dst, envlib.Options{
		Environment: vars,
		// The library parses int as 32 bits; an int setting takes what
		// strconv.Atoi takes, as it always has.
		FuncMap: map[reflect.Type]envlib.ParserFunc{
			reflect.TypeFor[int](): func(s string) (any, error) { return strconv.Atoi(s) },
		},
	})
	var pe envlib.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	// The library names the field; the user knows the variable.
	sf, _ := reflect.TypeOf(dst).Elem().FieldByName(pe.Name)
	key, _, _ := strings.Cut(sf.Tag.Get("env"), ",")
	value, ok := vars[key]
	if !ok {
		value = sf.Tag.Get("envDefault")
	}
	return &envError{key: key, value: value, typ: pe.Type.String(), err: pe.Err}
}

// envKeys are the variables named by the env tags of the struct that dst
// points to.
func envKeys(dst any) ([]string, error) {
	params, err := envlib.GetFieldParams(dst)
	if err != nil {
		return nil, fmt.Errorf("read the env tags of %T: %w", dst, err)
	}
	keys := make([]string, len(params))
	for i, p := range params {
		keys[i] = p.Key
	}
	return keys, nil
}

// envError is a variable whose value does not parse as its setting's type.
type envError struct {
	key, value, typ string
	err             error
}

func (e *envError) Error() string {
	return fmt.Sprintf("%s=%q is not a valid %s: %v", e.key, e.value, e.typ, e.err)
}

func (e *envError) Unwrap() error { return e.err }
