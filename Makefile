# handsetd: build, test, demo. Every target installs what it needs first.
GO      ?= go
# scripts/deps.sh installs Go 1.26 into /usr/local/go or ~/.local/go when
# the system's is missing or too old; staticcheck lands in ~/go/bin.
export PATH := /usr/local/go/bin:$(HOME)/.local/go/bin:$(PATH):$(HOME)/go/bin
PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: all deps build demo test check bench fuzz clean install uninstall deb

all: build

deps:
	@scripts/deps.sh

build: deps
	$(GO) build -o bin/handsetd ./cmd/handsetd

# The main job with no hardware: a private bus, the built-in test host
# playing a call, and the daemon on a simulated handset.
demo: build
	scripts/demo.sh

# Every test tier: vet, staticcheck, unit tests with -race (private
# dbus-daemon), the umockdev tier, real PortAudio on jackd's dummy backend,
# end-to-end tests of the binary, and a bounded run of every fuzzer.
test: deps
	scripts/test.sh

bench: deps
	scripts/bench.sh

# Install the binary, udev rules, the systemd user unit and the man page
# under $(DESTDIR)$(PREFIX), then reload udev and the user manager.
install: build
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) scripts/install.sh

uninstall:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) scripts/uninstall.sh

# A Debian package in dist/: apt install ./dist/handsetd_*.deb
deb: build
	scripts/deb.sh

clean:
	rm -rf bin
