# kubertnetes — build, run, test.
#
#   make build   bin/kubertnetes
#   make run     the product on its embedded default (terminal chat; playground cluster if none is reachable)
#   make test    every test; the first run builds and caches the local control plane (~5 minutes)
#   make bench   the benchmarks (figures in the README's performance section)
#   make fuzz    every Fuzz target in the module, one after another, FUZZTIME each (not part of make test;
#                their seed corpora in testdata/fuzz run as ordinary tests there)

GO      ?= go
BIN     := bin/kubertnetes
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The first test package to start a control plane builds it (~5 min, once);
# the others wait for it on a file lock.
TEST_TIMEOUT ?= 25m
# make fuzz: time per target, where to look, extra flags (e.g. FUZZFLAGS=-parallel=1 on a shared machine).
FUZZTIME ?= 30s
FUZZPKGS ?= ./...
FUZZFLAGS ?=

.PHONY: build run test vet bench fuzz playground demo clean tools

build:
	$(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/bot

run: build
	./$(BIN) chat

playground: build
	./$(BIN) playground

vet:
	$(GO) vet ./...

# Everything the tests need comes from the Go toolchain and the Go module
# proxy: the control plane (etcd, kube-apiserver, controller-manager,
# scheduler, kwok) is built by the tests themselves into the user cache.
test: vet
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(GO) test -count=1 -race -timeout $(TEST_TIMEOUT) ./store/ ./bot/ ./fixflow/ ./internal/slacktest/ ./internal/openaitest/

# The analyzer benchmark also measures the built binary's `analyze -A`.
bench: build
	KUBERTNETES_BENCH_CLI=$(abspath $(BIN)) $(GO) test -run '^$$' -bench . -benchmem -timeout $(TEST_TIMEOUT) ./...

# go test runs one -fuzz target at a time: list them all (targets added
# anywhere are picked up), then fuzz each in turn; a crasher stops the run
# and is saved under that package's testdata/fuzz/ as a regression seed.
fuzz:
	@list=$$($(GO) test -list '^Fuzz' $(FUZZPKGS)) || { echo "$$list"; exit 1; }; \
	echo "$$list" | awk '/^Fuzz/ { t[n++] = $$1 } /^ok/ { for (i = 0; i < n; i++) print $$2, t[i]; n = 0 }' | \
	while read -r pkg target; do \
		echo "== $$target in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg || exit 1; \
	done

# A real k3d cluster with the demo app (needs Docker and k3d; see k3d-cluster/README.md).
demo:
	k3d cluster create --config k3d-cluster/k3d-config.yaml
	kubectl apply -f k3d-cluster/demo/faulty-deploy.yaml

clean:
	rm -rf bin
