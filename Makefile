# Every developer action. `make` alone prints this help.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BIN        := $(CURDIR)/bin
PROTOS     := $(shell find api -name '*.proto' | sort)
GO_PROTOS  := $(filter-out api/gateway/%,$(PROTOS))
PROTOC     := protoc -I . -I third_party -I /usr/include
TOOLS      := protoc-gen-go protoc-gen-go-grpc protoc-gen-openapi wire
APPS       := $(notdir $(wildcard app/*))

export DOUYIN_DATA_DIR ?= $(CURDIR)/data

# The Jaeger all-in-one for the distributed test, built once from tools/jaeger (a module of its
# own pinning v1.75.0) and kept out of the repository.
JAEGER_BIN ?= $(HOME)/.cache/douyin/jaeger-v1.75.0/jaeger
# What deploy/localcluster runs: every app but the all-in-one, and the Kafka and S3 stand-ins.
CLUSTER_CMDS := $(addprefix ./app/,$(addsuffix /cmd/...,$(filter-out allinone,$(APPS)))) ./deploy/localcluster/cmd/...

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: ## Build the pinned code generators (tools/go.mod) into ./bin
	@mkdir -p $(BIN)
	cd tools && GOBIN=$(BIN) go install \
		google.golang.org/protobuf/cmd/protoc-gen-go \
		google.golang.org/grpc/cmd/protoc-gen-go-grpc \
		github.com/google/gnostic/cmd/protoc-gen-openapi \
		github.com/google/wire/cmd/wire \
		./openapi-fix

.PHONY: generate
generate: tools ## Regenerate protobuf, gRPC, OpenAPI and Wire code (committed; must be reproducible)
	PATH=$(BIN):$$PATH $(PROTOC) \
		--go_out=paths=source_relative:. \
		--go_opt=Mopenapiv3/annotations.proto=github.com/google/gnostic-models/openapiv3 \
		--go_opt=Mopenapiv3/OpenAPIv3.proto=github.com/google/gnostic-models/openapiv3 \
		--go-grpc_out=paths=source_relative:. \
		$(PROTOS)
	PATH=$(BIN):$$PATH $(PROTOC) \
		--openapi_out=naming=proto,default_response=false:. \
		api/gateway/v1/douyin.proto
	@# What the generator cannot be told: int64 as JSON numbers, required parameters, the token
	@# as a security scheme, the envelope (see tools/openapi-fix).
	$(PROTOC) --include_imports -o $(BIN)/gateway.pb api/gateway/v1/douyin.proto
	$(BIN)/openapi-fix -descriptors $(BIN)/gateway.pb -openapi openapi.yaml
	PATH=$(BIN):$$PATH wire gen ./app/...

.PHONY: check-generated
check-generated: generate ## Fail if committed generated code differs from what generate writes
	@git diff --exit-code -- api openapi.yaml app || { echo "generated code is stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- api openapi.yaml app | grep '^??')" || { echo "untracked generated files: run make generate and commit"; git status --porcelain -- api openapi.yaml app; exit 1; }

# Binaries without the symbol table and DWARF (-s -w), a large part of their size (README,
# Status), which nothing here reads (profiles and panics use the runtime's own tables). A
# debugger wants a plain `go build`.
LDFLAGS := -s -w
# go build -v names each package it compiles: PROGRESS turns that into a line every 50
# packages, so that a first build (minutes on an empty module cache) shows it is moving,
# while downloads and errors pass through as they are.
PROGRESS := awk '/^[[:alnum:]._~\/-]+$$/ { if (++n % 50 == 0) printf "  %d packages compiled\n", n; next } { print }'

.PHONY: build
build: ## Build every app into ./bin
	@mkdir -p $(BIN)
	go build -ldflags='$(LDFLAGS)' -o $(BIN)/ $(addprefix ./app/,$(addsuffix /cmd/...,$(APPS)))

.PHONY: run
run: ## Run the whole system in one process on embedded defaults (http://0.0.0.0:8080, data in ./data)
	@mkdir -p $(BIN)
	@echo "building bin/allinone (the first build fetches about 80 modules and compiles for a few minutes; later ones take seconds)"
	@set -o pipefail; go build -v -ldflags='$(LDFLAGS)' -o $(BIN)/allinone ./app/allinone/cmd/allinone 2>&1 | $(PROGRESS)
	exec $(BIN)/allinone

.PHONY: test
test: ## Run every test: unit, repository contracts (SQLite, MariaDB, Redis) and end to end, and the tools' (test-tools)
	go test -count=1 -p 2 ./...
	$(MAKE) test-tools

.PHONY: test-short
test-short: ## Run the tests that need no MariaDB or Redis
	go test -count=1 -short ./...

.PHONY: jaeger
jaeger: $(JAEGER_BIN) ## Build the Jaeger all-in-one (v1.75.0) once into ~/.cache/douyin (JAEGER_BIN); cold: several minutes

$(JAEGER_BIN):
	@mkdir -p $(dir $@)
	@# Into a temporary name first: an interrupted build must not leave a broken binary behind.
	cd tools/jaeger && GOWORK=off go build -o $@.tmp github.com/jaegertracing/jaeger/cmd/jaeger
	mv $@.tmp $@

.PHONY: cluster-build
cluster-build: ## Build the apps and the Kafka and S3 stand-ins of deploy/localcluster into ./bin
	@mkdir -p $(BIN)
	go build -o $(BIN)/ $(CLUSTER_CMDS)

.PHONY: cluster
cluster: cluster-build ## Run every app as its own process on this machine until Ctrl-C (API :8080; needs MariaDB, Redis; traces once make jaeger ran; CLUSTER_FLAGS=... for more, e.g. -replicas 2, see bin/localcluster -h)
	$(BIN)/localcluster -bin $(BIN) $(if $(wildcard $(JAEGER_BIN)),-jaeger $(JAEGER_BIN)) $(CLUSTER_FLAGS)

.PHONY: test-cluster
test-cluster: cluster-build jaeger ## Distributed end-to-end test: two processes of every app, kill and restart, racing replicas, a trace read back from Jaeger
	CLUSTER_BIN_DIR=$(BIN) JAEGER_BIN=$(JAEGER_BIN) go test -tags cluster -count=1 -v -timeout 15m ./deploy/localcluster/

.PHONY: load
load: ## Load-test the all-in-one with wrk (feeds over 10,000 videos, user info, comments, likes, chat polls), each read next to a plain net/http reference, ratios in a table; needs wrk
	bash tools/loadtest/run.sh

.PHONY: load-attacks
load-attacks: ## The anonymous feed under load, undisturbed and while a client floods comments, guesses passwords, or holds slow or silent connections
	bash tools/loadtest/run.sh attacks

.PHONY: load-cluster
load-cluster: ## The feed and user-info load on the all-in-one, then on make cluster's processes (LOAD_REPLICAS=1 of each), next to the reference and to the all-in-one (needs wrk, MariaDB, Redis)
	bash tools/loadtest/cluster.sh

.PHONY: load-scale
load-scale: ## Scale checks on the all-in-one: feed over 10,000 then 1,000,000 videos, comment and follower lists of 100,000, a viewer of 100,000 likes, each against the ordinary case (about 10 min; needs wrk)
	bash tools/loadtest/scale.sh

.PHONY: load-scale-cluster
load-scale-cluster: ## The same scale checks against make cluster's processes on MariaDB and Redis (about 10 min; needs wrk, ffmpeg, MariaDB, Redis)
	bash tools/loadtest/scale.sh cluster

# The release the Kubernetes manifests deploy (deploy/k8s/base: images' newTag), and the tag to
# build the images with: the latest git tag, or the commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)

.PHONY: deploy-check
deploy-check: ## Validate deploy/ offline: compose config, kustomize, schemas (deploy/k8scheck), apps and DOUYIN_* names (needs docker-compose, kubectl)
	bash deploy/check.sh

.PHONY: deploy-version
deploy-version: ## Set the image tag of every app in deploy/k8s/base to VERSION (default: git describe --tags --always --dirty)
	bash deploy/set-version.sh '$(VERSION)'

.PHONY: lint
lint: lint-openapi ## gofmt, go vet and the OpenAPI lint
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'); exit 1; }
	go vet ./...

# tools/openapi-lint is a module of its own, like tools/jaeger: its libraries would raise
# golang.org/x/... for every module of go.work.
.PHONY: lint-openapi
lint-openapi: ## Lint openapi.yaml: the OpenAPI 3.0 JSON Schema, kin-openapi's validation, Spectral-style rules (tools/openapi-lint/ruleset.yaml); any finding fails
	@mkdir -p $(BIN)
	cd tools/openapi-lint && GOWORK=off go build -o $(BIN)/openapi-lint .
	$(BIN)/openapi-lint -ruleset tools/openapi-lint/ruleset.yaml openapi.yaml

.PHONY: test-tools
test-tools: ## Run the tests of tools/openapi-fix and tools/openapi-lint
	cd tools && go test -count=1 ./openapi-fix/...
	cd tools/openapi-lint && GOWORK=off go test -count=1 ./...

.PHONY: clean
clean: ## Remove build output (keeps ./data)
	rm -rf $(BIN)

SWAGGER_UI_VERSION ?= 5.35.0

.PHONY: web-vendor
web-vendor: ## Refresh the vendored /docs renderer (swagger-ui-dist at SWAGGER_UI_VERSION) from npm: the only target needing Node
	bash app/gateway/internal/web/vendor.sh $(SWAGGER_UI_VERSION)

.PHONY: screenshots
screenshots: ## Run the browser test (needs chromium) and save its screenshots of every screen into docs/screenshots
	UPDATE_SCREENSHOTS=1 go test -count=1 -run '^TestBrowser$$' ./app/allinone/
