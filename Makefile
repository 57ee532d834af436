# Conveniences; CI is `bash .ci/run`.

.PHONY: screenshots release

# The portal's screenshots for the README: the browser tests
# (internal/web/browser_*_test.go) drive headless Chromium through every
# page on the demo channel, at a fixed date, and save each page they visit.
# (Not the accessibility checks, browser_a11y_test.go: they save no page and
# need axe-core.)
screenshots:
	rm -f docs/screenshots/*.png
	ENTITLE_TEST_BROWSER=1 ENTITLE_SCREENSHOTS=$(CURDIR)/docs/screenshots \
		go test -count=1 -run Browser -skip 'Browser(Accessibility|Keyboard|FocusVisible)' ./internal/web/

# Release builds: static binaries (no cgo: the SQLite driver is pure Go) for
# the four platforms, reproducible (-trimpath), with the version stamped in
# (entitle version, /healthz), and their SHA-256 sums in dist/SHA256SUMS.
# VERSION defaults to the tag, or the commit, of the work tree.
VERSION ?= $(shell git describe --tags --always --dirty)
PLATFORMS := linux/amd64 linux/arm64 darwin/arm64 windows/amd64

release:
	rm -rf dist && mkdir -p dist
	set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
		echo "dist/entitle-$(VERSION)-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath \
			-ldflags "-s -w -X main.version=$(VERSION)" \
			-o "dist/entitle-$(VERSION)-$$os-$$arch$$ext" ./cmd/entitle; \
	done
	cd dist && sha256sum entitle-* > SHA256SUMS
	cat dist/SHA256SUMS
