# Provisio — see README.md. Every target installs the system packages it
# needs (apt-get; as root, or through sudo).

GO        ?= go
BIN       := bin/provisio
DEMO      ?= $(CURDIR)/.demo-workspace
SHOTS     ?= $(CURDIR)/screenshots
export LANG := en_US.UTF-8
export PATH := $(PATH):/usr/local/go/bin

# Packages that are pure Go: everything but the command, which links the
# Fyne desktop driver through cgo.
PURE_PKGS = $(shell $(GO) list ./... | grep -v '^provisio/cmd/provisio$$')

.PHONY: all build run test unit integration gui-smoke bench bench-ldap screenshots demo-assets clean

all: build

build:
	@scripts/install-deps.sh build
	$(GO) build -o $(BIN) ./cmd/provisio

# Opens the app on a ready demo workspace (made on first use).
run: build
	@[ -f "$(DEMO)/provisio.db" ] || $(BIN) --workspace "$(DEMO)" demo
	$(BIN) --workspace "$(DEMO)"

test:
	@scripts/install-deps.sh test
	$(MAKE) --no-print-directory unit integration gui-smoke

# Unit and headless UI tests: no cgo, no display, no services.
unit:
	CGO_ENABLED=0 $(GO) vet $(PURE_PKGS)
	CGO_ENABLED=0 $(GO) test -count=1 $(PURE_PKGS)
	$(GO) test -count=1 -race ./engine/... ./app/... ./connectors/...

# Tests against real services, each started on loopback and stopped by PID.
# Each service's tests have a build tag of their own (integration for the
# keychain, notifications and slapd, integration_ad for Samba AD), so that a line runs only
# the tests whose service it starts, and those fail without it.
integration:
	scripts/with-keyring.sh $(GO) test -tags integration -count=1 ./app/keychain/
	scripts/with-session-bus.sh $(GO) test -tags integration -count=1 ./app/notify/ ./cmd/provisio/
	scripts/with-slapd.sh $(GO) test -tags integration -count=1 ./connectors/ldap/...
	scripts/with-samba-ad.sh $(GO) test -tags integration_ad -count=1 ./connectors/ldap/...

# The real binary in a real window under Xvfb, on a private session bus
# with a listener for its notifications and tray icon.
gui-smoke: build
	@scripts/install-deps.sh shots
	$(GO) vet ./cmd/provisio
	GO="$(GO)" scripts/gui-smoke.sh $(BIN)

bench:
	@scripts/install-deps.sh bench
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem -timeout 60m $(PURE_PKGS)
	$(MAKE) --no-print-directory bench-ldap

# Enforcement against a private slapd, compared with ldapadd in the same
# run (docs/BENCHMARKS.md, "Enforcement (issue 4)"). One iteration takes
# several seconds; BENCH_LDAP_COUNT runs it more often (order alternating).
BENCH_LDAP_COUNT ?= 3
bench-ldap:
	@scripts/install-deps.sh bench
	scripts/with-slapd.sh env CGO_ENABLED=0 $(GO) test -tags integration -run '^$$' -bench . -benchtime $(BENCH_LDAP_COUNT)x -timeout 30m ./app/benchldap/

screenshots: build
	@scripts/install-deps.sh shots
	scripts/screenshots.sh $(BIN) "$(SHOTS)"

# Rewrites the shipped demo data from the generator.
demo-assets:
	PROVISIO_UPDATE_DEMO=1 $(GO) test -count=1 ./app/demo -run TestShippedDemoMatchesGenerator

clean:
	rm -rf bin "$(SHOTS)"
