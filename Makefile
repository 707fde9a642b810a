# SPDX-License-Identifier: GPL-3.0-or-later
# Two conveniences around meson; everything else is `meson` and `ninja`.
BUILDDIR ?= build

.PHONY: run test

$(BUILDDIR)/build.ninja:
	@build-aux/install-deps
	meson setup $(BUILDDIR)

run: $(BUILDDIR)/build.ninja
	@build-aux/install-deps
	ninja -C $(BUILDDIR)
	$(BUILDDIR)/app/pochta-cli play

test: $(BUILDDIR)/build.ninja
	@build-aux/install-deps
	ninja -C $(BUILDDIR)
	meson test -C $(BUILDDIR) --print-errorlogs
