package main

import (
	"os"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

var plane *kubetest.Plane

func TestMain(m *testing.M) {
	code := kubetest.Run(m, &plane)
	if built.dir != "" { // the binary some tests build, once
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
