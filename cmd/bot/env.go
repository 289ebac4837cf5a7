package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// decodeEnv sets every field of the struct that dst points to whose tag
// names a variable, `env:"NAME"`, from getenv("NAME"), or from the field's
// `default:"…"` tag when that is empty: an empty variable counts as unset.
// Fields are string, bool, int, time.Duration or []string (comma-separated).
// A value that does not parse is an *envError.
func decodeEnv(dst any, getenv func(string) string) error {
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		key := sf.Tag.Get("env")
		if key == "" {
			continue
		}
		s := getenv(key)
		if s == "" {
			s = sf.Tag.Get("default")
		}
		if s == "" {
			continue
		}
		if err := setField(v.Field(i), s); err != nil {
			return &envError{key: key, value: s, typ: sf.Type.String(), err: err}
		}
	}
	return nil
}

func setField(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(s)
	case bool:
		b, err := strconv.ParseBool(s)
		f.SetBool(b)
		return err
	case int:
		n, err := strconv.Atoi(s)
		f.SetInt(int64(n))
		return err
	case time.Duration:
		d, err := time.ParseDuration(s)
		f.SetInt(int64(d))
		return err
	case []string:
		f.Set(reflect.ValueOf(strings.Split(s, ",")))
	default:
		panic(fmt.Sprintf("decodeEnv: unsupported field type %s", f.Type()))
	}
	return nil
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
