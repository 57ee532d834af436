# Conveniences; CI is `bash .ci/run`.

.PHONY: screenshots

# The portal's screenshots for the README: the browser tests
# (internal/web/browser_*_test.go) drive headless Chromium through every
# page on the demo channel, at a fixed date, and save each page they visit.
screenshots:
	rm -f docs/screenshots/*.png
	ENTITLE_TEST_BROWSER=1 ENTITLE_SCREENSHOTS=$(CURDIR)/docs/screenshots \
		go test -count=1 -run Browser ./internal/web/
